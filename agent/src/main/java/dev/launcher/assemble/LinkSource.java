package dev.launcher.assemble;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import dev.launcher.cache.CachePaths;
import dev.launcher.fs.FileNames;
import dev.launcher.fs.SparseFiles;
import dev.launcher.unpack.TreeCleaner;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What app dirs hard-link to in link mode ({@code LAUNCHER_ASSEMBLY=link}): a read-only copy of each regular file of
 * a layer tree, in {@code links/} beside the tree in its cache entry, made once per node and layer.
 *
 * <p>Not the tree's own inodes: every link and unlink moves an inode's ctime, and the cache's check of a tree at each
 * start rests on ctimes ({@code dev.launcher.cache.tree.TreeCheck}). So the tree stays as verified, and a copy is what
 * the app dirs share. Each copy is checked when linked: its size, mtime and mode (the tree's, without write bits)
 * must be the tree file's. A copy that differs (an app that could write it did: root, or its owner after a chmod)
 * is not linked; that file is copied from the tree instead, and the whole {@code links/} is discarded after the
 * assembly, so that the next start makes it anew. A write that keeps size and mtime ({@code touch -r}) is not seen:
 * that is what link mode gives up to a root app, and why it is not the default.
 */
final class LinkSource {
    private static final Logger LOG = LoggerFactory.getLogger(LinkSource.class);
    private static final Set<PosixFilePermission> WRITE_BITS = EnumSet.of(PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);

    private final Path tree;
    private final Path links;
    private final AtomicBoolean damaged = new AtomicBoolean();

    private LinkSource(Path tree, Path links) {
        this.tree = tree;
        this.links = links;
    }

    /**
     * The read-only copies of {@code tree}'s files, made now if there are none; empty when files of the cache cannot
     * be linked into {@code appDir} at all, or the copies cannot be made (the cache entry is another user's, or the
     * volume is full): then the tree is copied as in copy mode.
     */
    static Optional<LinkSource> of(Path tree, Path appDir) {
        Path links = CachePaths.linksIn(tree.getParent());
        Path lock = tree.resolveSibling(".links.lock");
        Path temp = tree.resolveSibling(".links-" + UUID.randomUUID());
        try (FileChannel lockFile = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            if (!linksInto(lock, appDir)) {
                return Optional.empty();
            }
            // One launcher makes them while the others starting beside it wait, then link to the same copies.
            try (FileLock ignored = lockFile.lock()) {
                if (!Files.isDirectory(links, NOFOLLOW_LINKS)) {
                    Files.createDirectory(temp);
                    copyFiles(tree, temp, "");
                    Files.move(temp, links, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            return Optional.of(new LinkSource(tree, links));
        } catch (IOException e) {
            LOG.warn("link mode: cannot make the read-only copies to link to beside {} ({}): copying its files instead",
                    tree, e.getMessage());
            try {
                TreeCleaner.deleteTree(temp);
            } catch (IOException ignored) {
                // removed with its cache entry
            }
            return Optional.empty();
        }
    }

    /**
     * Whether a file of the cache can get a name in {@code appDir}: not when the two are on different mounts (EXDEV:
     * even two volumes of one file system, as Kubernetes and container engines mount them), nor when the kernel's
     * protected_hardlinks forbids it. Tried with {@code cacheFile}, under the name the app dir's marker takes last.
     */
    private static boolean linksInto(Path cacheFile, Path appDir) {
        Path probe = appDir.resolve(AppDirMarker.TEMP_NAME);
        try {
            Files.deleteIfExists(probe);
            Files.createLink(probe, cacheFile);
            Files.delete(probe);
            return true;
        } catch (IOException e) {
            LOG.warn("link mode: files of the cache cannot be linked into {} ({}): copying them instead. Hard links cannot"
                    + " cross mounts: give the app dir a directory on the cache's volume, or use LAUNCHER_ASSEMBLY=copy",
                    appDir, e.getMessage());
            return false;
        }
    }

    private static void copyFiles(Path from, Path to, String rel) throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(FileNames.resolve(from, rel))) {
            for (Path child : children) {
                String childRel = rel.isEmpty() ? FileNames.nameOf(child) : rel + "/" + FileNames.nameOf(child);
                PosixFileAttributes attrs = Files.readAttributes(child, PosixFileAttributes.class, NOFOLLOW_LINKS);
                if (attrs.isDirectory()) {
                    Files.createDirectory(FileNames.resolve(to, childRel));
                    copyFiles(from, to, childRel);
                } else if (attrs.isRegularFile()) {
                    Path copy = FileNames.resolve(to, childRel);
                    if (SparseFiles.hasHoles(child, attrs.size())) {
                        SparseFiles.copy(child, copy, attrs);
                    } else {
                        Files.copy(child, copy, StandardCopyOption.COPY_ATTRIBUTES, NOFOLLOW_LINKS);
                    }
                    Files.setPosixFilePermissions(copy, readOnly(attrs.permissions()));
                }
            }
        }
    }

    private static Set<PosixFilePermission> readOnly(Set<PosixFilePermission> permissions) {
        Set<PosixFilePermission> result = permissions.isEmpty() ? EnumSet.noneOf(PosixFilePermission.class)
                : EnumSet.copyOf(permissions);
        result.removeAll(WRITE_BITS);
        return result;
    }

    /**
     * Makes {@code target} a hard link to the copy of tree file {@code rel}, if that copy is still what the tree
     * holds; returns false (and remembers the damage) if it is not, or if the link cannot be made (another file
     * system: EXDEV; too many links: EMLINK), for the caller to copy the file instead.
     */
    boolean link(String rel, PosixFileAttributes treeFile, Path target) throws IOException {
        Path copy = FileNames.resolve(links, rel);
        PosixFileAttributes attrs;
        try {
            attrs = Files.readAttributes(copy, PosixFileAttributes.class, NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            damaged.set(true);
            return false;
        }
        if (!attrs.isRegularFile() || attrs.size() != treeFile.size()
                || !attrs.lastModifiedTime().equals(treeFile.lastModifiedTime())
                || !attrs.permissions().equals(readOnly(treeFile.permissions()))) {
            if (damaged.compareAndSet(false, true)) {
                LOG.warn("the read-only copy of '{}' beside {} was changed by an app (size {}, mtime {}, mode {}; the"
                        + " tree's: {}, {}, {}): copying that file from the tree; the copies are made anew at the next start",
                        FileNames.display(rel), tree, attrs.size(), attrs.lastModifiedTime(),
                        PosixFilePermissions.toString(attrs.permissions()), treeFile.size(), treeFile.lastModifiedTime(),
                        PosixFilePermissions.toString(readOnly(treeFile.permissions())));
            }
            return false;
        }
        try {
            Files.createLink(target, copy);
            return true;
        } catch (NoSuchFileException | AccessDeniedException e) {
            damaged.set(true); // discarded meanwhile by another start, or not ours to link
            return false;
        } catch (FileSystemException e) {
            if (e instanceof FileAlreadyExistsException) {
                throw e;
            }
            LOG.debug("cannot link {} to {}: {}", target, copy, e.toString());
            return false;
        }
    }

    /** After an assembly that found a changed copy: removes them all, for the next start to make anew. */
    void discardIfDamaged() {
        if (!damaged.get()) {
            return;
        }
        Path doomed = links.resolveSibling(".links-discarded-" + UUID.randomUUID());
        try {
            Files.move(links, doomed, StandardCopyOption.ATOMIC_MOVE);
            TreeCleaner.deleteTree(doomed);
        } catch (NoSuchFileException e) {
            // another start discarded them first
        } catch (IOException e) {
            LOG.warn("cannot discard the changed read-only copies beside {}: {}", tree, e.getMessage());
        }
    }
}
