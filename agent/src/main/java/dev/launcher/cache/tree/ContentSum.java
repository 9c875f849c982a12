package dev.launcher.cache.tree;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardOpenOption.READ;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * CRC32C of a file's content: the JDK computes it with the CPU's crc32 instruction, so reading a tree back costs
 * about what copying it from the page cache costs. It guards against accidents (a power cut leaving zeros, a
 * stray write), not against someone who can write the cache: they could rewrite the index too.
 */
final class ContentSum {
    private static final int BUFFER = 256 * 1024;
    /** Direct, so the read lands where the intrinsic reads it without another copy. */
    private static final ThreadLocal<ByteBuffer> BUFFERS = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(BUFFER));

    private ContentSum() {}

    /** Never follows a symlink: the entry checked is the one the index describes. */
    static int of(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = BUFFERS.get();
        try (FileChannel channel = FileChannel.open(file, READ, NOFOLLOW_LINKS)) {
            buffer.clear();
            while (channel.read(buffer) > 0) {
                buffer.flip();
                crc.update(buffer);
                buffer.clear();
            }
        }
        return (int) crc.getValue();
    }
}
