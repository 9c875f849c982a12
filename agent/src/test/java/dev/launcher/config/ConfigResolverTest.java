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
        return new ConfigResolver.Flags(null, null, null, null, null, null, null, null);
    }

    @Test
    void readsEnvironmentWithDefaults() {
        var config = new ConfigResolver(Map.of("ARTIFACT", "127.0.0.1:5000/app:1", "RUNARGS", "node server.js",
                "LAUNCHER_INSECURE", "127.0.0.1:5000, other:443")).resolve(none(), true);
        assertEquals("127.0.0.1:5000/app:1", config.artifact().toString());
        assertEquals(List.of("node", "server.js"), config.command());
        assertEquals(Path.of("/var/cache/launcher"), config.cacheRoot());
        assertEquals(Path.of("/app"), config.appDir());
        assertTrue(config.registries().isInsecure("127.0.0.1:5000"));
        assertTrue(config.registries().isInsecure("other:443"));
    }

    @Test
    void flagsWinOverEnvironment() {
        var flags = new ConfigResolver.Flags("127.0.0.1:5000/flag:2", "[\"true\"]", null, "/c", "/a", null, null, null);
        var config = new ConfigResolver(Map.of("ARTIFACT", "127.0.0.1:5000/env:1", "RUNARGS", "false",
                "LAUNCHER_CACHE", "/env-cache", "LAUNCHER_APP_DIR", "/env-app")).resolve(flags, true);
        assertEquals("127.0.0.1:5000/flag:2", config.artifact().toString());
        assertEquals(List.of("true"), config.command());
        assertEquals(Path.of("/c"), config.cacheRoot());
        assertEquals(Path.of("/a"), config.appDir());
    }

    @Test
    void commandAfterDoubleDashWinsOverRunargs() {
        var flags = new ConfigResolver.Flags(PINNED, null, List.of("echo", "hi"), null, null, null, null, null);
        assertEquals(List.of("echo", "hi"), new ConfigResolver(Map.of("RUNARGS", "false")).resolve(flags, true).command());
    }

    @Test
    void requireDigestRefusesTags() {
        var e = assertThrows(LauncherException.class, () -> new ConfigResolver(Map.of("ARTIFACT", "127.0.0.1:5000/app:1",
                "RUNARGS", "true", "LAUNCHER_REQUIRE_DIGEST", "true")).resolve(none(), true));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("digest"), e.getMessage());
        new ConfigResolver(Map.of("ARTIFACT", PINNED, "RUNARGS", "true", "LAUNCHER_REQUIRE_DIGEST", "1")).resolve(none(), true);
    }

    @Test
    void badConfigurationIsAUsageErrorBeforeAnyNetwork() {
        List<Map<String, String>> bad = List.of(
                Map.of("RUNARGS", "true"),
                Map.of("ARTIFACT", "Not A Ref", "RUNARGS", "true"),
                Map.of("ARTIFACT", PINNED),
                Map.of("ARTIFACT", PINNED, "RUNARGS", "[1]"),
                Map.of("ARTIFACT", PINNED, "RUNARGS", "true", "LAUNCHER_REQUIRE_DIGEST", "maybe"),
                Map.of("ARTIFACT", PINNED, "RUNARGS", "true", "LAUNCHER_INSECURE", "http://x:5000"),
                Map.of("ARTIFACT", PINNED, "RUNARGS", "true", "LAUNCHER_CA_FILE", "/nonexistent/ca.pem"));
        for (var env : bad) {
            var e = assertThrows(LauncherException.class, () -> new ConfigResolver(env).resolve(none(), true), env.toString());
            assertEquals(ExitCode.USAGE, e.exitCode(), env.toString());
        }
    }
}
