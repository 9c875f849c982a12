package dev.launcher.unpack;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SymlinkTargetsTest {
    @ParameterizedTest
    @CsvSource({
        "l, x",
        "l, ./x",
        "l, .",
        "a/l, ..",
        "a/l, ../x",
        "a/b/l, ../../x",
        "a/b/l, ../c/../../x",
        "a/l, x/../..",
        "l, missing/deeper/file",
    })
    void staysInside(String link, String target) {
        assertTrue(SymlinkTargets.staysInside(link, target));
    }

    @ParameterizedTest
    @CsvSource({
        "l, /etc",
        "l, /",
        "a/l, /a/x",
        "l, ..",
        "l, ../x",
        "a/l, ../..",
        "a/b/l, ../../../a/x", // comes back in by name, but only after leaving
        "l, ''",
    })
    void leaves(String link, String target) {
        assertFalse(SymlinkTargets.staysInside(link, target));
    }

    @Test
    void followsOtherLinksOfTheTree() {
        Map<String, String> links = Map.of("sub/up", "..");
        assertTrue(SymlinkTargets.staysInside("sub/up", "..", links));
        assertFalse(SymlinkTargets.staysInside("esc", "sub/up/..", links));
        assertTrue(SymlinkTargets.staysInside("esc", "sub/up/sub", links));
    }

    @Test
    void followsChainsOfLinks() {
        Map<String, String> links = Map.of("a", "b/c", "b/c", "d", "b/d", "../..");
        assertFalse(SymlinkTargets.staysInside("x", "a", links));
        assertTrue(SymlinkTargets.staysInside("x", "b/c", Map.of("a", "b/c", "b/c", "d")));
    }

    @Test
    void absoluteTargetInsideAChainLeaves() {
        assertFalse(SymlinkTargets.staysInside("x", "a/file", Map.of("a", "/etc")));
    }

    @Test
    void loopsCannotBeFollowedSoTheyCannotLeave() {
        Map<String, String> links = Map.of("a", "b", "b", "a");
        assertTrue(SymlinkTargets.staysInside("x", "a/..", links));
    }
}
