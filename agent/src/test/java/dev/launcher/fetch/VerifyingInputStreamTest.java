package dev.launcher.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.oci.Descriptor;
import dev.launcher.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerifyingInputStreamTest {
    private static final byte[] CONTENT = "hello, verified world".getBytes(StandardCharsets.UTF_8);
    private static final Descriptor DESCRIPTOR = new Descriptor("x", Digest.sha256(CONTENT), CONTENT.length, Map.of());

    @Test
    void passesMatchingContentThrough() throws IOException {
        var in = new VerifyingInputStream(new ByteArrayInputStream(CONTENT), DESCRIPTOR, "test");
        assertArrayEquals(CONTENT, in.readAllBytes());
        assertTrue(in.isVerified());
        assertEquals(CONTENT.length, in.bytesRead());
    }

    @Test
    void failsOnAlteredContent() {
        byte[] altered = CONTENT.clone();
        altered[0] ^= 1;
        assertIntegrityFailure(altered, "does not match its digest");
    }

    @Test
    void failsOnShortContent() {
        assertIntegrityFailure(java.util.Arrays.copyOf(CONTENT, CONTENT.length - 1), "ended after");
    }

    @Test
    void failsAsSoonAsContentIsLonger() {
        byte[] longer = java.util.Arrays.copyOf(CONTENT, CONTENT.length + 1);
        assertIntegrityFailure(longer, "longer than");
    }

    @Test
    void verifyToEndChecksWhatTheConsumerDidNotRead() {
        byte[] altered = CONTENT.clone();
        altered[altered.length - 1] ^= 1;
        var in = new VerifyingInputStream(new ByteArrayInputStream(altered), DESCRIPTOR, "test");
        var e = assertThrows(LauncherException.class, () -> {
            in.read(new byte[4], 0, 4);
            in.verifyToEnd();
        });
        assertEquals(ExitCode.INTEGRITY, e.exitCode());
    }

    private static void assertIntegrityFailure(byte[] served, String expectedMessage) {
        var in = new VerifyingInputStream(new ByteArrayInputStream(served), DESCRIPTOR, "test");
        var e = assertThrows(LauncherException.class, in::readAllBytes);
        assertEquals(ExitCode.INTEGRITY, e.exitCode());
        assertTrue(e.getMessage().contains(expectedMessage), e.getMessage());
    }
}
