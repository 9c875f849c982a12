package dev.launcher.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigResolverTest {
    private static final String PINNED = "127.0.0.1:5000/app@sha256:" + "b".repeat(64);

    private static ConfigResolver.Flags none() {
        return new ConfigResolver.Flags(null, null, null, null, null, null, null, null, null, null, null, null);
    }

    @Test
    void readsEnvironmentWithDefaults() {
        var config = new ConfigResolver(Map.of("ARTIFACT", "127.0.0.1:5000/app:1", "RUNARGS", "node server.js",
                "LAUNCHER_INSECURE", "127.0.0.1:5000, other:443")).resolve(none(), ConfigResolver.Purpose.RUN);
        assertEquals("127.0.0.1:5000/app:1", config.artifact().toString());
        assertEquals(List.of("node", "server.js"), config.command());
        assertEquals(Path.of("/var/cache/launcher"), config.cacheRoot());
        assertEquals(Path.of("/app"), config.appDir());
        assertTrue(config.registries().isInsecure("127.0.0.1:5000"));
        assertTrue(config.registries().isInsecure("other:443"));
    }

    @Test
    void flagsWinOverEnvironment() {
        var flags = new ConfigResolver.Flags("127.0.0.1:5000/flag:2", "[\"true\"]", null, "/c", "/a", null, null, null, "exec", "3", "143=0", true);
        var config = new ConfigResolver(Map.of("ARTIFACT", "127.0.0.1:5000/env:1", "RUNARGS", "false",
                "LAUNCHER_CACHE", "/env-cache", "LAUNCHER_APP_DIR", "/env-app")).resolve(flags, ConfigResolver.Purpose.RUN);
        assertEquals("127.0.0.1:5000/flag:2", config.artifact().toString());
        assertEquals(List.of("true"), config.command());
        assertEquals(Path.of("/c"), config.cacheRoot());
        assertEquals(Path.of("/a"), config.appDir());
        assertEquals(LauncherMode.EXEC, config.mode());
        assertEquals(java.time.Duration.ofSeconds(3), config.supervision().grace());
        assertEquals(0, config.supervision().exitRemap().apply(143));
        assertTrue(config.supervision().signalGroup());
    }

    @Test
    void cacheRootFromEnvironment() {
        var config = new ConfigResolver(Map.of("ARTIFACT", PINNED, "RUNARGS", "true", "LAUNCHER_CACHE", "/env-cache"))
                .resolve(none(), ConfigResolver.Purpose.RUN);
        assertEquals(Path.of("/env-cache"), config.cacheRoot());
    }

    @Test
    void supervisionDefaultsAndEnvironment() {
        var defaults = new ConfigResolver(Map.of("ARTIFACT", PINNED, "RUNARGS", "true")).resolve(none(), ConfigResolver.Purpose.RUN);
        assertEquals(LauncherMode.RUN, defaults.mode());
        assertEquals(java.time.Duration.ofSeconds(25), defaults.supervision().grace());
        assertEquals(143, defaults.supervision().exitRemap().apply(143));
        var env = new ConfigResolver(Map.of("ARTIFACT", PINNED, "RUNARGS", "true", "LAUNCHER_MODE", "init",
                "LAUNCHER_GRACE", "2.5", "LAUNCHER_EXIT_REMAP", "143=0, 130=0", "LAUNCHER_SIGNAL_GROUP", "yes")).resolve(none(), ConfigResolver.Purpose.RUN);
        assertEquals(LauncherMode.INIT, env.mode());
        assertEquals(java.time.Duration.ofMillis(2500), env.supervision().grace());
        assertEquals(0, env.supervision().exitRemap().apply(130));
        assertTrue(env.supervision().signalGroup());
    }

    @Test
    void noArtifactMeansRunTheAssembledAppDirButPullNeedsOne() {
        var config = new ConfigResolver(Map.of("RUNARGS", "true")).resolve(none(), ConfigResolver.Purpose.RUN);
        assertTrue(config.artifactToPull().isEmpty());
        var e = assertThrows(LauncherException.class, () -> new ConfigResolver(Map.of()).resolve(none(), ConfigResolver.Purpose.PULL));
        assertEquals(ExitCode.USAGE, e.exitCode());
        var init = assertThrows(LauncherException.class,
                () -> new ConfigResolver(Map.of("LAUNCHER_MODE", "init")).resolve(none(), ConfigResolver.Purpose.RUN));
        assertEquals(ExitCode.USAGE, init.exitCode());
    }

    @Test
    void commandAfterDoubleDashWinsOverRunargs() {
        var flags = new ConfigResolver.Flags(PINNED, null, List.of("echo", "hi"), null, null, null, null, null, null, null, null, null);
        assertEquals(List.of("echo", "hi"), new ConfigResolver(Map.of("RUNARGS", "false")).resolve(flags, ConfigResolver.Purpose.RUN).command());
    }

    @Test
    void requireDigestRefusesTags() {
        var e = assertThrows(LauncherException.class, () -> new ConfigResolver(Map.of("ARTIFACT", "127.0.0.1:5000/app:1",
                "RUNARGS", "true", "LAUNCHER_REQUIRE_DIGEST", "true")).resolve(none(), ConfigResolver.Purpose.RUN));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("digest"), e.getMessage());
        new ConfigResolver(Map.of("ARTIFACT", PINNED, "RUNARGS", "true", "LAUNCHER_REQUIRE_DIGEST", "1")).resolve(none(), ConfigResolver.Purpose.RUN);
    }

    @Test
    void aCommandGivenTwiceOnTheCommandLineIsAConflict() {
        var flags = new ConfigResolver.Flags(PINNED, "node server.js", List.of("true"), null, null, null, null, null,
                null, null, null, null);
        var e = assertThrows(LauncherException.class, () -> new ConfigResolver(Map.of()).resolve(flags, ConfigResolver.Purpose.RUN));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("both --runargs and a command after --"), e.getMessage());
    }

    @Test
    void badConfigurationIsAUsageErrorBeforeAnyNetwork() {
        List<Map<String, String>> bad = List.of(
                Map.of("ARTIFACT", "Not A Ref", "RUNARGS", "true"),
                Map.of("ARTIFACT", PINNED),
                Map.of("ARTIFACT", PINNED, "RUNARGS", "[1]"),
                Map.of("ARTIFACT", PINNED, "RUNARGS", "true", "LAUNCHER_REQUIRE_DIGEST", "maybe"),
                Map.of("ARTIFACT", PINNED, "RUNARGS", "true", "LAUNCHER_INSECURE", "http://x:5000"),
                Map.of("ARTIFACT", PINNED, "RUNARGS", "true", "LAUNCHER_CA_FILE", "/nonexistent/ca.pem"),
                Map.of("ARTIFACT", PINNED, "RUNARGS", "true", "LAUNCHER_MODE", "daemon"),
                Map.of("ARTIFACT", PINNED, "RUNARGS", "true", "LAUNCHER_GRACE", "soon"),
                Map.of("ARTIFACT", PINNED, "RUNARGS", "true", "LAUNCHER_GRACE", "-1"),
                Map.of("ARTIFACT", PINNED, "RUNARGS", "true", "LAUNCHER_EXIT_REMAP", "143"),
                Map.of("ARTIFACT", PINNED, "RUNARGS", "true", "LAUNCHER_EXIT_REMAP", "143=0,143=1"),
                Map.of("ARTIFACT", PINNED, "RUNARGS", "true", "LAUNCHER_EXIT_REMAP", "300=0"));
        for (var env : bad) {
            var e = assertThrows(LauncherException.class, () -> new ConfigResolver(env).resolve(none(), ConfigResolver.Purpose.RUN), env.toString());
            assertEquals(ExitCode.USAGE, e.exitCode(), env.toString());
        }
    }
}
