package dev.launcher.fs;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;

/**
 * Copies of sparse files that stay sparse. The JDK's {@code Files.copy} writes a hole as zeros: a 2 KB layer holding a
 * 512 MiB sparse file would cost 512 MiB in every app dir.
 */
public final class SparseFiles {
    /** A file this small occupies one block at most, hole or not: copying it whole costs nothing more. */
    private static final long ONE_BLOCK = 4096;
    /** Holes are found at the granularity file systems allocate in. */
    private static final int BLOCK = 4096;
    private static final int BUFFER = 64 * 1024;

    private SparseFiles() {}

    /** Whether the regular file {@code file}, {@code size} bytes long, occupies less space than its length. */
    public static boolean hasHoles(Path file, long size) throws IOException {
        return size > ONE_BLOCK && NativeFiles.allocatedBytes(file) < size;
    }

    /**
     * Copies the regular file {@code source} to the new file {@code target} with its permissions and times, leaving
     * every block of zeros a hole; not following a symlink at either.
     */
    public static void copy(Path source, Path target, PosixFileAttributes attributes) throws IOException {
        try (FileChannel in = FileChannel.open(source, READ, NOFOLLOW_LINKS);
                FileChannel out = FileChannel.open(target, CREATE_NEW, WRITE, NOFOLLOW_LINKS)) {
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
            byte[] bytes = buffer.array();
            long position = 0;
            int n;
            while ((n = in.read(buffer.clear(), position)) > 0) {
                for (int block = 0; block < n; block += BLOCK) {
                    int end = Math.min(n, block + BLOCK);
                    if (!isZero(bytes, block, end)) {
                        int from = block;
                        while (end < n && !isZero(bytes, end, Math.min(n, end + BLOCK))) {
                            end = Math.min(n, end + BLOCK); // a run of data blocks in one write
                        }
                        ByteBuffer run = ByteBuffer.wrap(bytes, from, end - from);
                        long at = position + from;
                        while (run.hasRemaining()) {
                            at += out.write(run, at);
                        }
                        block = end - BLOCK;
                    }
                }
                position += n;
            }
        }
        if (Files.size(target) < attributes.size()) {
            NativeFiles.truncate(target, attributes.size()); // a trailing hole
        }
        Files.getFileAttributeView(target, BasicFileAttributeView.class, NOFOLLOW_LINKS)
                .setTimes(attributes.lastModifiedTime(), attributes.lastAccessTime(), null);
        Files.setPosixFilePermissions(target, attributes.permissions());
    }

    private static boolean isZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
