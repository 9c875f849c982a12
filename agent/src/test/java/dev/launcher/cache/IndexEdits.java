package dev.launcher.cache;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

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
