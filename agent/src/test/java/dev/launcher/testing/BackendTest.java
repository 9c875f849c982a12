package dev.launcher.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class BackendTest {
    private static final Supplier<Optional<String>> CAN = Optional::empty;
    private static final Supplier<Optional<String>> NO_DOCKER = () -> Optional.of("no Docker API");
    private static final Supplier<Optional<String>> NO_BINARY = () -> Optional.of("no docker-registry");

    @Test
    void prefersAContainerAndFallsBackToTheBinary() {
        assertEquals(Backend.TESTCONTAINERS, Backend.choose(null, CAN, CAN));
        assertEquals(Backend.BINARY, Backend.choose("", NO_DOCKER, CAN));
    }

    @Test
    void forcedBackendIsUsedOrFailsWithItsReason() {
        assertEquals(Backend.BINARY, Backend.choose("binary", CAN, CAN));
        assertEquals(Backend.TESTCONTAINERS, Backend.choose("TESTCONTAINERS", CAN, NO_BINARY));
        var e = assertThrows(IllegalStateException.class, () -> Backend.choose("testcontainers", NO_DOCKER, CAN));
        assertTrue(e.getMessage().contains("no Docker API"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> Backend.choose("mock", CAN, CAN));
    }

    /** A skipped integration test in CI is a lie: no registry must be an error that says why. */
    @Test
    void neitherBackendIsAnErrorNamingBothReasons() {
        var e = assertThrows(IllegalStateException.class, () -> Backend.choose(null, NO_DOCKER, NO_BINARY));
        assertTrue(e.getMessage().contains("no Docker API") && e.getMessage().contains("no docker-registry"),
                e.getMessage());
    }
}
