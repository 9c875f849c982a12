package dev.launcher.supervise;

import static dev.launcher.supervise.Procfs.await;
import static dev.launcher.supervise.Procfs.awaitValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.fs.FileNames;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Real processes, checked through /proc. Spawned children never write to stdout or stderr: those are
 * surefire's channel to this JVM.
 */
class PosixTest {
    private static final Map<String, String> ENV = Map.of("PATH", "/usr/bin:/bin");

    @TempDir
    Path dir;

    private final List<Long> children = new ArrayList<>();

    @AfterEach
    void killAndReapLeftovers() {
        for (long pid : children) {
            if (Procfs.isChildOf(pid, Posix.getpid())) {
                PosixSignals.kill(pid, 9);
                awaitValue("pid " + pid + " to be reaped", () -> PosixWait.reap(pid));
            }
        }
    }

    private long spawn(List<String> argv, Map<String, String> env, boolean ownProcessGroup) {
        long pid = PosixSpawn.spawn(argv, dir, env, ownProcessGroup);
        children.add(pid);
        return pid;
    }

    /** A child that has finished exec'ing, so that /proc shows the new program. */
    private long spawnAndAwaitExec(List<String> argv, Map<String, String> env, boolean ownProcessGroup) {
        long pid = spawn(argv, env, ownProcessGroup);
        Procfs.awaitExecDone(pid);
        return pid;
    }

    private static ChildExit awaitExit(long pid) {
        return awaitValue("pid " + pid + " to exit", () -> PosixWait.peekExited(pid));
    }

    @Test
    void spawnRunsInWorkDirWithExactlyTheGivenEnvironmentInItsOwnGroup() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("GREETING", "hello world");
        env.put("EMPTY", "");
        env.put("UNICODE", "é✓");

        long pid = spawnAndAwaitExec(List.of("sleep", "30"), env, true);

        assertEquals(dir.toRealPath(), Procfs.cwd(pid));
        assertEquals(List.of("PATH=/usr/bin:/bin", "GREETING=hello world", "EMPTY=", "UNICODE=é✓"), Procfs.environ(pid));
        assertEquals(pid, Procfs.pgrp(pid), "leads its own process group");
        assertEquals(Posix.getpid(), Procfs.ppid(pid));
        assertEquals("sleep", Procfs.comm(pid));
    }

    @Test
    void spawnWithoutOwnGroupStaysInOurs() {
        long pid = spawn(List.of("sleep", "30"), Map.of("PATH", "/bin:/usr/bin"), false);

        assertEquals(Procfs.pgrp(Posix.getpid()), Procfs.pgrp(pid));
    }

    @Test
    void relativeCommandsAndPathEntriesResolveInTheWorkDir() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path script = executable(bin.resolve("app"), "#!/bin/sh\nexit 7\n");
        Files.copy(script, dir.resolve("run.sh"));

        assertEquals(7, awaitExit(spawn(List.of("./run.sh"), ENV, true)).status());
        assertEquals(7, awaitExit(spawn(List.of("bin/app"), ENV, true)).status());
        long pid = spawn(List.of("app"), Map.of("PATH", "/nonexistent:bin:/usr/bin"), true);
        assertEquals(new ChildExit(pid, false, 7), awaitExit(pid));
    }

    @Test
    void commandsDirectoriesAndPathEntriesOutsideAsciiAreTheirUtf8BytesInAnyLocale() throws IOException {
        // The tests run with LC_ALL=C, where the JDK cannot turn such names into paths by itself.
        Path work = Files.createDirectories(FileNames.ofText(dir, "répertoire"));
        Path bin = Files.createDirectories(FileNames.ofText(work, "bïn"));
        executable(FileNames.ofText(bin, "café"), "#!/bin/sh\nexit 9\n");
        executable(FileNames.ofText(work, "naïve.sh"), "#!/bin/sh\n[ \"$(pwd)\" = \"$1\" ] && exit 8; exit 1\n");
        String workText = new String(FileNames.absoluteBytes(work), StandardCharsets.UTF_8);

        List<Long> pids = List.of(
                PosixSpawn.spawn(List.of("./naïve.sh", workText), work, ENV, true),
                PosixSpawn.spawn(List.of("café"), work, Map.of("PATH", "bïn:/usr/bin:/bin"), true),
                PosixSpawn.spawn(List.of(workText + "/bïn/café"), dir, ENV, true));
        children.addAll(pids);
        assertEquals(List.of(8, 9, 9), pids.stream().map(pid -> awaitExit(pid).status()).toList());
    }

    @Test
    void childStartsWithNoSignalBlockedOrIgnoredWhateverTheSpawningThreadDid() throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        SignalHandler previous = Signal.handle(new Signal("HUP"), SignalHandler.SIG_IGN);
        try {
            Thread spawner = Thread.ofPlatform().start(() -> {
                try {
                    ThreadSignals.block(PosixSignals.signalNumber("TERM"), PosixSignals.signalNumber("USR1"), 40);
                    String ours = "SigBlk " + Procfs.status("/proc/thread-self/status", "SigBlk")
                            + " SigIgn " + Procfs.status("/proc/thread-self/status", "SigIgn");
                    outcome.set(List.of(ours, spawnAndAwaitExec(List.of("sleep", "30"), ENV, true)));
                } catch (Throwable e) {
                    outcome.set(e);
                }
            });
            spawner.join();
        } finally {
            Signal.handle(new Signal("HUP"), previous);
        }
        if (outcome.get() instanceof Throwable e) {
            throw new AssertionError("spawning thread failed", e);
        }
        List<?> result = (List<?>) outcome.get();
        // The experiment is real: TERM (15), USR1 (10) and RT 40 blocked, HUP (1) ignored in the spawner.
        String[] spawner = ((String) result.get(0)).split(" ");
        long blocked = Long.parseUnsignedLong(spawner[1], 16);
        long ignored = Long.parseUnsignedLong(spawner[3], 16);
        assertEquals(List.of(true, true, true, true), List.of((blocked >> 14 & 1) == 1, (blocked >> 9 & 1) == 1,
                (blocked >> 39 & 1) == 1, (ignored & 1) == 1), "spawning thread's own state: " + result.get(0));
        long pid = (Long) result.get(1);
        String status = "/proc/" + pid + "/status";
        assertEquals("0000000000000000", Procfs.status(status, "SigBlk"));
        assertEquals("0000000000000000", Procfs.status(status, "SigIgn"));
    }

    @Test
    void childGetsOnlyStdinStdoutAndStderr() throws Exception {
        Path file = Files.writeString(dir.resolve("held-open"), "x");
        try (FileInputStream held = new FileInputStream(file.toFile())) {
            assertTrue(Procfs.descriptors(Posix.getpid()).size() > 3, "this JVM has descriptors to leak");
            long pid = spawnAndAwaitExec(List.of("sleep", "30"), ENV, false);

            assertOnlyStdio(pid);
        }
    }

    /** Waits out the descriptors ld.so opens and closes while the new program starts; a leaked one stays. */
    private static void assertOnlyStdio(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> open;
        while ((open = Procfs.descriptorTargets(pid)).size() != 3 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(List.of(0, 1, 2), open.stream().map(fd -> Integer.parseInt(fd.split(" ")[0])).toList(),
                "pid " + pid + " has " + open);
    }

    @Test
    void missingCommandsAre127() throws IOException {
        assertExit(ExitCode.COMMAND_NOT_FOUND, "not found on PATH", List.of("no-such-command"), ENV);
        assertExit(ExitCode.COMMAND_NOT_FOUND, "not found in", List.of("./missing.sh"), ENV);
        assertExit(ExitCode.COMMAND_NOT_FOUND, "not found in", List.of("sub/missing"), ENV);
        assertExit(ExitCode.COMMAND_NOT_FOUND, "not found in", List.of("/no/such/program"), ENV);
        assertExit(ExitCode.COMMAND_NOT_FOUND, "not found on PATH", List.of("sleep"), Map.of("PATH", "/nonexistent"));
        assertExit(ExitCode.COMMAND_NOT_FOUND, "is empty", List.of(""), ENV);
    }

    @Test
    void filesThatCannotBeExecutedAre126() throws IOException {
        Files.writeString(dir.resolve("plain.sh"), "#!/bin/sh\nexit 0\n");
        Files.createDirectory(dir.resolve("adir"));
        executable(dir.resolve("garbage"), "\u0001\u0002 not a program and no #! line\n");
        executable(dir.resolve("bad-interpreter"), "#!/no/such/interpreter\n");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.writeString(bin.resolve("tool"), "#!/bin/sh\n");

        assertExit(ExitCode.NOT_EXECUTABLE, "is not an executable file", List.of("./plain.sh"), ENV);
        assertExit(ExitCode.NOT_EXECUTABLE, "is not an executable file", List.of("./adir"), ENV);
        assertExit(ExitCode.NOT_EXECUTABLE, "not in a format", List.of("./garbage"), ENV);
        assertExit(ExitCode.NOT_EXECUTABLE, "interpreter", List.of("./bad-interpreter"), ENV);
        assertExit(ExitCode.NOT_EXECUTABLE, "is not an executable file", List.of("tool"), Map.of("PATH", "bin"));
        // glibc's posix_spawn returned the exec errors itself and reaped the failed child: no zombie left.
        assertEquals(Optional.empty(), PosixWait.peekExited(false));
    }

    private void assertExit(ExitCode expected, String messagePart, List<String> argv, Map<String, String> env) {
        LauncherException e = assertThrows(LauncherException.class, () -> spawn(argv, env, true), argv.toString());
        assertEquals(expected, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
        assertTrue(e.getMessage().contains("'" + argv.getFirst() + "'"), e.getMessage());
    }

    @Test
    void reapReportsExitCodesAndDeathsBySignal() {
        long exits = spawn(List.of("sh", "-c", "exit 42"), ENV, true);
        long segfaults = spawn(List.of("sh", "-c", "kill -SEGV $$"), ENV, true);
        long killed = spawn(List.of("sleep", "30"), ENV, true);
        assertTrue(PosixSignals.kill(killed, 9));

        ChildExit exit = awaitValue("exit 42", () -> PosixWait.reap(exits));
        assertEquals(new ChildExit(exits, false, 42), exit);
        assertEquals(42, exit.shellCode());
        ChildExit segv = awaitValue("SIGSEGV", () -> PosixWait.reap(segfaults));
        assertEquals(new ChildExit(segfaults, true, 11), segv);
        assertEquals(139, segv.shellCode());
        assertEquals(137, awaitValue("SIGKILL", () -> PosixWait.reap(killed)).shellCode());
        assertEquals(Optional.empty(), PosixWait.reap(exits), "reaped already");
    }

    @Test
    void reapOfARunningChildReturnsEmptyAndLeavesIt() {
        long pid = spawn(List.of("sleep", "30"), ENV, true);

        assertEquals(Optional.empty(), PosixWait.reap(pid));
        assertEquals(Optional.empty(), PosixWait.peekExited(pid));
        assertTrue("RS".indexOf(Procfs.state(pid)) >= 0, "running or sleeping: " + Procfs.state(pid));
    }

    @Test
    void peekSeesAnExitedChildWithoutReapingIt() {
        long pid = spawn(List.of("sh", "-c", "exit 3"), ENV, true);
        ChildExit expected = new ChildExit(pid, false, 3);

        assertEquals(expected, awaitValue("an exited child", () -> PosixWait.peekExited(false)));
        assertEquals(Optional.of(expected), PosixWait.peekExited(false), "still there");
        assertEquals(Optional.of(expected), PosixWait.peekExited(pid));
        assertEquals(Optional.of(expected), assertTimeoutPreemptively(Duration.ofSeconds(10), () -> PosixWait.peekExited(true)));
        assertEquals('Z', Procfs.state(pid), "a zombie until reaped");

        assertEquals(Optional.of(expected), PosixWait.reap(pid));
        assertFalse(Procfs.exists(pid), "reaped");
        assertEquals(Optional.empty(), PosixWait.peekExited(pid));
        assertEquals(Optional.empty(), PosixWait.reap(pid));
    }

    @Test
    void peekAndReapOfSomeoneElsesProcessAreEmpty() {
        long notOurs = Procfs.ppid(Posix.getpid());

        assertEquals(Optional.empty(), PosixWait.peekExited(notOurs));
        assertEquals(Optional.empty(), PosixWait.reap(notOurs));
        assertThrows(IllegalArgumentException.class, () -> PosixWait.reap(-1));
        assertThrows(IllegalArgumentException.class, () -> PosixWait.reap(0));
        assertThrows(IllegalArgumentException.class, () -> PosixWait.peekExited(0));
    }

    @Test
    void peekReturnsEmptyWithNoChildrenAtAll() throws Exception {
        try (Probe probe = Probe.start(dir, "no-children")) {
            assertEquals("peek empty", probe.line());
            assertEquals("block empty", probe.line());
            assertEquals(0, probe.exitCode());
        }
    }

    @Test
    void killReachesEveryProcessOfAGroupAndTheGroupThenDies() {
        Posix.becomeChildSubreaper(); // so that the shell's children, orphaned, are ours to reap
        try {
            long leader = spawn(List.of("sh", "-c", "sleep 60 & sleep 60 & wait"), ENV, true);
            List<Long> members = awaitValue("three processes in the group", () -> {
                List<Long> found = Procfs.groupMembers(leader);
                return found.size() == 3 && found.stream().allMatch(pid -> Procfs.comm(pid).equals(pid == leader ? "sh" : "sleep"))
                        ? Optional.of(found) : Optional.empty();
            });
            assertTrue(PosixSignals.processGroupAlive(leader));

            assertTrue(PosixSignals.kill(-leader, PosixSignals.signalNumber("TERM")));

            for (long pid : members) {
                assertEquals(new ChildExit(pid, true, 15), awaitValue("pid " + pid + " to die and be ours",
                        () -> PosixWait.reap(pid)));
            }
            assertFalse(PosixSignals.processGroupAlive(leader));
            assertFalse(PosixSignals.kill(-leader, 0));
        } finally {
            Posix.setChildSubreaper(false);
        }
    }

    @Test
    void processGroupAliveCountsUnreapedZombies() {
        long leader = spawn(List.of("sh", "-c", "exit 0"), ENV, true);
        awaitExit(leader);

        assertTrue(PosixSignals.processGroupAlive(leader), "a zombie still holds its group");
        PosixWait.reap(leader).orElseThrow();
        assertFalse(PosixSignals.processGroupAlive(leader));
        assertThrows(IllegalArgumentException.class, () -> PosixSignals.processGroupAlive(1));
        assertThrows(IllegalArgumentException.class, () -> PosixSignals.processGroupAlive(0));
    }

    @Test
    void aSubreaperInheritsItsOrphanedGrandchildren() {
        Posix.becomeChildSubreaper();
        try {
            assertTrue(Posix.isChildSubreaper());
            long sh = spawn(List.of("sh", "-c", "sleep 0.3 & exit 0"), ENV, true);
            assertEquals(new ChildExit(sh, false, 0), awaitValue("sh to exit", () -> PosixWait.reap(sh)));

            ChildExit orphan = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> PosixWait.peekExited(true)).orElseThrow();
            children.add(orphan.pid());

            assertNotEquals(sh, orphan.pid());
            assertEquals("sleep", Procfs.comm(orphan.pid()));
            assertEquals(Posix.getpid(), Procfs.ppid(orphan.pid()));
            assertEquals(new ChildExit(orphan.pid(), false, 0), orphan);
            assertEquals(Optional.of(orphan), PosixWait.reap(orphan.pid()));
        } finally {
            Posix.setChildSubreaper(false);
        }
        assertFalse(Posix.isChildSubreaper());
    }

    @Test
    void killOfAGoneProcessIsFalse() {
        long pid = spawn(List.of("sh", "-c", "exit 0"), ENV, true);
        PosixWait.reap(awaitExit(pid).pid()).orElseThrow();

        assertFalse(PosixSignals.kill(pid, 0));
        assertTrue(PosixSignals.kill(Posix.getpid(), 0));
        assertThrows(IllegalArgumentException.class, () -> PosixSignals.kill(1L << 32, 0), "would be kill(0, 0)");
        assertThrows(IllegalStateException.class, () -> PosixSignals.kill(Posix.getpid(), 1000));
    }

    @Test
    void execveReplacesTheJvmInPlaceWithACleanSlate() throws Exception {
        Files.writeString(dir.resolve("plain"), "not executable\n");

        try (Probe probe = Probe.start(dir, "execve", dir.toString())) {
            assertEquals("./missing 127", probe.line());
            assertEquals("./plain 126", probe.line());
            String jvm = probe.line();
            assertTrue(jvm.matches("jvm SigBlk \\p{XDigit}{16} SigIgn \\p{XDigit}{15}[13579bdf] fds \\d+"),
                    "the JVM ignores SIGHUP before execve: " + jvm);
            assertEquals(String.valueOf(probe.pid()), probe.line(), "the shell has the JVM's pid");
            assertEquals("replaced", probe.line());

            // The shell exec'd sleep in turn, still with the JVM's pid and what execve passed on.
            long pid = probe.pid();
            Procfs.await("the probe to become sleep", () -> Procfs.comm(pid).equals("sleep"));
            Procfs.awaitExecDone(pid);
            assertEquals(dir.toRealPath(), Procfs.cwd(pid), "chdir");
            // dash exports PWD to what it runs; the rest is exactly execve's env.
            assertEquals(List.of("PATH=/usr/bin:/bin", "PROBE=yes", "PWD=" + dir.toRealPath()),
                    Procfs.environ(pid).stream().sorted().toList());
            assertEquals("0000000000000000", Procfs.status("/proc/" + pid + "/status", "SigBlk"));
            assertEquals("0000000000000000", Procfs.status("/proc/" + pid + "/status", "SigIgn"));
            assertOnlyStdio(pid);
        }
    }

    @Test
    void chdirFailureSaysWhy() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> PosixExec.chdir(dir.resolve("missing")));
        assertTrue(e.getCause() instanceof NoSuchFileException, e.toString());
    }

    @Test
    void signalNames() {
        assertEquals(15, PosixSignals.signalNumber("TERM"));
        assertEquals(15, PosixSignals.signalNumber("SIGTERM"));
        assertEquals(2, PosixSignals.signalNumber("int"));
        assertEquals(9, PosixSignals.signalNumber("9"));
        assertEquals(10, PosixSignals.signalNumber("USR1"));
        assertEquals(28, PosixSignals.signalNumber("WINCH"));
        assertThrows(IllegalArgumentException.class, () -> PosixSignals.signalNumber("NOPE"));
        assertThrows(IllegalArgumentException.class, () -> PosixSignals.signalNumber("0"));
        assertThrows(IllegalArgumentException.class, () -> PosixSignals.signalNumber("65"));
    }

    /** PosixProbe in a JVM of its own, its stdout read line by line, killed on close if still running. */
    private record Probe(Process process, BufferedReader out, Path stderr) implements AutoCloseable {
        static Probe start(Path dir, String... args) throws IOException {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"),
                    PosixProbe.class.getName()));
            command.addAll(List.of(args));
            Path stderr = Files.createTempFile(dir, "probe-", ".stderr");
            Process process = new ProcessBuilder(command)
                    .redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
            return new Probe(process, process.inputReader(StandardCharsets.UTF_8), stderr);
        }

        long pid() {
            return process.pid();
        }

        String line() throws Exception {
            ExecutorService reader = Executors.newSingleThreadExecutor();
            try {
                String line = reader.submit(out::readLine).get(60, TimeUnit.SECONDS);
                if (line == null) {
                    throw new AssertionError("probe ended (exit " + exitCode() + "); stderr:\n" + Files.readString(stderr));
                }
                return line;
            } finally {
                reader.shutdownNow();
            }
        }

        int exitCode() throws InterruptedException {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("probe still running");
            }
            return process.exitValue();
        }

        @Override
        public void close() throws Exception {
            process.destroyForcibly();
            process.waitFor(60, TimeUnit.SECONDS);
            out.close();
        }
    }

    private static Path executable(Path file, String content) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
