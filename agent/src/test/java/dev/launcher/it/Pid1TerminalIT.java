package dev.launcher.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as PID 1 of a new PID namespace with a controlling terminal (util-linux's script gives it a new
 * pseudo-terminal), as under docker run -it or kubectl run -it. Scenarios from tini's and dumb-init's tty tests: the
 * app is the terminal's foreground group, so it can read it (else SIGTTIN stops it and the container hangs); Ctrl-C
 * reaches it; Ctrl-Z stops it, not the launcher; the terminal is sane after it, whatever mode the app left it in.
 */
class Pid1TerminalIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void theAppReadsTheTerminal(@TempDir Path tmp) throws Exception {
        try (OnTerminal run = OnTerminal.start(tmp, "read line; echo \"got:$line\"", "")) {
            run.awaitOutput("ready-to-read", TIMEOUT);
            run.type("hello\n");
            assertEquals(0, run.awaitExit(TIMEOUT), run.describe());
            assertTrue(run.output().contains("got:hello"), "the app read the line typed on its terminal: " + run.describe());
        }
    }

    @Test
    void ctrlCReachesTheApp(@TempDir Path tmp) throws Exception {
        try (OnTerminal run = OnTerminal.start(tmp,
                "trap 'echo caught-int; exit 5' INT; while :; do sleep 0.1; done", "")) {
            run.awaitOutput("ready-to-read", TIMEOUT);
            run.awaitAppInForeground();
            run.type("\u0003");
            assertEquals(5, run.awaitExit(TIMEOUT), run.describe());
            assertTrue(run.output().contains("caught-int"), "Ctrl-C reached the app as SIGINT: " + run.describe());
        }
    }

    @Test
    void theTerminalIsSaneAfterAnAppThatLeftItRaw(@TempDir Path tmp) throws Exception {
        // After the launcher, stty reports the terminal's settings from the same terminal.
        try (OnTerminal run = OnTerminal.start(tmp, "stty raw -echo; exit 4", "stty -a")) {
            assertEquals(4, run.awaitExit(TIMEOUT), run.describe());
            String settings = run.output().substring(run.output().lastIndexOf("speed"));
            assertTrue(settings.contains(" icanon") && settings.contains(" echo "),
                    "canonical mode and echo are back once the launcher is done: " + run.describe());
        }
    }

    @Test
    void ctrlZStopsTheAppNotTheLauncherAndContinuingItFinishesTheRun(@TempDir Path tmp) throws Exception {
        try (OnTerminal run = OnTerminal.start(tmp, "read line; echo \"got:$line\"", "")) {
            run.awaitOutput("ready-to-read", TIMEOUT);
            run.awaitAppInForeground();
            run.type("\u001a");
            Pid1Launcher.await("the app to stop on Ctrl-Z", Duration.ofSeconds(10), () -> run.appState() == 'T');
            assertNotEquals('T', run.launcherState(), "the launcher runs on while its app is stopped: " + run.describe());
            run.continueApp();
            run.type("after\n");
            assertEquals(0, run.awaitExit(TIMEOUT), run.describe());
            assertTrue(run.output().contains("got:after"), "the continued app still owns the terminal: " + run.describe());
        }
    }

    /** The launcher under script, then {@code after} in the same terminal; exits with the launcher's code. */
    private static final class OnTerminal implements AutoCloseable {
        private final Process script;
        private final Path output;
        private final OutputStream keyboard;

        private OnTerminal(Process script, Path output) {
            this.script = script;
            this.output = output;
            this.keyboard = script.getOutputStream();
        }

        static OnTerminal start(Path tmp, String appScript, String after) throws IOException {
            Path app = Pid1Launcher.preparedApp(tmp.resolve("app"));
            String launcher = "env --default-signal unshare --pid --fork --mount-proc --kill-child "
                    + LauncherProcess.home().resolve("bin/launcher");
            String command = launcher + "; code=$?; " + (after.isEmpty() ? ":" : after) + "; exit $code";
            Path output = tmp.resolve("terminal");
            ProcessBuilder builder = new ProcessBuilder("script", "-qefc", command, "/dev/null")
                    .redirectOutput(output.toFile()).redirectErrorStream(true);
            builder.environment().keySet().removeIf(k -> k.startsWith("LAUNCHER_") || k.equals("ARTIFACT"));
            builder.environment().put("HOME", tmp.toString());
            builder.environment().put("LAUNCHER_APP_DIR", app.toString());
            builder.environment().put("LAUNCHER_CACHE", tmp.resolve("cache").toString());
            builder.environment().put("LAUNCHER_GRACE", "2");
            builder.environment().put("RUNARGS", json(List.of("sh", "-c", "echo ready-to-read; " + appScript)));
            return new OnTerminal(builder.start(), output);
        }

        void type(String keys) throws IOException {
            keyboard.write(keys.getBytes(UTF_8));
            keyboard.flush();
        }

        void awaitOutput(String text, Duration timeout) {
            Pid1Launcher.await("'" + text + "' on the terminal; " + describe(), timeout,
                    () -> output().contains(text) || !script.isAlive());
            assertTrue(output().contains(text), "'" + text + "' never appeared: " + describe());
        }

        int awaitExit(Duration timeout) throws InterruptedException {
            if (!script.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("still running after " + timeout.toSeconds() + " s (a hang on the terminal?): "
                        + describe());
            }
            return script.exitValue();
        }

        /**
         * Waits until the launcher has made the app's group the terminal's foreground and handed over to its
         * supervising JVM, as a user at the terminal finds it a moment after the start. The app prints before that
         * may have happened; a key typed earlier signals the launcher's own group (under script, the shell around it
         * too), and a Ctrl-Z in the instant of the handover could meet the launcher continuing an app that a read
         * had stopped.
         */
        void awaitAppInForeground() {
            Pid1Launcher.await("the app's group to be the terminal's foreground; " + describe(), TIMEOUT, () -> {
                String[] fields = statFields(appPid());
                return fields.length > 5 && fields[2].equals(fields[5]) && ProcessHandle.of(launcherPid())
                        .flatMap(p -> p.info().commandLine()).orElse("").contains("SupervisorMain");
            });
        }

        String output() {
            try {
                return Files.exists(output) ? Files.readString(output, UTF_8).replace("\r", "") : "";
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The state letter of the launcher (PID 1 of the namespace) and of its app, from /proc. */
        char launcherState() {
            return state(launcherPid());
        }

        char appState() {
            return state(appPid());
        }

        void continueApp() throws IOException, InterruptedException {
            new ProcessBuilder("kill", "-CONT", Long.toString(appPid())).inheritIO().start().waitFor();
        }

        /** The launcher's one child: a thread of its JVM spawned it, so /proc/PID/task/PID/children may not list it. */
        private long appPid() {
            return ProcessHandle.of(launcherPid()).stream().flatMap(ProcessHandle::children).mapToLong(ProcessHandle::pid)
                    .findFirst().orElse(-1);
        }

        String describe() {
            return "terminal output:\n" + output();
        }

        /** The launcher's JVM: the launcher script execs java with its main class, and it execs the supervisor's. */
        private long launcherPid() {
            return script.descendants().filter(p -> p.info().commandLine().orElse("").contains("dev.launcher."))
                    .mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
        }

        private static char state(long pid) {
            String[] fields = statFields(pid);
            return fields.length > 0 ? fields[0].charAt(0) : '?';
        }

        /** The fields of /proc/PID/stat after the command name: state, ppid, pgrp, session, tty_nr, tpgid, ... */
        private static String[] statFields(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            } catch (IOException | RuntimeException e) {
                return new String[0];
            }
        }

        private static String json(List<String> argv) {
            StringBuilder out = new StringBuilder("[");
            for (String arg : argv) {
                out.append(out.length() > 1 ? "," : "").append('"');
                for (char c : arg.toCharArray()) {
                    switch (c) {
                        case '"' -> out.append("\\\"");
                        case '\\' -> out.append("\\\\");
                        default -> out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
                    }
                }
                out.append('"');
            }
            return out.append(']').toString();
        }

        @Override
        public void close() throws IOException {
            keyboard.close();
            script.descendants().forEach(ProcessHandle::destroyForcibly);
            script.destroyForcibly();
        }
    }
}
