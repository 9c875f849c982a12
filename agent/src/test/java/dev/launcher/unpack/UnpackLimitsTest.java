package dev.launcher.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import org.junit.jupiter.api.Test;

class UnpackLimitsTest {
    @Test
    void defaultsAreGenerousButFinite() {
        UnpackLimits limits = UnpackLimits.defaults();
        assertEquals(8L << 30, limits.maxTotalBytes());
        assertEquals(1_000_000, limits.maxEntries());
        assertEquals(4L << 30, limits.maxEntryBytes());
    }

    @Test
    void nonPositiveLimitsAreAUsageError() {
        LauncherException e = assertThrows(LauncherException.class, () -> new UnpackLimits(0, 1, 1));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertThrows(LauncherException.class, () -> new UnpackLimits(1, -1, 1));
        assertThrows(LauncherException.class, () -> new UnpackLimits(1, 1, 0));
    }
}
