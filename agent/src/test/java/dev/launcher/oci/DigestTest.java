package dev.launcher.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DigestTest {
    @Test
    void computesSha256OfContent() {
        // sha256("{}") is the well-known digest of the OCI empty descriptor.
        assertEquals("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
                Digest.sha256("{}".getBytes(StandardCharsets.UTF_8)).toString());
    }

    @Test
    void matchesOnlyTheRightContent() {
        Digest d = Digest.sha256("abc".getBytes(StandardCharsets.UTF_8));
        var hasher = d.newHasher();
        hasher.update("abc".getBytes(StandardCharsets.UTF_8));
        assertTrue(d.matches(hasher));
        var other = d.newHasher();
        other.update("abd".getBytes(StandardCharsets.UTF_8));
        assertFalse(d.matches(other));
    }

    @Test
    void rejectsUppercaseShortAndUnknownDigests() {
        for (String bad : new String[] {"sha256:" + "A".repeat(64), "sha256:abc", "md5:" + "a".repeat(32), "nocolon", ":x"}) {
            LauncherException e = assertThrows(LauncherException.class, () -> Digest.parse(bad), bad);
            assertEquals(ExitCode.INTEGRITY, e.exitCode());
        }
    }
}
