package dev.launcher.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.error.UnsafeArchiveException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EntryNamesTest {
    @ParameterizedTest
    @CsvSource({
        "a/b/c, a/b/c",
        "./a/b, a/b",
        "/a/b, a/b",
        "//a//b//, a/b",
        "a/./b/., a/b",
        "./, ''",
        "., ''",
        "/, ''",
        "'', ''",
        ".wh..wh..opq, .wh..wh..opq",
        "a/..b/c.., a/..b/c..",
        "'a b/c', 'a b/c'",
    })
    void cleansNames(String raw, String clean) {
        assertEquals(clean, normalize(raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../a", "a/..", "a/../b", "/../a", "./..", "a/b/../../.."})
    void refusesEveryDotDot(String raw) {
        UnsafeArchiveException e = assertThrows(UnsafeArchiveException.class, () -> normalize(raw));
        assertTrue(e.getMessage().contains("'..'"), e.getMessage());
    }

    @Test
    void refusesNul() {
        assertThrows(UnsafeArchiveException.class, () -> normalize("a\0b"));
    }

    @Test
    void splitsParentAndFileName() {
        assertEquals("a/b", EntryNames.parentOf("a/b/c"));
        assertEquals("", EntryNames.parentOf("c"));
        assertEquals("c", EntryNames.fileNameOf("a/b/c"));
        assertEquals("c", EntryNames.fileNameOf("c"));
    }

    @Test
    void knowsWhatLiesBelow() {
        assertTrue(EntryNames.isAtOrBelow("a/b", "a"));
        assertTrue(EntryNames.isAtOrBelow("a", "a"));
        assertTrue(EntryNames.isAtOrBelow("a", ""));
        assertFalse(EntryNames.isAtOrBelow("ab", "a"));
        assertFalse(EntryNames.isAtOrBelow("a", "a/b"));
    }

    private static String normalize(String raw) {
        return EntryNames.normalize(raw, reason -> new UnsafeArchiveException("'" + raw + "' " + reason));
    }
}
