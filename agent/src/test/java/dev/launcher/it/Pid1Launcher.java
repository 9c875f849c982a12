package dev.launcher.it;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.launcher.assemble.AppAssembler;
import dev.launcher.oci.Reference;
import dev.launcher.oci.RegistrySettings;
import dev.launcher.push.ArtifactPusher;
import dev.launcher.push.PackRecords;
import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs the built bin/launcher as PID 1 of a new PID namespace, as a container runtime starts an ENTRYPOINT:
 * {@code env --default-signal unshare --pid --fork --mount-proc --kill-child bin/launcher ARGS}.
 *
 * <p>{@code unshare} stays the parent in the test's namespace and exits with the launcher's exit code (it re-raises a
 * signal that killed the launcher, so that reads as 128+N too). Signals must go to the launcher's own pid as this
 * namespace sees it ({@link Running#launcherPid()}), never to {@code unshare}, which does not forward them. The
 * kernel delivers a signal to a namespace's PID 1 only if it has a handler for it (SIGKILL aside, from outside).
 *
 * <p>{@code env --default-signal} gives the launcher the default disposition of every signal, as a container gets:
 * a build run in the background of a non-interactive shell inherits SIGINT ignored, and a signal ignored at exec can
 * be neither handled by the JVM nor trapped by a shell child.
 *
 * <pre>{@code
 * try (var run = Pid1Launcher.launcher().appDir(Pid1Launcher.preparedApp(tmp.resolve("app")))
 *         .cache(tmp.resolve("cache")).runArgs("./signals.sh").start(tmp.resolve("run"))) {
 *     run.awaitStdout("ready", Duration.ofSeconds(10));
 *     run.signal("HUP");
 *     assertEquals(0, run.awaitExit(Duration.ofSeconds(10)));
 * }
 * }</pre>
 */
final class Pid1Launcher {
    /** Every signal the launcher forwards to its child in run mode, in the contract's order. */
    static final List<String> FORWARDED = List.of("TERM", "INT", "HUP", "QUIT", "USR1", "USR2", "WINCH", "CONT", "TTIN",
            "TTOU", "TRAP", "ABRT", "PIPE", "ALRM", "STKFLT", "TSTP", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "IO", "PWR",
            "SYS", "RTMIN", "RTMIN+6", "RTMAX");

    /** Linux signal numbers (the same on x86-64 and arm64), for reading /proc masks and for kill. */
    private static final Map<String, Integer> NUMBERS = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4), Map.entry("TRAP", 5),
            Map.entry("ABRT", 6), Map.entry("BUS", 7), Map.entry("FPE", 8), Map.entry("KILL", 9), Map.entry("USR1", 10),
            Map.entry("SEGV", 11), Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14),
            Map.entry("TERM", 15), Map.entry("STKFLT", 16), Map.entry("CHLD", 17), Map.entry("CONT", 18),
            Map.entry("TSTP", 20), Map.entry("TTIN", 21), Map.entry("TTOU", 22), Map.entry("URG", 23),
            Map.entry("XCPU", 24), Map.entry("XFSZ", 25), Map.entry("VTALRM", 26), Map.entry("PROF", 27),
            Map.entry("WINCH", 28), Map.entry("IO", 29), Map.entry("PWR", 30), Map.entry("SYS", 31),
            // glibc's SIGRTMIN: the kernel's 32 and 33 are its own
            Map.entry("RTMIN", 34), Map.entry("RTMIN+6", 40), Map.entry("RTMAX", 64));

    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> args = new ArrayList<>();

    private Pid1Launcher() {}

    static Pid1Launcher launcher(String... arguments) {
        Pid1Launcher launcher = new Pid1Launcher();
        launcher.args.addAll(List.of(arguments));
        return launcher;
    }

    /** The test programs in test-apps/pid1 of this repository. */
    static Path testApps() {
        for (String base : new String[] {System.getProperty("basedir"), System.getProperty("user.dir")}) {
            if (base == null) {
                continue;
            }
            for (Path dir = Path.of(base).toAbsolutePath(); dir != null; dir = dir.getParent()) {
                Path candidate = dir.resolve("test-apps/pid1");
                if (Files.isRegularFile(candidate.resolve("signals.sh"))) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("test-apps/pid1 not found above " + System.getProperty("basedir"));
    }

    /**
     * A finished app dir holding test-apps/pid1, assembled as the launcher itself would (with its marker), so that
     * a launcher with no ARTIFACT runs it as it is: the init-container + main-container pattern, with no registry.
     */
    static Path preparedApp(Path appDir) {
        new AppAssembler().assemble(List.of(testApps()), appDir, "test");
        return appDir;
    }

    Pid1Launcher env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** RUNARGS as a JSON array: the exact argv, whatever its characters. */
    Pid1Launcher runArgs(String... argv) {
        return env("RUNARGS", Stream.of(argv).map(Pid1Launcher::jsonString).collect(Collectors.joining(",", "[", "]")));
    }

    Pid1Launcher appDir(Path dir) {
        return env("LAUNCHER_APP_DIR", dir.toString());
    }

    Pid1Launcher cache(Path dir) {
        return env("LAUNCHER_CACHE", dir.toString());
    }

    Pid1Launcher grace(int seconds) {
        return env("LAUNCHER_GRACE", Integer.toString(seconds));
    }

    /** Puts {@code dir} first on the launcher's PATH (and so on its children's). */
    Pid1Launcher pathFirst(Path dir) {
        String inherited = env.getOrDefault("PATH", System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
        return env("PATH", dir + ":" + inherited);
    }

    /** Starts the launcher; {@code dir} (created) receives its stdout and stderr and is its HOME. */
    Running start(Path dir) {
        try {
            Files.createDirectories(dir);
            List<String> command = new ArrayList<>(List.of("env", "--default-signal",
                    "unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
                    LauncherProcess.home().resolve("bin/launcher").toString()));
            command.addAll(args);
            Path stdout = dir.resolve("stdout");
            Path stderr = dir.resolve("stderr");
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            // Never let the developer's own settings leak into a test.
            builder.environment().keySet().removeIf(k -> k.startsWith("LAUNCHER_") || k.equals("ARTIFACT") || k.equals("RUNARGS")
                    || k.equals("DOCKER_CONFIG") || k.equals("REGISTRY_AUTH_FILE"));
            builder.environment().put("HOME", dir.toString());
            builder.environment().putAll(env);
            return new Running(builder.start(), stdout, stderr);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the launcher under unshare", e);
        }
    }

    /** Starts the launcher and waits for it to end; kills it and fails if it takes longer than {@code timeout}. */
    Result run(Path dir, Duration timeout) {
        try (Running running = start(dir)) {
            int code = running.awaitExit(timeout);
            return new Result(code, running.stdout(), running.stderr(), running.elapsed());
        }
    }

    record Result(int exitCode, String stdout, String stderr, Duration elapsed) {
        @Override
        public String toString() {
            return "exit " + exitCode + " after " + elapsed.toMillis() + " ms\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    /** A process in the launcher's PID namespace: its pid here and there, its parent's pid here, and its state. */
    record NsProcess(long pid, long nsPid, long ppid, char state, String comm) {
        boolean isZombie() {
            return state == 'Z';
        }
    }

    /** A launcher started by {@link #start}; closing it kills whatever is left of its namespace. */
    static final class Running implements AutoCloseable {
        private final Process unshare;
        private final Path stdout;
        private final Path stderr;
        private final long startNanos = System.nanoTime();
        private long launcherPid = -1;
        private long endNanos = -1;

        private Running(Process unshare, Path stdout, Path stderr) {
            this.unshare = unshare;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        /**
         * The launcher's pid in the test's namespace (it is 1 in its own): unshare's only child, read from
         * /proc/PID/task/PID/children until it is there.
         */
        /** Where the launcher's working directory is now. */
        Path launcherCwd() throws IOException {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(launcherPid()), "cwd"));
        }

        synchronized long launcherPid() {
            if (launcherPid > 0) {
                return launcherPid;
            }
            Path children = Path.of("/proc", Long.toString(unshare.pid()), "task", Long.toString(unshare.pid()), "children");
            await("unshare to fork the launcher", Duration.ofSeconds(10), () -> {
                try {
                    String text = Files.readString(children).strip();
                    if (!text.isEmpty()) {
                        launcherPid = Long.parseLong(text.split("\\s+")[0]);
                        return true;
                    }
                } catch (IOException e) {
                    // unshare is not there yet, or already gone
                }
                if (!unshare.isAlive()) {
                    throw new AssertionError("the launcher ended before its pid was read: " + describe());
                }
                return false;
            });
            return launcherPid;
        }

        /** Sends signal {@code name} (TERM, USR1, ...) to the launcher itself. */
        void signal(String name) {
            long pid = launcherPid();
            try {
                // By number: dash's kill knows no STKFLT.
                Process kill = new ProcessBuilder("sh", "-c", "kill -\"$0\" \"$1\"", Integer.toString(number(name)),
                                Long.toString(pid))
                        .redirectErrorStream(true).start();
                String output = new String(kill.getInputStream().readAllBytes(), UTF_8);
                if (kill.waitFor() != 0) {
                    throw new AssertionError("kill -s " + name + " " + pid + " failed: " + output);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        /**
         * Waits until the launcher has a handler for (or blocks) each signal, the sign that it is ready to forward
         * them; false if that is not seen in time. Only a hint: the JVM catches TERM, INT and HUP from its start.
         */
        boolean awaitSignalsHandled(List<String> names, Duration timeout) {
            long wanted = 0;
            for (String name : names) {
                wanted |= 1L << (number(name) - 1);
            }
            long mask = wanted;
            try {
                await("", timeout, () -> (caughtOrBlocked() & mask) == mask || !unshare.isAlive());
                return unshare.isAlive();
            } catch (AssertionError notSeen) {
                return false;
            }
        }

        private long caughtOrBlocked() {
            try {
                long bits = 0;
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(launcherPid()), "status"))) {
                    if (line.startsWith("SigCgt:") || line.startsWith("SigBlk:")) {
                        bits |= Long.parseUnsignedLong(line.substring(7).strip(), 16);
                    }
                }
                return bits;
            } catch (IOException e) {
                return 0;
            }
        }

        /**
         * Waits until the launcher has handed over to its supervising JVM (same pid), which adopted the app and takes
         * signals from its queue (its thread named "signals" runs).
         */
        void awaitSupervisor(Duration timeout) {
            await("the launcher to hand over to its supervisor; " + describe(), timeout, () -> {
                Path tasks = Path.of("/proc", Long.toString(launcherPid()), "task");
                try (Stream<Path> threads = Files.list(tasks)) {
                    return Files.readString(Path.of("/proc", Long.toString(launcherPid()), "cmdline"))
                            .contains("SupervisorMain") && threads.anyMatch(task -> {
                                try {
                                    return Files.readString(task.resolve("comm")).strip().equals("signals");
                                } catch (IOException e) {
                                    return false;
                                }
                            });
                } catch (IOException e) {
                    return false;
                }
            });
        }

        /** Waits until the launcher's stdout (where its child writes too) contains {@code text}. */
        void awaitStdout(String text, Duration timeout) {
            awaitOutput(stdout, "stdout", text, timeout);
        }

        /** Waits until the launcher's stderr (its log, and its child's stderr) contains {@code text}. */
        void awaitStderr(String text, Duration timeout) {
            awaitOutput(stderr, "stderr", text, timeout);
        }

        private void awaitOutput(Path file, String name, String text, Duration timeout) {
            await("'" + text + "' on " + name, timeout, () -> {
                if (read(file).contains(text)) {
                    return true;
                }
                if (!unshare.isAlive() && !read(file).contains(text)) {
                    throw new AssertionError("the launcher ended before writing '" + text + "' on " + name + ": " + describe());
                }
                return false;
            });
        }

        /** Waits for the launcher to end and returns its exit code; kills it and fails after {@code timeout}. */
        int awaitExit(Duration timeout) {
            try {
                if (!unshare.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    String state = describe();
                    close();
                    throw new AssertionError("the launcher did not end within " + timeout.toMillis() + " ms: " + state);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            markEnded();
            return unshare.exitValue();
        }

        boolean isAlive() {
            boolean alive = unshare.isAlive();
            if (!alive) {
                markEnded();
            }
            return alive;
        }

        /** Time from start to the end (or to now, while it runs). */
        synchronized Duration elapsed() {
            return Duration.ofNanos((endNanos > 0 ? endNanos : System.nanoTime()) - startNanos);
        }

        private synchronized void markEnded() {
            if (endNanos < 0) {
                endNanos = System.nanoTime();
            }
        }

        String stdout() {
            return read(stdout);
        }

        String stderr() {
            return read(stderr);
        }

        /** What the launcher's /proc entry says its program is (a symlink to the executable). */
        Path exe() throws IOException {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(launcherPid()), "exe"));
        }

        /** One line of /proc/PID/status of the launcher, such as "Threads" or "NSpid", without its name. */
        String status(String field) throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(launcherPid()), "status"))) {
                if (line.startsWith(field + ":")) {
                    return line.substring(field.length() + 1).strip();
                }
            }
            throw new AssertionError("no " + field + " in /proc/" + launcherPid() + "/status");
        }

        /** Every process of the launcher's PID namespace, the launcher included, zombies included. */
        List<NsProcess> namespaceProcesses() {
            Path ownNs;
            try {
                ownNs = Files.readSymbolicLink(Path.of("/proc", Long.toString(launcherPid()), "ns", "pid"));
            } catch (IOException e) {
                return List.of(); // the namespace is gone with its PID 1
            }
            List<NsProcess> found = new ArrayList<>();
            try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
                for (Path entry : entries.toList()) {
                    String name = entry.getFileName().toString();
                    if (!name.chars().allMatch(Character::isDigit)) {
                        continue;
                    }
                    try {
                        if (ownNs.equals(Files.readSymbolicLink(entry.resolve("ns/pid")))) {
                            found.add(parse(entry));
                        }
                    } catch (IOException | RuntimeException gone) {
                        // exited and released while we looked
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return found;
        }

        private static NsProcess parse(Path procEntry) throws IOException {
            String stat = Files.readString(procEntry.resolve("stat"));
            int open = stat.indexOf('(');
            int close = stat.lastIndexOf(')');
            String[] rest = stat.substring(close + 2).split(" ");
            long nsPid = -1;
            for (String line : Files.readAllLines(procEntry.resolve("status"))) {
                if (line.startsWith("NSpid:")) {
                    String[] ids = line.substring(6).strip().split("\\s+");
                    nsPid = Long.parseLong(ids[ids.length - 1]);
                }
            }
            return new NsProcess(Long.parseLong(stat.substring(0, open).strip()), nsPid, Long.parseLong(rest[1]),
                    rest[0].charAt(0), stat.substring(open + 1, close));
        }

        /** The end of the launcher's output and its namespace's processes, for failure messages. */
        String describe() {
            String processes = unshare.isAlive() && launcherPid > 0 ? "\n--- namespace\n" + namespaceProcesses() : "";
            return (unshare.isAlive() ? "running" : "exit " + unshare.exitValue()) + " after " + elapsed().toMillis() + " ms"
                    + processes + "\n--- stdout\n" + tail(stdout()) + "\n--- stderr\n" + tail(stderr());
        }

        /** Kills the launcher (and so its whole namespace) if it still runs. */
        @Override
        public void close() {
            if (unshare.isAlive()) {
                if (launcherPid > 0) {
                    try {
                        signal("KILL"); // SIGKILL from outside reaches a namespace's PID 1, and its end ends the namespace
                    } catch (AssertionError | UncheckedIOException gone) {
                        // ended meanwhile; otherwise unshare's --kill-child does it when unshare dies below
                    }
                }
                unshare.destroyForcibly();
                try {
                    unshare.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            markEnded();
        }

        private static String read(Path file) {
            try {
                return Files.readString(file, UTF_8);
            } catch (NoSuchFileException e) {
                return "";
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static String tail(String text) {
            return text.length() <= 4000 ? text : "…" + text.substring(text.length() - 4000);
        }
    }

    static int number(String signal) {
        Integer n = NUMBERS.get(signal);
        if (n == null) {
            throw new IllegalArgumentException("no number known for SIG" + signal);
        }
        return n;
    }

    /** Polls {@code condition} every 10 ms; fails with {@code what} if it does not hold within {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Lines of a file the test programs append to; empty if it does not exist yet. */
    static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Pushes directories (each a tar+gzip layer) as `launcher push` does, but inside the test JVM: no launcher start
     * for a push. {@code dockerConfig} is the directory of a config.json with credentials, or null. Returns the pinned
     * reference, "127.0.0.1:PORT/repo:tag@sha256:…".
     */
    static String push(TestRegistry registry, String repoAndTag, Path dockerConfig, Path... dirs) {
        RegistrySettings settings = new RegistrySettings(Set.of(registry.hostPort()), null, dockerConfig);
        return new ArtifactPusher(settings, PackRecords.none()).push(Reference.parse(registry.reference(repoAndTag)), List.of(dirs)).toString();
    }

    /** A concurrent run's result, with its assertion failure rethrown as it was. */
    static <T> T join(Future<T> run) throws InterruptedException {
        try {
            return run.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new AssertionError(e.getCause());
        }
    }

    /** The names in a directory, sorted. */
    /** The names in {@code dir}, but the hidden ones (the test apps' own readiness marks). */
    static List<String> list(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).filter(name -> !name.startsWith(".")).sorted().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String jsonString(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
