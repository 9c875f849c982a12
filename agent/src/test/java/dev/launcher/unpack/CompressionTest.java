package dev.launcher.unpack;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class CompressionTest {
    private static final byte[] TAR = new TarBuilder().file("f", "content").tar();

    @Test
    void detectsGzipFromMagicBytes() throws IOException {
        assertEquals(Compression.GZIP, detect(new TarBuilder().file("f", "x").gzip()));
    }

    @Test
    void detectsZstdFromMagicBytes() throws IOException {
        assertEquals(Compression.ZSTD, detect(new TarBuilder().file("f", "x").zstd()));
    }

    @Test
    void anythingElseIsPlain() throws IOException {
        assertEquals(Compression.NONE, detect(TAR));
        assertEquals(Compression.NONE, detect(new byte[0]));
        assertEquals(Compression.NONE, detect(new byte[] {0x1f})); // too short to be gzip
        assertEquals(Compression.NONE, detect(new byte[] {0x28, (byte) 0xb5, 0x2f})); // truncated zstd magic
    }

    @Test
    void detectionDoesNotConsumeTheStream() throws IOException {
        byte[] gzip = TarBuilder.gzip(TAR);
        BufferedInputStream in = new BufferedInputStream(new ByteArrayInputStream(gzip));
        Compression.detect(in);
        assertArrayEquals(gzip, in.readAllBytes());
    }

    @Test
    void decompressYieldsTheOriginalBytes() throws IOException {
        for (byte[] layer : new byte[][] {TAR, TarBuilder.gzip(TAR), new TarBuilder().file("f", "content").zstd()}) {
            BufferedInputStream in = new BufferedInputStream(new ByteArrayInputStream(layer));
            try (InputStream plain = Compression.detect(in).decompress(in)) {
                assertArrayEquals(TAR, plain.readAllBytes());
            }
        }
    }

    @Test
    void concatenatedGzipMembersAreOneStream() throws IOException {
        byte[] first = TarBuilder.gzip("hello ".getBytes(UTF_8));
        byte[] second = TarBuilder.gzip("world".getBytes(UTF_8));
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        try (InputStream plain = Compression.GZIP.decompress(new ByteArrayInputStream(both))) {
            assertEquals("hello world", new String(plain.readAllBytes(), UTF_8));
        }
    }

    private static Compression detect(byte[] bytes) throws IOException {
        return Compression.detect(new BufferedInputStream(new ByteArrayInputStream(bytes)));
    }
}
