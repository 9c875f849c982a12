package dev.launcher.it;

import static dev.launcher.it.Pid1Launcher.launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signals sent to the launcher as PID 1 reach its child, once each (every one a program can catch but the four the JVM
 * keeps, QUIT and the real-time ones included, as dumb-init's signal tests send them); a child that ignores TERM is
 * killed after the grace.
 */
class Pid1SignalsIT {
    private static final Duration START = Duration.ofSeconds(20);

    @Test
    void eachForwardableSignalReachesTheChildExactlyOnce(@TempDir Path tmp) throws Exception {
        Path received = tmp.resolve("received");
        Path stop = tmp.resolve("stop");
        try (var run = startSignalsApp(tmp, received, stop)) {
            Thread.sleep(100);

            List<String> sent = new ArrayList<>();
            // TERM and INT last: after them the launcher may start counting down its grace.
            List<String> order = new ArrayList<>(Pid1Launcher.FORWARDED);
            order.removeAll(List.of("INT", "TERM"));
            order.addAll(List.of("INT", "TERM"));
            for (String signal : order) {
                run.signal(signal);
                sent.add(signal);
                int expected = sent.size();
                try {
                    Pid1Launcher.await("SIG" + signal + " to reach the child", Duration.ofSeconds(5),
                            () -> Pid1Launcher.lines(received).size() >= expected || !run.isAlive());
                } catch (AssertionError lost) {
                    throw new AssertionError("SIG" + signal + " sent to the launcher (PID 1) never reached the child;"
                            + " it received " + Pid1Launcher.lines(received) + "; " + run.describe(), lost);
                }
                assertTrue(run.isAlive(), "the launcher ended on SIG" + signal + " instead of forwarding it: " + run.describe());
            }
            Thread.sleep(300); // a duplicate forward would show up by now
            assertEquals(sent, Pid1Launcher.lines(received), "each signal sent once, received once, in order: " + run.describe());
            assertEquals("ready", run.stdout().strip(), "only the app wrote to stdout (no thread dump on QUIT): " + run.describe());

            Files.createFile(stop);
            assertEquals(0, run.awaitExit(Duration.ofSeconds(10)), "the child's exit code after all those signals: " + run.describe());
        }
    }

    /** The launcher running signals.sh, which notes each signal in {@code received} and ends once {@code stop} exists. */
    private static Pid1Launcher.Running startSignalsApp(Path tmp, Path received, Path stop) {
        var run = launcher().appDir(Pid1Launcher.preparedApp(tmp.resolve("app"))).cache(tmp.resolve("cache"))
                .env("SIGNALS_FILE", received.toString()).env("STOP_FILE", stop.toString())
                .runArgs("./signals.sh").start(tmp.resolve("run"));
        try {
            run.awaitStdout("ready", START);
            run.awaitSignalsHandled(Pid1Launcher.FORWARDED, Duration.ofSeconds(3));
            return run;
        } catch (RuntimeException | Error e) {
            run.close();
            throw e;
        }
    }

    /**
     * ILL, BUS, FPE and SEGV are HotSpot's own (its null checks, its faults), and what one sent with kill does to the
     * supervising JVM depends on where it lands: mostly a crash report and the end of the launcher (and the
     * container), sometimes a spurious NullPointerException in one of its threads, sometimes nothing seen. dumb-init
     * and tini forward them; the README says so. What holds every time, and is checked here: the signal never reaches
     * the app, and nothing of it lands on the app's stdout.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ILL", "BUS", "FPE", "SEGV"})
    void theJvmsOwnSignalsNeverReachTheAppNorItsStdout(String signal, @TempDir Path tmp) throws Exception {
        Path received = tmp.resolve("received");
        Path stop = tmp.resolve("stop");
        try (var run = startSignalsApp(tmp, received, stop)) {
            run.awaitSupervisor(START);
            run.signal(signal);
            Thread.sleep(2000); // a crash report, if any, is written by now

            assertEquals(List.of(), Pid1Launcher.lines(received), "nothing reached the app: " + run.describe());
            assertEquals("ready", run.stdout().strip(), "no report on the app's stdout: " + run.describe());
        }
    }

    @Test
    void childIgnoringTermIsKilledWhenTheGraceEnds(@TempDir Path tmp) throws Exception {
        try (var run = launcher().appDir(Pid1Launcher.preparedApp(tmp.resolve("app"))).cache(tmp.resolve("cache"))
                .grace(1).runArgs("./ignore-term.sh").start(tmp.resolve("run"))) {
            run.awaitStdout("ready", START);
            run.awaitSignalsHandled(List.of("TERM"), Duration.ofSeconds(3));
            Thread.sleep(100);

            long sent = System.nanoTime();
            run.signal("TERM");
            int code = run.awaitExit(Duration.ofSeconds(10));
            Duration took = Duration.ofNanos(System.nanoTime() - sent);

            assertEquals(137, code, "the child that ignores TERM dies of SIGKILL: " + run.describe());
            assertTrue(took.toMillis() >= 900, "SIGKILL came only once LAUNCHER_GRACE=1 had passed, not after " + took.toMillis() + " ms");
            assertTrue(took.toMillis() <= 4000, "SIGKILL came soon after the 1 s grace, not after " + took.toMillis() + " ms");
        }
    }
}
