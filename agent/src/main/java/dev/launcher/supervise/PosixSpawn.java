package dev.launcher.supervise;

import static dev.launcher.supervise.Posix.EACCES;
import static dev.launcher.supervise.Posix.EBADF;
import static dev.launcher.supervise.Posix.EISDIR;
import static dev.launcher.supervise.Posix.ENOENT;
import static dev.launcher.supervise.Posix.ENOEXEC;
import static dev.launcher.supervise.Posix.EPERM;
import static dev.launcher.supervise.Posix.call;
import static dev.launcher.supervise.Posix.check;
import static dev.launcher.supervise.Posix.checkArgv;
import static dev.launcher.supervise.Posix.describe;
import static dev.launcher.supervise.Posix.environment;
import static dev.launcher.supervise.Posix.handle;
import static dev.launcher.supervise.Posix.openDescriptors;
import static dev.launcher.supervise.Posix.optionalHandle;
import static dev.launcher.supervise.Posix.stringArray;
import static dev.launcher.supervise.Posix.zeroOrEinval;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.fs.FileNames;
import dev.launcher.fs.NativeFiles;
import java.io.File;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Starting a program as our child, through posix_spawn (see {@link Posix} for what the Posix* classes share).
 *
 * <p><b>How a command is found</b> ({@link #spawn} and {@link PosixExec#execve}), as a shell does it: a
 * command containing '/' is a path, relative to the working directory; any other name is searched
 * on the PATH of the environment the program will get (not ours: {@code posix_spawnp} and
 * {@code execvp} would search the caller's PATH), relative entries and the empty entry taken from
 * the working directory, the first executable regular file winning. Without PATH in that
 * environment the search uses {@value #DEFAULT_PATH}, glibc's default. The resolved path then goes
 * to {@code posix_spawn}/{@code execve}, so both behave the same and the error says what was
 * tried. Unlike {@code execvp}, a file without a {@code #!} line that the kernel refuses
 * (ENOEXEC) is not retried with /bin/sh: it fails with 126.
 *
 * <p><b>What the new program gets</b>: the given argv and exactly the given environment;
 * stdin, stdout and stderr as ours; no other file descriptor (the JVM opens jars, sockets and
 * pipes without O_CLOEXEC, and a leaked pipe end would keep a reader from seeing EOF); an empty
 * signal mask and every signal at its default action, realtime ones and glibc's 32 and 33
 * included (the JVM blocks SIGQUIT in its threads, and a signal ignored here would stay ignored
 * after exec: a child with SIGTERM blocked or ignored would shrug off {@code docker stop}).
 */
public final class PosixSpawn {
    /** glibc's PATH when the environment has none (confstr(_CS_PATH)), as execvp uses it. */
    static final String DEFAULT_PATH = "/bin:/usr/bin";

    /**
     * glibc keeps 32 (SIGCANCEL) and 33 (SIGSETXID) for itself: sigaddset and sigaction refuse them.
     * Yet glibc's posix_spawn sets them to SIG_IGN in the child unless they are in the SETSIGDEF set,
     * and SIG_IGN survives exec: every program posix_spawn'd by a glibc process (the JDK's
     * ProcessBuilder children included) starts with them ignored. To other programs they are
     * ordinary realtime signals, so we reset them too.
     */
    private static final long GLIBC_INTERNAL_SIGNALS = 1L << (32 - 1) | 1L << (33 - 1);

    // <spawn.h>: same values on x86_64 and aarch64.
    private static final short POSIX_SPAWN_SETPGROUP = 0x02;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;

    /*
     * Sizes of opaque glibc types, over-allocated and zeroed: sizeof(posix_spawnattr_t) = 336 and
     * sizeof(posix_spawn_file_actions_t) = 80 on x86_64 and aarch64 (musl: smaller).
     */
    private static final long SPAWN_ATTR_BYTES = 1024;
    private static final long FILE_ACTIONS_BYTES = 1024;

    /**
     * Links what spawning the app needs (and the subreaper call): about 60 ms in all, the first downcall alone 40,
     * which a caller can spend on a thread of its own while the app dir is prepared.
     */
    static void linkCalls() {
        Posix.linkSubreaperCalls();
        // Reading a holder's field initialises the holder, which links its calls.
        Objects.requireNonNull(SpawnCalls.POSIX_SPAWN);
        PosixSignals.linkSignalSets();
    }

    private static final class SpawnCalls {
        /** posix_spawn returns the error number instead of setting errno. */
        private static final MethodHandle POSIX_SPAWN = handle("posix_spawn",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        private static final MethodHandle ATTR_INIT = handle("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        private static final MethodHandle ATTR_DESTROY = handle("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        /*
         * The flags are a C short, passed as an int: the values fit, both ABIs we run on widen a short argument
         * to a full register, and the (pointer, int) shape shares its stub with setpgroup and sigdelset.
         */
        private static final MethodHandle ATTR_SETFLAGS = handle("posix_spawnattr_setflags",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        private static final MethodHandle ATTR_SETPGROUP = handle("posix_spawnattr_setpgroup",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        private static final MethodHandle ATTR_SETSIGMASK = handle("posix_spawnattr_setsigmask",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        private static final MethodHandle ATTR_SETSIGDEFAULT = handle("posix_spawnattr_setsigdefault",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        private static final MethodHandle ACTIONS_INIT = handle("posix_spawn_file_actions_init",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        private static final MethodHandle ACTIONS_DESTROY = handle("posix_spawn_file_actions_destroy",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        private static final MethodHandle ACTIONS_ADDCLOSE = handle("posix_spawn_file_actions_addclose",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        /** glibc ≥ 2.29, musl ≥ 1.1.24; null before: spawn then fails with a message saying so. */
        private static final MethodHandle ACTIONS_ADDCHDIR = optionalHandle("posix_spawn_file_actions_addchdir_np",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        /** glibc ≥ 2.34; null elsewhere: we then add one close action per descriptor listed in /proc/self/fd. */
        private static final MethodHandle ACTIONS_ADDCLOSEFROM = optionalHandle("posix_spawn_file_actions_addclosefrom_np",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }

    private PosixSpawn() {}

    /**
     * Starts {@code argv} as our child in {@code workDir} with exactly {@code env} (see the class
     * comment for how the command is found and what the child inherits), through posix_spawn.
     * glibc's posix_spawn waits (CLONE_VFORK) until the child has exec'd or failed to, and returns
     * the child's error, so a command that cannot run throws here rather than becoming a child
     * that exits 127.
     *
     * @param ownProcessGroup start the child as the leader of a new process group (its pgid is its
     *     pid), so that a signal to {@code -pid} reaches it and everything it starts
     * @return the child's pid
     * @throws LauncherException {@link ExitCode#COMMAND_NOT_FOUND} (127) if the command does not
     *     exist, {@link ExitCode#NOT_EXECUTABLE} (126) if it cannot be executed
     */
    public static long spawn(List<String> argv, Path workDir, Map<String, String> env, boolean ownProcessGroup) {
        return spawn(argv, workDir, RawEnvironment.ofText(env), ownProcessGroup);
    }

    /** As {@link #spawn(List, Path, Map, boolean)}, handing the child exactly these environment entries. */
    public static long spawn(List<String> argv, Path workDir, RawEnvironment env, boolean ownProcessGroup) {
        checkArgv(argv);
        Path dir = workDir.toAbsolutePath();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("working directory " + dir + " is not a directory");
        }
        if (SpawnCalls.ACTIONS_ADDCHDIR == null) {
            throw new UnsupportedOperationException(
                    "posix_spawn_file_actions_addchdir_np is missing: the launcher needs glibc 2.29 or later");
        }
        String command = argv.getFirst();
        Path program = resolve(command, dir, env);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = NativeFiles.cPath(arena, program);
            MemorySegment argvArray = stringArray(arena, argv);
            MemorySegment envp = environment(arena, env);
            MemorySegment pidOut = arena.allocate(JAVA_INT);
            MemorySegment attr = arena.allocate(SPAWN_ATTR_BYTES, 16);
            MemorySegment actions = arena.allocate(FILE_ACTIONS_BYTES, 16);
            check("posix_spawnattr_init", call("posix_spawnattr_init", () -> (int) SpawnCalls.ATTR_INIT.invokeExact(attr)));
            try {
                check("posix_spawn_file_actions_init",
                        call("posix_spawn_file_actions_init", () -> (int) SpawnCalls.ACTIONS_INIT.invokeExact(actions)));
                try {
                    configure(arena, attr, ownProcessGroup);
                    MemorySegment dirString = NativeFiles.cPath(arena, dir);
                    check("posix_spawn_file_actions_addchdir_np", call("posix_spawn_file_actions_addchdir_np",
                            () -> (int) SpawnCalls.ACTIONS_ADDCHDIR.invokeExact(actions, dirString)));
                    closeInheritedDescriptors(actions);
                    int error = call("posix_spawn",
                            () -> (int) SpawnCalls.POSIX_SPAWN.invokeExact(pidOut, path, actions, attr, argvArray, envp));
                    if (error != 0) {
                        throw execFailure(command, program, dir, error);
                    }
                    return pidOut.get(JAVA_INT, 0);
                } finally {
                    call("posix_spawn_file_actions_destroy", () -> (int) SpawnCalls.ACTIONS_DESTROY.invokeExact(actions));
                }
            } finally {
                call("posix_spawnattr_destroy", () -> (int) SpawnCalls.ATTR_DESTROY.invokeExact(attr));
            }
        }
    }

    /** Empty signal mask, every catchable signal (realtime ones too) at its default action, maybe a new group. */
    private static void configure(Arena arena, MemorySegment attr, boolean ownProcessGroup) {
        short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
        if (ownProcessGroup) {
            flags |= POSIX_SPAWN_SETPGROUP;
            check("posix_spawnattr_setpgroup", call("posix_spawnattr_setpgroup",
                    () -> (int) SpawnCalls.ATTR_SETPGROUP.invokeExact(attr, 0)));
        }
        int chosen = flags;
        check("posix_spawnattr_setflags", call("posix_spawnattr_setflags",
                () -> (int) SpawnCalls.ATTR_SETFLAGS.invokeExact(attr, chosen)));
        MemorySegment empty = PosixSignals.emptySignalSet(arena);
        check("posix_spawnattr_setsigmask", call("posix_spawnattr_setsigmask",
                () -> (int) SpawnCalls.ATTR_SETSIGMASK.invokeExact(attr, empty)));
        // sigfillset leaves out glibc's internal signals 32 and 33; KILL and STOP cannot be changed anyway.
        MemorySegment all = PosixSignals.fullSignalSet(arena);
        for (int sig : new int[] {PosixSignals.SIGKILL, PosixSignals.SIGSTOP}) {
            check("sigdelset", zeroOrEinval(call("sigdelset",
                    () -> (int) PosixSignals.SignalSets.SIGDELSET.invokeExact(all, sig))));
        }
        all.set(JAVA_LONG, 0, all.get(JAVA_LONG, 0) | GLIBC_INTERNAL_SIGNALS);
        check("posix_spawnattr_setsigdefault", call("posix_spawnattr_setsigdefault",
                () -> (int) SpawnCalls.ATTR_SETSIGDEFAULT.invokeExact(attr, all)));
    }

    /** Only 0, 1 and 2 go to the child: the JVM's descriptors are mostly not close-on-exec. */
    private static void closeInheritedDescriptors(MemorySegment actions) {
        if (SpawnCalls.ACTIONS_ADDCLOSEFROM != null) {
            check("posix_spawn_file_actions_addclosefrom_np", call("posix_spawn_file_actions_addclosefrom_np",
                    () -> (int) SpawnCalls.ACTIONS_ADDCLOSEFROM.invokeExact(actions, 3)));
            return;
        }
        for (int fd : openDescriptors()) {
            int error = call("posix_spawn_file_actions_addclose", () -> (int) SpawnCalls.ACTIONS_ADDCLOSE.invokeExact(actions, fd));
            if (error != 0 && error != EBADF) {
                check("posix_spawn_file_actions_addclose", error);
            }
        }
    }

    /** Where {@code command} is: see the class comment. Throws 127/126 when the PATH search finds nothing runnable. */
    static Path resolve(String command, Path dir, RawEnvironment env) {
        if (command.isEmpty()) {
            throw new LauncherException(ExitCode.COMMAND_NOT_FOUND, "command '' is empty: check RUNARGS");
        }
        if (command.contains("/")) {
            return FileNames.ofText(dir, command);
        }
        String pathVariable = env.text().getOrDefault("PATH", DEFAULT_PATH);
        Path notExecutable = null;
        for (String entry : pathVariable.split(File.pathSeparator, -1)) {
            Path candidate = FileNames.ofText(FileNames.ofText(dir, entry), command);
            if (Files.isRegularFile(candidate)) {
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
                if (notExecutable == null) {
                    notExecutable = candidate;
                }
            }
        }
        if (notExecutable != null) {
            // What execvp and a shell do when the only match cannot be executed: EACCES, 126.
            throw execFailure(command, notExecutable, dir, EACCES);
        }
        throw new LauncherException(ExitCode.COMMAND_NOT_FOUND, "command '" + command + "' not found on PATH="
                + pathVariable + " (relative entries from " + dir + "): check RUNARGS, or write ./" + command
                + " for a file in that directory");
    }

    /**
     * Maps a failed exec's errno to 127 or 126 as a shell does: ENOENT is 127 unless the file is
     * there (then its #! interpreter or ELF loader is missing: 126).
     */
    static LauncherException execFailure(String command, Path program, Path dir, int errno) {
        String what = "command '" + command + "'" + (program.toString().equals(command) ? "" : " (" + program + ")");
        return switch (errno) {
            case ENOENT -> Files.exists(program)
                    ? new LauncherException(ExitCode.NOT_EXECUTABLE, what + " cannot be executed: its interpreter (the #! line)"
                            + " or ELF loader does not exist: " + describe(errno) + ": check the first line of the file,"
                            + " or that the artifact was built for this platform")
                    : new LauncherException(ExitCode.COMMAND_NOT_FOUND, "command '" + command + "' not found in " + dir
                            + ": " + describe(errno) + ": check RUNARGS and the artifact's content");
            case EACCES, EPERM, EISDIR -> new LauncherException(ExitCode.NOT_EXECUTABLE, what + " in " + dir
                    + " is not an executable file: " + describe(errno)
                    + ": give it mode 0755 before pushing, or run it through its interpreter");
            case ENOEXEC -> new LauncherException(ExitCode.NOT_EXECUTABLE, what + " in " + dir
                    + " is not in a format this system can execute: " + describe(errno)
                    + ": start a script with a #! line, or check that the artifact was built for this platform");
            default -> new LauncherException(ExitCode.NOT_EXECUTABLE, what + " in " + dir + " cannot be executed: "
                    + describe(errno));
        };
    }
}
