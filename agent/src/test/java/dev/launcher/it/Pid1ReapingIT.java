package dev.launcher.it;

import static dev.launcher.it.Pid1Launcher.launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as PID 1 reaps the orphans re-parented to it, and after its child exits gives the rest of the child's
 * process group up to the grace to finish, then kills it.
 */
class Pid1ReapingIT {
    private static final Duration START = Duration.ofSeconds(20);

    @Test
    void doubleForkedGrandchildrenLeaveNoZombie(@TempDir Path tmp) throws Exception {
        Path orphansLog = tmp.resolve("orphans");
        Path release = tmp.resolve("release");
        int orphans = 5;
        try (var run = launcher().appDir(Pid1Launcher.preparedApp(tmp.resolve("app"))).cache(tmp.resolve("cache"))
                .env("ORPHANS_LOG", orphansLog.toString()).env("RELEASE_FILE", release.toString())
                .runArgs("./orphans.sh", Integer.toString(orphans), "60").start(tmp.resolve("run"))) {
            run.awaitStdout("ready", START);
            Pid1Launcher.await(orphans + " orphans to exit", Duration.ofSeconds(10),
                    () -> Pid1Launcher.lines(orphansLog).size() >= orphans);
            // The scenario is real: each grandchild outlived its parent and ended as a child of PID 1.
            for (String line : Pid1Launcher.lines(orphansLog)) {
                assertEquals("1", line.split(" ")[1], "an orphan's parent when it exited ('pid ppid'): " + line);
            }
            assertTrue(run.isAlive(), "the main child is still running: " + run.describe());

            try {
                Pid1Launcher.await("PID 1 to reap the exited orphans", Duration.ofSeconds(3),
                        () -> run.namespaceProcesses().stream().noneMatch(Pid1Launcher.NsProcess::isZombie));
            } catch (AssertionError zombies) {
                throw new AssertionError("zombies remain in the launcher's namespace while it runs: "
                        + run.namespaceProcesses().stream().filter(Pid1Launcher.NsProcess::isZombie).toList() + "; " + run.describe(), zombies);
            }

            Files.createFile(release);
            assertEquals(0, run.awaitExit(Duration.ofSeconds(10)), run.describe());
        }
    }

    @Test
    void groupWorkersGetTheGraceToFinishAfterTheMainChildExits(@TempDir Path tmp) throws Exception {
        Path done = Files.createDirectories(tmp.resolve("done"));
        int grace = 6;
        try (var run = launcher().appDir(Pid1Launcher.preparedApp(tmp.resolve("app"))).cache(tmp.resolve("cache"))
                .grace(grace).env("DONE_DIR", done.toString()).runArgs("./workers.sh", "1", "2").start(tmp.resolve("run"))) {
            run.awaitStdout("ready", START);
            long mainExited = System.nanoTime(); // workers.sh exits right after "ready"
            int code = run.awaitExit(Duration.ofSeconds(grace + 10));
            Duration after = Duration.ofNanos(System.nanoTime() - mainExited);

            assertEquals(0, code, "the main child's exit code: " + run.describe());
            assertEquals(List.of("worker-1", "worker-2"), Pid1Launcher.list(done),
                    "both workers, which need 1 s, finished before the launcher (and so its namespace) ended: " + run.describe());
            assertTrue(after.toMillis() < (grace - 2) * 1000L, "the launcher ended as soon as its child's group was empty, "
                    + "not when the " + grace + " s grace ran out: it took " + after.toMillis() + " ms after the main child exited");
        }
    }

    @Test
    void whatIsLeftOfTheGroupIsSentTermAtOnceAndTheAppsCodeComesBackWithoutWaitingOutTheGrace(@TempDir Path tmp)
            throws Exception {
        // dumb-init's and tini's users stop containers with docker stop -t 10: a 25 s grace spent on a worker that
        // would stop on TERM turns the app's exit code into the runtime's SIGKILL (137).
        Path done = Files.createDirectories(tmp.resolve("done"));
        try (var run = launcher().appDir(Pid1Launcher.preparedApp(tmp.resolve("app"))).cache(tmp.resolve("cache"))
                .grace(20).env("DONE_DIR", done.toString()).runArgs("./leftover.sh", "3").start(tmp.resolve("run"))) {
            run.awaitStdout("ready", START);
            long mainExited = System.nanoTime();
            int code = run.awaitExit(Duration.ofSeconds(30));
            Duration after = Duration.ofNanos(System.nanoTime() - mainExited);

            assertEquals(3, code, "the app's own exit code: " + run.describe());
            assertEquals(List.of("got-term"), Pid1Launcher.list(done), "the worker left in the group got TERM: " + run.describe());
            assertTrue(after.toMillis() < 5000, "the launcher ended once the worker stopped on TERM, not when the 20 s"
                    + " grace ran out: it took " + after.toMillis() + " ms");
        }
    }

    @Test
    void groupWorkersAreKilledWhenTheGraceEnds(@TempDir Path tmp) throws Exception {
        Path done = Files.createDirectories(tmp.resolve("done"));
        try (var run = launcher().appDir(Pid1Launcher.preparedApp(tmp.resolve("app"))).cache(tmp.resolve("cache"))
                .grace(1).env("DONE_DIR", done.toString()).runArgs("./workers.sh", "20", "2").start(tmp.resolve("run"))) {
            run.awaitStdout("ready", START);
            long mainExited = System.nanoTime();
            int code = run.awaitExit(Duration.ofSeconds(10));
            Duration after = Duration.ofNanos(System.nanoTime() - mainExited);

            assertEquals(0, code, "the main child's exit code, whatever became of its workers: " + run.describe());
            assertTrue(after.toMillis() >= 800, "the workers got the 1 s grace before being killed, not " + after.toMillis() + " ms");
            assertTrue(after.toMillis() <= 5000, "the workers, which need 20 s, were killed when the 1 s grace ended, "
                    + "not after " + after.toMillis() + " ms");
            assertFalse(Files.exists(done.resolve("worker-1")), "no worker finished its 20 s of work");
        }
    }
}
