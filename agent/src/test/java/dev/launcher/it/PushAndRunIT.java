package dev.launcher.it;

import static dev.launcher.it.LauncherProcess.launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main path: push a directory with `launcher push`, then run it by tag and by digest. */
class PushAndRunIT {
    static TestRegistry registry;
    @TempDir
    static Path shared;
    static String pinned;

    @BeforeAll
    static void pushApp() throws IOException {
        registry = TestRegistry.builder().start();
        Path app = Files.createDirectories(shared.resolve("src/myapp"));
        Files.writeString(app.resolve("run.sh"), "#!/bin/sh\necho \"ran in $(pwd) with $GREETING\"\ncat data/message.txt\nexit ${EXIT_WITH:-0}\n");
        Files.setPosixFilePermissions(app.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(app.resolve("data"));
        Files.writeString(app.resolve("data/message.txt"), "message from the artifact\n");
        Files.writeString(shared.resolve("src/extra.txt"), "a single file layer\n");

        var push = launcher("push", "--insecure", registry.hostPort(), registry.hostPort() + "/team/myapp:1.0",
                app.toString(), shared.resolve("src/extra.txt").toString()).run();
        assertEquals(0, push.exitCode(), push.toString());
        pinned = push.stdout().strip();
        assertTrue(pinned.matches(".*/team/myapp:1.0@sha256:[a-f0-9]{64}"), push.toString());
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    private LauncherProcess runner(Path cache, Path appDir, String artifact) {
        return launcher()
                .env("ARTIFACT", artifact)
                .env("RUNARGS", "./run.sh")
                .env("LAUNCHER_CACHE", cache.toString())
                .env("LAUNCHER_APP_DIR", appDir.toString())
                .env("LAUNCHER_INSECURE", registry.hostPort())
                .env("GREETING", "the container env");
    }

    @Test
    void runsByTagInTheAppDirWithTheContainersEnvironment(@TempDir Path tmp) {
        var result = runner(tmp.resolve("cache"), tmp.resolve("app"), registry.hostPort() + "/team/myapp:1.0").run();
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.stdout().contains("ran in " + tmp.resolve("app") + " with the container env"), result.toString());
        assertTrue(result.stdout().contains("message from the artifact"), result.toString());
        assertTrue(Files.exists(tmp.resolve("app/extra.txt")), "file layer lands under its title");
        // The tag is resolved to a digest, and the digest is logged.
        assertTrue(result.stderr().contains("resolved " + registry.hostPort() + "/team/myapp:1.0 to sha256:"), result.stderr());
        for (String stage : new String[] {"resolve", "pull", "verify", "assemble", "start"}) {
            assertTrue(result.stderr().contains("stage " + stage + " "), "timing line for " + stage + ":\n" + result.stderr());
        }
        assertFalse(result.stdout().contains("stage "), "logs stay off the app's stdout");
        assertTrue(result.stderr().lines().anyMatch(l -> l.matches("INFO fetched [0-9a-f]{12} [0-9.]+ (B|KiB|MiB) in [0-9.]+ s \\(.+/s\\)")),
                "one line per layer with size and rate:\n" + result.stderr());
    }

    @Test
    void runsByDigest(@TempDir Path tmp) {
        var result = runner(tmp.resolve("cache"), tmp.resolve("app"), pinned).run();
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.stdout().contains("message from the artifact"), result.toString());
    }

    @Test
    void passesTheChildsExitCodeThrough(@TempDir Path tmp) {
        var result = runner(tmp.resolve("cache"), tmp.resolve("app"), pinned).env("EXIT_WITH", "42").run();
        assertEquals(42, result.exitCode(), result.toString());
    }

    @Test
    void commandNotFoundIs127AndNotExecutableIs126(@TempDir Path tmp) {
        var missing = runner(tmp.resolve("cache"), tmp.resolve("app"), pinned).env("RUNARGS", "./no-such-command").run();
        assertEquals(127, missing.exitCode(), missing.toString());
        var notExecutable = runner(tmp.resolve("cache"), tmp.resolve("app"), pinned).env("RUNARGS", "./data/message.txt").run();
        assertEquals(126, notExecutable.exitCode(), notExecutable.toString());
        assertEquals(1, notExecutable.stderr().lines().filter(l -> l.startsWith("launcher: ")).count(), notExecutable.stderr());
    }

    @Test
    void pullAssemblesWithoutRunning(@TempDir Path tmp) {
        var result = launcher("pull", "--into", tmp.resolve("into").toString(), "--cache", tmp.resolve("cache").toString(),
                "--insecure", registry.hostPort(), "--artifact", pinned).run();
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(Files.isExecutable(tmp.resolve("into/run.sh")), "modes are kept");
        assertEquals("", result.stdout());
    }

    @Test
    void anAppWritingIntoItsDirNeverChangesTheCache(@TempDir Path tmp) throws IOException {
        Path cache = tmp.resolve("cache");
        var writer = runner(cache, tmp.resolve("app1"), pinned)
                .env("RUNARGS", "[\"sh\",\"-c\",\"echo changed > data/message.txt; rm run.sh\"]").run();
        assertEquals(0, writer.exitCode(), writer.toString());
        assertEquals("changed\n", Files.readString(tmp.resolve("app1/data/message.txt")));

        var reader = runner(cache, tmp.resolve("app2"), pinned).run();
        assertEquals(0, reader.exitCode(), reader.toString());
        assertTrue(reader.stdout().contains("message from the artifact"), reader.toString());
    }

    @Test
    void unknownTagIs66(@TempDir Path tmp) {
        var result = runner(tmp.resolve("cache"), tmp.resolve("app"), registry.hostPort() + "/team/myapp:nope").run();
        assertEquals(66, result.exitCode(), result.toString());
        assertTrue(result.stderr().lines().anyMatch(l -> l.startsWith("launcher: ") && l.contains("myapp:nope")), result.stderr());
    }

    @Test
    void badConfigurationIs64(@TempDir Path tmp) {
        var result = runner(tmp.resolve("cache"), tmp.resolve("app"), "Not//A Ref").run();
        assertEquals(64, result.exitCode(), result.toString());
        assertEquals(1, result.stderr().lines().count(), result.stderr());
    }
}
