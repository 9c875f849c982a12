package dev.launcher.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReferenceTest {
    private static final String HEX = "a".repeat(64);

    @Test
    void parsesRegistryRepositoryAndTag() {
        Reference ref = Reference.parse("127.0.0.1:5000/team/app:1.0");
        assertEquals("127.0.0.1:5000", ref.registry());
        assertEquals("team/app", ref.repository());
        assertEquals("1.0", ref.tag());
        assertFalse(ref.isPinned());
        assertEquals("127.0.0.1:5000/team/app:1.0", ref.toString());
    }

    @Test
    void parsesDigestWithAndWithoutTag() {
        Reference pinned = Reference.parse("localhost:5000/app@sha256:" + HEX);
        assertTrue(pinned.isPinned());
        assertNull(pinned.tag());
        assertEquals("sha256:" + HEX, pinned.digest().toString());

        Reference both = Reference.parse("reg.example/app:2@sha256:" + HEX);
        assertEquals("2", both.tag());
        assertTrue(both.isPinned());
        assertEquals("reg.example/app:2@sha256:" + HEX, both.toString());
    }

    @Test
    void defaultsLikeDocker() {
        Reference ref = Reference.parse("node");
        assertEquals("docker.io", ref.registry());
        assertEquals("library/node", ref.repository());
        assertEquals("latest", ref.tag());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "reg:5000/App:1", "reg:5000/app:", "reg:5000/app@sha256:short", "reg:5000/app@md5:" + "a",
        "reg:5000//app", "reg:5000/app:bad tag", "reg:5000/"})
    void rejectsMalformedReferencesAsUsageErrors(String text) {
        LauncherException e = assertThrows(LauncherException.class, () -> Reference.parse(text));
        assertEquals(ExitCode.USAGE, e.exitCode());
    }
}
