package dev.launcher.unpack;

import dev.launcher.error.LauncherException;

/**
 * Bounds on what one layer may expand to. They exist so that a hostile or broken layer (a
 * decompression bomb, millions of empty entries) stops at the bound instead of filling the
 * cache volume shared by every container on the host.
 *
 * @param maxTotalBytes uncompressed content bytes of all entries of one layer together
 * @param maxEntries    entries of one layer, counting every header (directories, links, skipped ones)
 * @param maxEntryBytes uncompressed content bytes of a single entry, or the length of a sparse file, holes counted
 * @param maxHoleBytes  bytes of holes in the sparse files of one layer together: they take no space, but every later
 *                      reader of the files (the cache's checksums, each app dir's copy) reads them as zeros
 */
public record UnpackLimits(long maxTotalBytes, long maxEntries, long maxEntryBytes, long maxHoleBytes) {
    private static final long GIB = 1L << 30;
    private static final long DEFAULT_HOLES = 16 * GIB;

    public UnpackLimits {
        requirePositive("maxTotalBytes", maxTotalBytes);
        requirePositive("maxEntries", maxEntries);
        requirePositive("maxEntryBytes", maxEntryBytes);
        requirePositive("maxHoleBytes", maxHoleBytes);
    }

    /** These bounds, and the default bound on holes. */
    public UnpackLimits(long maxTotalBytes, long maxEntries, long maxEntryBytes) {
        this(maxTotalBytes, maxEntries, maxEntryBytes, DEFAULT_HOLES);
    }

    /**
     * 8 GiB per layer, a million entries, 4 GiB per file, 16 GiB of holes: far above real apps, far below a full disk
     * or hours of reading zeros.
     */
    public static UnpackLimits defaults() {
        return new UnpackLimits(8 * GIB, 1_000_000, 4 * GIB, DEFAULT_HOLES);
    }

    private static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw LauncherException.usage("unpack limit " + name + " must be positive, got " + value);
        }
    }
}
