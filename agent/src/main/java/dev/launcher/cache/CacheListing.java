package dev.launcher.cache;

import dev.launcher.error.LauncherException;
import dev.launcher.oci.Digest;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the cache holds, read straight from the disk without any lock: other processes may publish or evict while
 * we look, so an entry that vanishes half-way is simply left out.
 */
public final class CacheListing {
    private static final Logger log = LoggerFactory.getLogger(CacheListing.class);
    private static final List<String> ALGORITHMS = List.of("sha256", "sha512");
    /** Suffix of the names of layer trees cached by launchers before the tree index. */
    public static final String LEGACY = " (earlier version, no index)";

    private final CachePaths paths;

    public CacheListing(CachePaths paths) {
        this.paths = paths;
    }

    /** Blobs, then layers, then refs, each sorted by name. */
    public List<CacheEntry> entries() {
        List<CacheEntry> all = new ArrayList<>(contentEntries());
        all.addAll(refs());
        return all;
    }

    /** Blobs and layer trees (those of earlier versions too): what takes space and what gc evicts. */
    public List<CacheEntry> contentEntries() {
        List<CacheEntry> all = new ArrayList<>();
        all.addAll(digestEntries(CacheEntry.Kind.BLOB, paths.blobsDir(), "", true));
        all.addAll(treeEntries(true));
        all.addAll(legacyLayers(true));
        return all;
    }

    /** The layer entries of this version (tree and index). */
    public List<CacheEntry> treeEntries(boolean measure) {
        return digestEntries(CacheEntry.Kind.LAYER, paths.treesDir(), "", measure);
    }

    /**
     * The bare trees of launchers before the tree index, named with a {@value #LEGACY} suffix.
     *
     * @param measure false to leave sizes at 0 and save walking trees that are about to go anyway
     */
    public List<CacheEntry> legacyLayers(boolean measure) {
        return digestEntries(CacheEntry.Kind.LAYER, paths.legacyLayersDir(), LEGACY, measure);
    }

    private List<CacheEntry> digestEntries(CacheEntry.Kind kind, Path kindDir, String suffix, boolean measureSize) {
        List<CacheEntry> found = new ArrayList<>();
        for (String algorithm : ALGORITHMS) {
            Path dir = kindDir.resolve(algorithm);
            for (Path path : list(dir)) {
                Digest digest;
                try {
                    digest = new Digest(algorithm, path.getFileName().toString());
                } catch (LauncherException e) {
                    log.warn("ignoring {}: not a digest-named cache entry", path);
                    continue;
                }
                measure(kind, digest, digest + suffix, path, measureSize).ifPresent(found::add);
            }
        }
        found.sort(Comparator.comparing(CacheEntry::name));
        return found;
    }

    public List<CacheEntry> refs() {
        List<CacheEntry> found = new ArrayList<>();
        Path refsDir = paths.refsDir();
        if (!Files.isDirectory(refsDir)) {
            return found;
        }
        try {
            Files.walkFileTree(refsDir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    Path relative = refsDir.relativize(file);
                    // registry / repository... / _tags / tag
                    int n = relative.getNameCount();
                    if (!attrs.isRegularFile() || n < 4 || !relative.getName(n - 2).toString().equals(CachePaths.TAGS_DIR)) {
                        return FileVisitResult.CONTINUE;
                    }
                    String name = relative.getName(0) + "/" + relative.subpath(1, n - 2).toString().replace('\\', '/')
                            + ":" + relative.getName(n - 1);
                    readDigest(file).flatMap(d -> measure(CacheEntry.Kind.REF, d, name, file, true)).ifPresent(found::add);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // vanished or unreadable: not listable
                }
            });
        } catch (IOException e) {
            throw CacheFailures.io("list refs in", refsDir, e);
        }
        found.sort(Comparator.comparing(CacheEntry::name));
        return found;
    }

    static Optional<Digest> readDigest(Path refFile) {
        String text;
        try {
            text = Files.readString(refFile).strip();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw CacheFailures.io("read ref", refFile, e);
        }
        try {
            return Optional.of(Digest.parse(text));
        } catch (LauncherException e) {
            // Refs are written by rename, so this is damage from outside; the ref is only an offline fallback.
            log.warn("ignoring corrupt ref {}: {}", refFile, e.getMessage());
            return Optional.empty();
        }
    }

    private static Optional<CacheEntry> measure(CacheEntry.Kind kind, Digest digest, String name, Path path, boolean size) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            long bytes = !size ? 0 : attrs.isDirectory() ? Trees.size(path) : attrs.size();
            return Optional.of(new CacheEntry(kind, digest, name, path, bytes, attrs.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty(); // evicted while we looked
        } catch (IOException e) {
            throw CacheFailures.io("read", path, e);
        }
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> children = Files.list(dir)) {
            return children.toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw CacheFailures.io("list", dir, e);
        }
    }
}
