package dev.launcher.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

class PosixModesTest {
    @Test
    void roundTripsAllNineBits() {
        for (int mode = 0; mode < 512; mode++) {
            assertEquals(mode, PosixModes.mode(PosixModes.permissions(mode)));
        }
    }

    @Test
    void matchesTheJdkNotation() {
        assertEquals(PosixFilePermissions.fromString("rwxr-x---"), PosixModes.permissions(0750));
    }

    @Test
    void dropsSetuidSetgidStickyAndTypeBits() {
        assertEquals(PosixModes.permissions(0755), PosixModes.permissions(0107755));
    }
}
