package dev.launcher.it;

import static dev.launcher.it.Pid1Launcher.launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher as PID 1 exits with its child's exit code, 128+N for a child killed by signal N, and remaps on request. */
class Pid1ExitCodesIT {
    private static final Duration RUN = Duration.ofSeconds(60);
    /**
     * Launchers at once: one per core. A launcher start is CPU-bound JVM start-up (about 0.5 s of CPU), so more at once
     * only adds contention: on 2 cores, 64 starts took 20 s two at a time and 47 s eight at a time (one run).
     */
    private static final int CONCURRENCY = Math.max(2, Runtime.getRuntime().availableProcessors());

    @Test
    void everyExitCodePassesThrough(@TempDir Path tmp) throws Exception {
        // One first, alone: if that fails the other 255 would only fail the same way, minutes later.
        Pid1Launcher.Result canary = exitWith(tmp, 42);
        assertEquals(42, canary.exitCode(), "exit code 42: " + canary);

        Map<Integer, String> wrong = new TreeMap<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY)) {
            Map<Integer, Future<Pid1Launcher.Result>> runs = new TreeMap<>();
            for (int code = 0; code <= 255; code++) {
                int exitCode = code;
                if (code != canary.exitCode()) {
                    runs.put(code, pool.submit(() -> exitWith(tmp, exitCode)));
                }
            }
            for (var run : runs.entrySet()) {
                Pid1Launcher.Result result = Pid1Launcher.join(run.getValue());
                if (result.exitCode() != run.getKey()) {
                    wrong.put(run.getKey(), result.toString());
                }
            }
        }
        assertTrue(wrong.isEmpty(), () -> wrong.size() + " of 256 exit codes did not pass through " + wrong.keySet()
                + "; the first: " + wrong.values().iterator().next());
    }

    private static Pid1Launcher.Result exitWith(Path tmp, int code) {
        Path dir = tmp.resolve("exit-" + code);
        return launcher().appDir(Pid1Launcher.preparedApp(dir.resolve("app"))).cache(dir.resolve("cache"))
                .runArgs("./exit-with.sh", Integer.toString(code)).run(dir.resolve("run"), RUN);
    }

    @Test
    void childKilledBySignalGives128PlusItsNumber(@TempDir Path tmp) throws Exception {
        Map<String, Integer> expected = Map.of("TERM", 143, "KILL", 137, "SEGV", 139);
        try (ExecutorService pool = Executors.newFixedThreadPool(expected.size())) {
            Map<String, Future<Pid1Launcher.Result>> runs = new TreeMap<>();
            for (String signal : expected.keySet()) {
                Path dir = tmp.resolve(signal);
                runs.put(signal, pool.submit(() -> launcher().appDir(Pid1Launcher.preparedApp(dir.resolve("app"))).cache(dir.resolve("cache"))
                        .runArgs("./die-by.sh", signal).run(dir.resolve("run"), RUN)));
            }
            for (var run : runs.entrySet()) {
                Pid1Launcher.Result result = Pid1Launcher.join(run.getValue());
                assertEquals(expected.get(run.getKey()), result.exitCode(), "child killed by SIG" + run.getKey() + ": " + result);
            }
        }
    }

    @Test
    void exitRemapTurnsDeathByTermIntoZeroAndLeavesOtherCodes(@TempDir Path tmp) {
        Pid1Launcher.Result term = launcher().appDir(Pid1Launcher.preparedApp(tmp.resolve("app"))).cache(tmp.resolve("cache"))
                .env("LAUNCHER_EXIT_REMAP", "143=0").runArgs("./die-by.sh", "TERM").run(tmp.resolve("term"), RUN);
        assertEquals(0, term.exitCode(), "LAUNCHER_EXIT_REMAP=143=0 and a child dead of SIGTERM: " + term);

        Pid1Launcher.Result other = launcher().appDir(Pid1Launcher.preparedApp(tmp.resolve("app2"))).cache(tmp.resolve("cache"))
                .env("LAUNCHER_EXIT_REMAP", "143=0").runArgs("./exit-with.sh", "3").run(tmp.resolve("other"), RUN);
        assertEquals(3, other.exitCode(), "LAUNCHER_EXIT_REMAP=143=0 leaves exit code 3 alone: " + other);
    }
}
