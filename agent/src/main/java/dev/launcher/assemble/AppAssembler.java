package dev.launcher.assemble;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import dev.launcher.config.AssemblyMode;
import dev.launcher.error.LauncherException;
import dev.launcher.fs.FileNames;
import dev.launcher.fs.SparseFiles;
import dev.launcher.unpack.TreeCleaner;
import dev.launcher.unpack.Whiteouts;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the directory an app runs in from the read-only layer trees of the shared cache.
 *
 * <p>In copy mode (the default) the app dir never shares an inode with the cache, so an app writing into its own
 * directory cannot change what other containers see: files are copied, symlinks recreated (never
 * followed), and hard links within one layer tree recreated as hard links between the copies. In link mode files
 * are hard links to read-only copies beside the layer tree instead ({@link LinkSource}): no bytes copied per start;
 * directories and symlinks are the app dir's own in both modes.
 * Whiteouts are applied as OCI describes and never appear themselves.
 *
 * <p>The app dir may be a mount point, so it is emptied rather than replaced, and only if it is
 * empty or carries the {@value AppDirMarker#NAME} marker of an earlier assembly: a directory the
 * launcher did not fill is never cleared.
 */
public final class AppAssembler {
    private static final Logger log = LoggerFactory.getLogger(AppAssembler.class);
    /** Marker line of {@link #assemble(List, Path)}, for callers that have nothing better to record. */
    public static final String DEFAULT_MARKER = "assembled";

    /** As {@link #assemble(List, Path, String)} with {@link #DEFAULT_MARKER} as the marker line. */
    public void assemble(List<Path> layerTrees, Path appDir) {
        assemble(layerTrees, appDir, DEFAULT_MARKER);
    }

    /** Copy mode: as {@link #assemble(List, Path, String, AssemblyMode)}. */
    public void assemble(List<Path> layerTrees, Path appDir, String markerContent) {
        assemble(layerTrees, appDir, markerContent, AssemblyMode.COPY);
    }

    /**
     * Replaces the content of {@code appDir} with the merge of {@code layerTrees}.
     *
     * @param layerTrees    unpacked layer trees, lowest layer first
     * @param appDir        created if missing; must be empty or assembled by the launcher before
     * @param markerContent one line recorded in the marker once the assembly is complete, such as
     *                      the manifest digest; {@link #assembledContent} returns it
     * @throws LauncherException USAGE if {@code appDir} holds foreign content, CACHE_IO if reading
     *                           a layer tree or writing the app dir fails
     */
    public void assemble(List<Path> layerTrees, Path appDir, String markerContent, AssemblyMode mode) {
        if (markerContent == null || markerContent.isEmpty() || markerContent.contains("\n") || markerContent.contains("\r")) {
            throw LauncherException.usage("the app dir marker must be one non-empty line, got '" + markerContent + "'");
        }
        for (Path tree : layerTrees) {
            if (!Files.isDirectory(tree, NOFOLLOW_LINKS)) {
                throw LauncherException.cacheIo("layer tree " + tree + " is missing or not a directory;"
                        + " the cache is damaged: remove it and run again to download the layers anew", null);
            }
        }
        prepare(appDir);
        boolean linking = mode == AssemblyMode.LINK;
        try (MergedTree merged = new MergedTree(appDir)) {
            for (Path tree : layerTrees) {
                Optional<LinkSource> links = linking ? LinkSource.of(tree, appDir) : Optional.empty();
                linking = links.isPresent(); // what kept one tree from linking keeps the next
                new LayerWalk(tree, merged, links).run();
                awaitCopies(merged, tree);
                links.ifPresent(LinkSource::discardIfDamaged);
            }
            try {
                merged.finish();
                AppDirMarker.markComplete(appDir, markerContent);
            } catch (IOException e) {
                throw writeFailure(appDir, "", e);
            }
        }
        log.debug("assembled {} from {} layers", appDir, layerTrees.size());
    }

    /** A layer's copies end before the next layer, whose entries may replace them. */
    private static void awaitCopies(MergedTree merged, Path tree) {
        try {
            merged.awaitCopies();
        } catch (IOException e) {
            throw LauncherException.cacheIo("assembling the app dir from layer tree " + tree + " failed: " + e
                    + "; check free space and permissions of the app dir and the cache", e);
        }
    }

    /**
     * Checked before the pull: assembling comes last, and an app dir that cannot be written would fail after
     * all the downloading. It must be a writable directory, or be creatable in the nearest directory that
     * exists (access(2) also answers for read-only mounts, where even root cannot write).
     *
     * @throws LauncherException USAGE naming the directory and what is wrong with it
     */
    public static void requireWritable(Path appDir) {
        Path existing = appDir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        String problem = null;
        if (existing == null) {
            problem = "has no existing parent";
        } else if (!Files.isDirectory(existing)) {
            problem = existing.equals(appDir) ? "is not a directory" : "lies under " + existing + ", which is not a directory";
        } else if (!Files.isWritable(existing)) {
            problem = existing.equals(appDir) ? "is not writable" : "cannot be created: " + existing + " is not writable";
        }
        if (problem != null) {
            throw LauncherException.usage("LAUNCHER_APP_DIR " + appDir + " " + problem
                    + ": mount a writable volume there or point LAUNCHER_APP_DIR (--app-dir) elsewhere");
        }
    }

    /** The marker line of the last complete assembly of {@code appDir}; empty if there is none or it was interrupted. */
    public static Optional<String> assembledContent(Path appDir) {
        try {
            return AppDirMarker.completedLine(appDir);
        } catch (IOException e) {
            throw LauncherException.cacheIo("cannot read the marker of app dir " + appDir + ": " + e, e);
        }
    }

    /** Makes {@code appDir} an empty directory we own, or refuses. */
    private static void prepare(Path appDir) {
        try {
            Files.createDirectories(appDir);
            boolean empty;
            try (DirectoryStream<Path> children = Files.newDirectoryStream(appDir)) {
                empty = !children.iterator().hasNext();
            }
            if (!empty && !AppDirMarker.isPresent(appDir)) {
                throw LauncherException.usage("refusing to assemble the app into " + appDir + ": it is not empty and has no "
                        + AppDirMarker.NAME + " marker, so the launcher did not fill it and clearing it could destroy data;"
                        + " use an empty directory or empty this one yourself");
            }
            // Marked before anything is removed: a crash from here on leaves a directory the next run may clear.
            AppDirMarker.markInProgress(appDir);
            try (DirectoryStream<Path> children = Files.newDirectoryStream(appDir)) {
                for (Path child : children) {
                    if (!AppDirMarker.isReserved(child.getFileName().toString())) {
                        TreeCleaner.deleteTree(child);
                    }
                }
            }
        } catch (IOException e) {
            throw writeFailure(appDir, "", e);
        }
    }

    private static LauncherException writeFailure(Path appDir, String rel, Exception e) {
        return LauncherException.cacheIo("assembling the app dir " + appDir + (rel.isEmpty() ? "" : " at '" + rel + "'")
                + " failed: " + e + "; check free space and permissions of the app dir", e);
    }

    /** Lays one layer tree onto the merged tree, walking it once, parents before children. */
    private static final class LayerWalk {
        private final Path tree;
        private final MergedTree merged;
        /** Files of this tree: inode to where its first name was placed, for the names after it. */
        private final Map<Object, String> placedInodes = new HashMap<>();
        private final Optional<LinkSource> linkSource;

        LayerWalk(Path tree, MergedTree merged, Optional<LinkSource> linkSource) {
            this.tree = tree;
            this.merged = merged;
            this.linkSource = linkSource;
        }

        void run() {
            Deque<String> pending = new ArrayDeque<>();
            pending.push("");
            while (!pending.isEmpty()) {
                String dir = pending.pop();
                String current = dir;
                try {
                    List<String> names = list(dir);
                    // Whiteouts speak about lower layers only, so they go before this layer's own entries.
                    for (String name : names) {
                        if (Whiteouts.isOpaque(name)) {
                            merged.empty(dir);
                        }
                    }
                    for (String name : names) {
                        String hidden = Whiteouts.hiddenName(name);
                        if (hidden != null && !(dir.isEmpty() && AppDirMarker.isReserved(hidden))) {
                            merged.remove(join(dir, hidden));
                        }
                    }
                    for (String name : names) {
                        if (Whiteouts.isWhiteout(name)) {
                            continue;
                        }
                        if (dir.isEmpty() && AppDirMarker.isReserved(name)) {
                            log.warn("layer {} has a file named {} at its root; it is not copied because the launcher uses that name",
                                    tree, name);
                            continue;
                        }
                        current = join(dir, name);
                        if (place(current)) {
                            pending.push(current);
                        }
                    }
                } catch (IOException e) {
                    throw LauncherException.cacheIo("assembling the app dir from layer tree " + tree + " failed at '"
                            + FileNames.display(current)
                            + "': " + e + "; check free space and permissions of the app dir and the cache", e);
                }
            }
        }

        /** Places one entry; returns whether it is a directory to descend into. */
        private boolean place(String rel) throws IOException {
            Path source = FileNames.resolve(tree, rel);
            PosixFileAttributes attrs = Files.readAttributes(source, PosixFileAttributes.class, NOFOLLOW_LINKS);
            if (attrs.isDirectory()) {
                merged.directory(rel, attrs.permissions(), attrs.lastModifiedTime());
                return true;
            }
            if (attrs.isSymbolicLink()) {
                merged.symlink(rel, Files.readSymbolicLink(source), attrs.lastModifiedTime());
            } else if (attrs.isRegularFile()) {
                placeFile(rel, source, attrs);
            } else {
                log.warn("layer tree {} has a special file '{}'; it is not copied", tree, FileNames.display(rel));
            }
            return false;
        }

        private void placeFile(String rel, Path source, PosixFileAttributes attrs) throws IOException {
            // Every file's inode is remembered rather than each file's link count asked: a map entry costs less than
            // the stat call (a third of a node_modules assembly's walk).
            String first = placedInodes.putIfAbsent(attrs.fileKey(), rel);
            if (first != null) {
                merged.hardLink(rel, first);
                return;
            }
            if (linkSource.isPresent()) {
                merged.linkFile(rel, source, attrs, linkSource.get());
            } else {
                merged.copyFile(rel, source, attrs, SparseFiles.hasHoles(source, attrs.size()));
            }
        }

        private List<String> list(String dir) throws IOException {
            List<String> names = new ArrayList<>();
            try (DirectoryStream<Path> children = Files.newDirectoryStream(FileNames.resolve(tree, dir))) {
                for (Path child : children) {
                    names.add(FileNames.nameOf(child));
                }
            }
            names.sort(null); // the same tree always gives the same first name of a hard-linked file
            return names;
        }

        private static String join(String dir, String name) {
            return dir.isEmpty() ? name : dir + "/" + name;
        }
    }
}
