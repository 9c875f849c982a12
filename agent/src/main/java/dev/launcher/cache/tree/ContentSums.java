package dev.launcher.cache.tree;

import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * CRC32C of files as they were written, by relative path, so that indexing a fresh tree need not read it back.
 * Whoever writes the tree keeps one rule: a recorded sum is that of the content last created under that name, so
 * any other creation at the name (a replacement, a hard link, a whiteout marker) first {@link #forget}s it. A
 * file without a sum is read back when the tree is indexed, which is always correct, only slower.
 *
 * <p>Thread-safe: the unpacker's writer threads record as they finish files.
 */
public final class ContentSums {
    private final ConcurrentHashMap<String, Integer> sums = new ConcurrentHashMap<>();

    public void record(String path, int crc32c) {
        sums.put(path, crc32c);
    }

    public void forget(String path) {
        sums.remove(path);
    }

    /** {@code link} is another name of {@code target}'s content: it has its sum, if that is known. */
    public void link(String link, String target) {
        Integer crc = sums.get(target);
        if (crc == null) {
            sums.remove(link);
        } else {
            sums.put(link, crc);
        }
    }

    /** Null if unknown. */
    Integer get(String path) {
        return sums.get(path);
    }

    private static final byte[] ZEROS = new byte[64 * 1024];

    /** Adds {@code count} zero bytes to {@code crc}: the holes of a sparse file read as zeros. */
    public static void updateZeros(CRC32C crc, long count) {
        for (long left = count; left > 0; left -= ZEROS.length) {
            crc.update(ZEROS, 0, (int) Math.min(ZEROS.length, left));
        }
    }

    public static int of(byte[] data) {
        CRC32C crc = new CRC32C();
        crc.update(data);
        return (int) crc.getValue();
    }
}
