package dev.launcher.unpack;

import dev.launcher.error.LauncherException;

/**
 * Bounds on what one layer may expand to. They exist so that a hostile or broken layer (a
 * decompression bomb, millions of empty entries) stops at the bound instead of filling the
 * cache volume shared by every container on the host.
 *
 * @param maxTotalBytes uncompressed content bytes of all entries of one layer together
 * @param maxEntries    entries of one layer, counting every header (directories, links, skipped ones)
 * @param maxEntryBytes uncompressed content bytes of a single entry
 */
public record UnpackLimits(long maxTotalBytes, long maxEntries, long maxEntryBytes) {
    private static final long GIB = 1L << 30;

    public UnpackLimits {
        requirePositive("maxTotalBytes", maxTotalBytes);
        requirePositive("maxEntries", maxEntries);
        requirePositive("maxEntryBytes", maxEntryBytes);
    }

    /** 8 GiB per layer, a million entries, 4 GiB per file: far above real apps, far below a full disk. */
    public static UnpackLimits defaults() {
        return new UnpackLimits(8 * GIB, 1_000_000, 4 * GIB);
    }

    private static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw LauncherException.usage("unpack limit " + name + " must be positive, got " + value);
        }
    }
}
