package dev.launcher.unpack;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

/**
 * How a layer blob is compressed, decided from its first bytes. Registries and push tools get
 * media types wrong often enough (gzip layers labelled as plain tar and the reverse) that the
 * media type is not trusted for this.
 */
public enum Compression {
    GZIP,
    ZSTD,
    NONE;

    private static final int MAGIC_LENGTH = 4;

    /** Peeks at the magic bytes and leaves the stream where it was. */
    public static Compression detect(BufferedInputStream in) throws IOException {
        in.mark(MAGIC_LENGTH);
        byte[] head = in.readNBytes(MAGIC_LENGTH);
        in.reset();
        return detect(head);
    }

    static Compression detect(byte[] head) {
        if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return GZIP;
        }
        if (head.length >= 4
                && (head[0] & 0xff) == 0x28
                && (head[1] & 0xff) == 0xb5
                && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return ZSTD;
        }
        return NONE;
    }

    /** The uncompressed bytes of {@code in}; closing the result closes {@code in}. */
    public InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            // Concatenated members are valid gzip and some tools (pigz, parallel pushers) emit them.
            case GZIP -> GzipCompressorInputStream.builder()
                    .setInputStream(in)
                    .setDecompressConcatenated(true)
                    .get();
            case ZSTD -> new ZstdCompressorInputStream(in);
            case NONE -> in;
        };
    }
}
