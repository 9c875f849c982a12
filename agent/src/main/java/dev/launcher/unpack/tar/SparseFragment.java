package dev.launcher.unpack.tar;

/** A run of content of a sparse file: {@code length} bytes at {@code offset}; what lies between runs is a hole. */
public record SparseFragment(long offset, long length) {}
