package dev.launcher.unpack;

/**
 * What one layer expanded to.
 *
 * @param entries entries read from the layer, including skipped ones
 * @param bytes   uncompressed content bytes of those entries
 */
public record UnpackStats(long entries, long bytes) {}
