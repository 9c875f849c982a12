package dev.launcher.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import org.junit.jupiter.api.Test;

class ExitRemapTest {
    @Test
    void mapsListedCodesAndPassesOthersThrough() {
        ExitRemap remap = ExitRemap.parse(" 143=0, 130=0 ,1=2");
        assertEquals(0, remap.apply(143));
        assertEquals(0, remap.apply(130));
        assertEquals(2, remap.apply(1));
        assertEquals(137, remap.apply(137));
        assertEquals(42, ExitRemap.parse("").apply(42));
        assertEquals(42, ExitRemap.parse(null).apply(42));
    }

    @Test
    void rejectsMalformedMaps() {
        for (String bad : new String[] {"143", "143=", "=0", "a=b", "256=0", "0=-1", "1=2,1=3"}) {
            var e = assertThrows(LauncherException.class, () -> ExitRemap.parse(bad), bad);
            assertEquals(ExitCode.USAGE, e.exitCode(), bad);
        }
    }
}
