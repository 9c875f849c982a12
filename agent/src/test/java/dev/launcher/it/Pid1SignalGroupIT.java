package dev.launcher.it;

import static dev.launcher.it.Pid1Launcher.launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LAUNCHER_SIGNAL_GROUP: a signal reaches the app's whole process group, not only the app. */
class Pid1SignalGroupIT {
    private static final Duration START = Duration.ofSeconds(30);
    /** The app and a background worker (same process group) each log USR1; TERM ends both. */
    private static final String SCRIPT = "(trap 'echo worker >> \"$LOG\"' USR1; trap 'exit 0' TERM; while :; do sleep 0.05; done) &"
            + " trap 'echo app >> \"$LOG\"' USR1; trap 'kill $!; wait; exit 0' TERM; echo ready; while :; do sleep 0.05; done";

    @Test
    void withTheOptionTheWholeGroupGetsTheSignal(@TempDir Path tmp) throws Exception {
        assertEquals(List.of("app", "worker"), usr1Receivers(tmp, true));
    }

    @Test
    void withoutItOnlyTheAppGetsTheSignal(@TempDir Path tmp) throws Exception {
        assertEquals(List.of("app"), usr1Receivers(tmp, false));
    }

    private static List<String> usr1Receivers(Path tmp, boolean group) throws Exception {
        Path log = tmp.resolve("usr1");
        try (var run = launcher().appDir(Pid1Launcher.preparedApp(tmp.resolve("app"))).cache(tmp.resolve("cache"))
                .env("LAUNCHER_SIGNAL_GROUP", Boolean.toString(group)).env("LOG", log.toString())
                .runArgs("sh", "-c", SCRIPT).start(tmp.resolve("run"))) {
            run.awaitStdout("ready", START);
            Thread.sleep(200); // the worker's trap is set up by the time the app prints "ready" and a bit
            run.signal("USR1");
            Pid1Launcher.await("the app to log USR1", Duration.ofSeconds(5), () -> Pid1Launcher.lines(log).contains("app"));
            Thread.sleep(500); // long enough for a worker that got it to log it too
            List<String> receivers = Pid1Launcher.lines(log).stream().sorted().toList();
            run.signal("TERM");
            assertEquals(0, run.awaitExit(Duration.ofSeconds(10)), run.describe());
            return receivers;
        }
    }
}
