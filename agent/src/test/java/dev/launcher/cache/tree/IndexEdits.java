package dev.launcher.cache.tree;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import dev.launcher.cache.CachePaths;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Edits a published layer entry on disk the way the world outside the launcher would: a reboot (another boot id
 * in the index, no "verified" marker), or damage the metadata does not show (content changed while the ctime the
 * index holds still matches, as after a power cut or a write to the block device).
 */
public final class IndexEdits {
    private IndexEdits() {}

    /** As if the machine rebooted since the tree was published and nobody has used it since. */
    public static void publishedInAnotherBoot(Path entry) {
        TreeIndex index = read(entry);
        write(entry, new TreeIndex(UUID.randomUUID().toString(), index.metadataSum(), index.entries()));
        try {
            Files.deleteIfExists(CachePaths.verifiedIn(entry));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Flips one byte in the middle of {@code rel} without changing its size, then makes the index hold the file's
     * new ctime (and the metadata sum that goes with it): a change only reading the content can find.
     */
    public static void flipByteUnseenByMetadata(Path entry, String rel) {
        Path file = CachePaths.treeIn(entry).resolve(rel);
        flipByte(file);
        long ctime = ctimeNanos(file);
        TreeIndex index = read(entry);
        List<TreeEntry> entries = new ArrayList<>();
        for (TreeEntry e : index.entries()) {
            entries.add(e.path().equals(rel) ? new TreeEntry(e.path(), e.type(), e.mode(), e.size(), ctime, e.crc(), e.target()) : e);
        }
        write(entry, new TreeIndex(index.bootId(), MetadataSum.of(entries), entries));
    }

    /** Flips one byte in the middle of {@code file} without changing its size. */
    public static void flipByte(Path file) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long at = raf.length() / 2;
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 0xff);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What Kubernetes does to a volume for a pod's fsGroup at every mount ({@code fsGroupChangePolicy: Always}):
     * every entry but symlinks chowned to the group (here the group it already has, which moves the ctime just the
     * same) and chmodded to its mode plus {@code 0660}, directories plus {@code 0770} and setgid.
     */
    public static void reownLikeFsGroup(Path tree) {
        edit(tree, (file, mode, symlink) -> {
            if (!symlink) {
                Files.setAttribute(file, "unix:gid", Files.getAttribute(file, "unix:gid", NOFOLLOW_LINKS), NOFOLLOW_LINKS);
                Files.setAttribute(file, "unix:mode", mode | (Files.isDirectory(file, NOFOLLOW_LINKS) ? 02770 : 0660));
            }
        });
    }

    /** What {@code cp -a} or a restore does: every entry, symlinks too, gets a new ctime and nothing else changes. */
    public static void touchEveryCtime(Path tree) {
        edit(tree, (file, mode, symlink) ->
                Files.setAttribute(file, "unix:uid", Files.getAttribute(file, "unix:uid", NOFOLLOW_LINKS), NOFOLLOW_LINKS));
    }

    /** Sets the permission bits of {@code file} (setgid and friends included), following no link. */
    public static void chmod(Path file, int mode) {
        try {
            Files.setAttribute(file, "unix:mode", mode);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int mode(Path file) {
        try {
            return (Integer) Files.getAttribute(file, "unix:mode", NOFOLLOW_LINKS) & 07777;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FunctionalInterface
    private interface EntryEdit {
        void apply(Path file, int mode, boolean symlink) throws IOException;
    }

    /**
     * Applies {@code edit} to every entry of {@code tree}, after waiting long enough that the new ctimes differ from
     * the ones of publishing even on a file system whose clock advances once a jiffy; checks that they did.
     */
    private static void edit(Path tree, EntryEdit edit) {
        try {
            long before = ctimeNanos(tree);
            Thread.sleep(20);
            List<Path> all;
            try (var walk = Files.walk(tree)) {
                all = walk.toList();
            }
            for (Path file : all) {
                boolean symlink = Files.isSymbolicLink(file);
                edit.apply(file, (Integer) Files.getAttribute(file, "unix:mode", NOFOLLOW_LINKS) & 07777, symlink);
            }
            if (ctimeNanos(tree) == before) {
                throw new IllegalStateException("the ctime of " + tree + " did not move");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static String recordedBoot(Path entry) {
        return read(entry).bootId();
    }

    private static long ctimeNanos(Path file) {
        try {
            return ((FileTime) Files.getAttribute(file, "unix:ctime", NOFOLLOW_LINKS)).to(TimeUnit.NANOSECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static TreeIndex read(Path entry) {
        try {
            return TreeIndex.read(CachePaths.indexIn(entry));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path entry, TreeIndex index) {
        try {
            index.write(CachePaths.indexIn(entry));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
