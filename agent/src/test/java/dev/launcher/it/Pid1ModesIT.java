package dev.launcher.it;

import static dev.launcher.it.Pid1Launcher.launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.assemble.AppAssembler;
import dev.launcher.testing.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LAUNCHER_MODE as PID 1: run a finished app dir without a pull, init (pull and assemble, then exit), exec (become the command). */
class Pid1ModesIT {
    private static final Duration RUN = Duration.ofSeconds(60);

    @Test
    void finishedAppDirRunsWithoutArtifactOrRegistry(@TempDir Path tmp) throws Exception {
        Path appDir = Pid1Launcher.preparedApp(tmp.resolve("app"));
        Pid1Launcher.Result result = launcher().appDir(appDir).cache(tmp.resolve("cache"))
                .runArgs("sh", "-c", "echo \"cwd=$(pwd -P)\"; ./exit-with.sh 7").run(tmp.resolve("run"), RUN);

        assertEquals(7, result.exitCode(), "no ARTIFACT, an app dir with a finished assembly: the command runs there: " + result);
        assertTrue(result.stdout().contains("cwd=" + appDir.toRealPath()), "the command ran in the app dir: " + result);
    }

    @Test
    void theAppRunsInItsDirWhileTheLauncherHoldsNoDirectoryButTheRoot(@TempDir Path tmp) throws Exception {
        // dumb-init's cwd test: the child runs where it is told, the init itself moves to /.
        Path appDir = Pid1Launcher.preparedApp(tmp.resolve("app"));
        try (var run = launcher().appDir(appDir).cache(tmp.resolve("cache"))
                .runArgs("sh", "-c", "pwd; echo ready; sleep 30").start(tmp.resolve("run"))) {
            run.awaitStdout("ready", Duration.ofSeconds(20));
            assertEquals(appDir.toRealPath() + "\nready", run.stdout().strip(), run.describe());
            Pid1Launcher.await("the launcher to leave its starting directory", Duration.ofSeconds(5), () -> {
                try {
                    return run.launcherCwd().toString().equals("/");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
        }
    }

    @Test
    void initModePullsAssemblesAndExitsPromptly(@TempDir Path tmp) throws Exception {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            Path source = Apps.smallApp(tmp.resolve("src"), "init app");
            Files.writeString(source.resolve("data.txt"), "assembled by an init container\n");
            String pinned = Pid1Launcher.push(registry, "pid1/init:1", null, source);
            Path appDir = tmp.resolve("app");
            Path marker = tmp.resolve("ran");

            try (var run = launcher().appDir(appDir).cache(tmp.resolve("cache"))
                    .env("LAUNCHER_MODE", "init").env("ARTIFACT", registry.reference("pid1/init:1"))
                    .env("LAUNCHER_INSECURE", registry.hostPort())
                    // an init container often shares the main container's settings, command included
                    .env("MARKER", marker.toString()).runArgs("./run.sh").start(tmp.resolve("run"))) {
                int code = run.awaitExit(RUN);
                Instant exited = Instant.now();
                assertEquals(0, code, "init mode: " + run.describe());
                // The assembly's last write is its marker; the launcher should be gone right after it.
                Instant assembled = Files.getLastModifiedTime(appDir.resolve(".launcher-artifact")).toInstant();
                Duration lingered = Duration.between(assembled, exited);
                assertTrue(lingered.toMillis() <= 3000, "the launcher exited within 3 s of finishing the app dir (no lingering"
                        + " non-daemon threads), not " + lingered.toMillis() + " ms: " + run.describe());
                assertFalse(Files.exists(marker), "init mode does not run the command: " + run.describe());
            }
            assertEquals(-1L, Files.mismatch(source.resolve("run.sh"), appDir.resolve("run.sh")), "run.sh is in the app dir");
            assertEquals(-1L, Files.mismatch(source.resolve("data.txt"), appDir.resolve("data.txt")), "data.txt is in the app dir");
            Optional<String> assembly = AppAssembler.assembledContent(appDir);
            assertTrue(assembly.isPresent() && assembly.get().contains(Apps.digestOf(pinned).toString()),
                    "the app dir carries the marker of a finished assembly of the pushed digest: " + assembly);
        }
    }

    @Test
    void execModeReplacesTheLauncherWithTheCommand(@TempDir Path tmp) throws Exception {
        Path pidFile = tmp.resolve("pid");
        try (var run = launcher().appDir(Pid1Launcher.preparedApp(tmp.resolve("app"))).cache(tmp.resolve("cache"))
                .env("LAUNCHER_MODE", "exec").env("PID_FILE", pidFile.toString())
                .runArgs("sh", "-c", "echo $$ > \"$PID_FILE\"; exec sleep 30").start(tmp.resolve("run"))) {
            Pid1Launcher.await("the command to write its pid", RUN, () -> !Pid1Launcher.lines(pidFile).isEmpty() || !run.isAlive());
            assertEquals(List.of("1"), Pid1Launcher.lines(pidFile), "the command is PID 1 of the namespace: the launcher's pid: " + run.describe());

            long pid = run.launcherPid();
            Pid1Launcher.await("the launcher's pid to run sleep", Duration.ofSeconds(10),
                    () -> comm(pid).equals("sleep") || !run.isAlive());
            assertTrue(run.isAlive(), run.describe());
            assertFalse(run.exe().getFileName().toString().equals("java"), "no JVM is left in the launcher's process: " + run.exe());
            assertEquals("1", run.status("Threads"), "one thread, sleep's, where the JVM had many");
            assertEquals(List.of(pid), run.namespaceProcesses().stream().map(Pid1Launcher.NsProcess::pid).toList(),
                    "the command is the only process in the namespace (the launcher did not fork it)");
        }
    }

    private static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip();
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
