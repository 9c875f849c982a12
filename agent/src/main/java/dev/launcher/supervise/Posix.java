package dev.launcher.supervise;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.fs.FileNames;
import dev.launcher.fs.NativeFiles;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import sun.misc.Signal;

/**
 * The POSIX calls a PID 1 supervisor needs that the JDK does not offer, through the FFM API (no JNI,
 * no native library of ours). Linux only; written against glibc (≥ 2.29 for spawn) and checked on
 * x86_64. The constants and layouts used are the same on aarch64 (see the note at each); the one
 * that differs, the rt_sigaction syscall number, is chosen by os.arch.
 *
 * <p>Every method is safe from any thread: the only state is the method handles, created once;
 * each call allocates its native memory in its own confined arena and reads errno from the
 * call's own captured state. Calls that can block ({@link #peekExited(boolean) peekExited(true)})
 * should run on a platform thread: a virtual thread would pin its carrier for as long as it waits.
 *
 * <p><b>How a command is found</b> ({@link #spawn} and {@link #execve}), as a shell does it: a
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
public final class Posix {
    /** glibc's PATH when the environment has none (confstr(_CS_PATH)), as execvp uses it. */
    static final String DEFAULT_PATH = "/bin:/usr/bin";

    // errno values: Linux's generic numbering, identical on x86_64 and aarch64.
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int ESRCH = 3;
    static final int EINTR = 4;
    static final int ENOEXEC = 8;
    static final int EBADF = 9;
    static final int ECHILD = 10;
    static final int EACCES = 13;
    static final int ENOTDIR = 20;
    static final int EISDIR = 21;
    static final int EINVAL = 22;
    static final int ENOSYS = 38;

    private static final int SIGKILL = 9;
    private static final int SIGSTOP = 19;
    /** Signals are 1..64 on Linux (_NSIG - 1). */
    private static final int MAX_SIGNAL = 64;
    /**
     * glibc keeps 32 (SIGCANCEL) and 33 (SIGSETXID) for itself: sigaddset and sigaction refuse them.
     * Yet glibc's posix_spawn sets them to SIG_IGN in the child unless they are in the SETSIGDEF set,
     * and SIG_IGN survives exec: every program posix_spawn'd by a glibc process (the JDK's
     * ProcessBuilder children included) starts with them ignored. To other programs they are
     * ordinary realtime signals, so we reset them too.
     */
    private static final long GLIBC_INTERNAL_SIGNALS = 1L << (32 - 1) | 1L << (33 - 1);

    // <sys/wait.h>, <spawn.h>, <sys/prctl.h>, <fcntl.h>, <signal.h>: same values on x86_64 and aarch64.
    private static final int P_ALL = 0;
    private static final int P_PID = 1;
    private static final int WNOHANG = 1;
    private static final int WEXITED = 4;
    private static final int WNOWAIT = 0x0100_0000;
    private static final int CLD_EXITED = 1;
    private static final int CLD_KILLED = 2;
    private static final int CLD_DUMPED = 3;
    private static final short POSIX_SPAWN_SETPGROUP = 0x02;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final int PR_SET_CHILD_SUBREAPER = 36;
    private static final int PR_GET_CHILD_SUBREAPER = 37;
    private static final int SIG_BLOCK = 0;
    private static final int SIG_SETMASK = 2;
    private static final int F_SETFD = 2;
    private static final int FD_CLOEXEC = 1;
    private static final int CLOSE_RANGE_CLOEXEC = 1 << 2;
    private static final long SIG_DFL = 0;
    private static final long SIG_IGN = 1;
    /**
     * The rt_sigaction syscall number, per architecture (glibc's sigaction refuses signals 32 and 33).
     * The kernel's struct sigaction starts with the handler on all of these; sa_flags 0 and an empty
     * sa_mask, that is a zeroed struct with just the handler set, is valid for SIG_DFL and SIG_IGN.
     */
    private static final long SYS_RT_SIGACTION = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 13;
        case "aarch64", "riscv64", "loongarch64" -> 134; // asm-generic numbering
        case "ppc64le", "ppc64" -> 173;
        case "s390x" -> 174;
        default -> -1;
    };
    /** The kernel's sigset_t for rt_sigaction: 64 signals, 8 bytes. */
    private static final long KERNEL_SIGSET_BYTES = 8;
    private static final long KERNEL_SIGACTION_BYTES = 64;

    /*
     * Sizes of opaque glibc types, over-allocated and zeroed: sizeof(posix_spawnattr_t) = 336 and
     * sizeof(posix_spawn_file_actions_t) = 80 on x86_64 and aarch64 (musl: smaller); sigset_t is
     * 128 bytes (1024 bits) in glibc and musl on every architecture.
     * A sigset_t is an array of unsigned longs, signal n being bit (n - 1) % 64 of word (n - 1) / 64.
     */
    private static final long SPAWN_ATTR_BYTES = 1024;
    private static final long FILE_ACTIONS_BYTES = 1024;
    private static final long SIGSET_BYTES = 128;
    /*
     * siginfo_t is 128 bytes; for SIGCHLD on Linux's generic layout (x86_64, aarch64, riscv64; not
     * MIPS, which swaps si_code and si_errno): si_signo@0, si_errno@4, si_code@8, then the union at
     * 16 (8-byte aligned): si_pid@16, si_uid@20, si_status@24. Checked with offsetof on x86_64.
     */
    private static final long SIGINFO_BYTES = 128;
    private static final long SI_CODE = 8;
    private static final long SI_PID = 16;
    private static final long SI_STATUS = 24;
    private static final long PATH_MAX = 4096;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle KILL = errnoHandle("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    /** waitid(idtype_t, id_t, siginfo_t *, int): both the enum and id_t (unsigned) are 32 bits. */
    private static final MethodHandle WAITID = errnoHandle("waitid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

    /*
     * Linking a downcall costs a few milliseconds at start, many more in an interpreter (the supervising JVM runs
     * -Xint): each group below is linked on first use (a holder class is initialised when first touched), so a
     * supervisor that only waits and forwards never links spawn's dozen calls.
     */
    /**
     * Links what spawning the app needs (and the subreaper call): about 60 ms in all, the first downcall alone 40,
     * which a caller can spend on a thread of its own while the app dir is prepared.
     */
    static void linkSpawnCalls() {
        // Reading a holder's field initialises the holder, which links its calls.
        Objects.requireNonNull(SubreaperCalls.PRCTL);
        Objects.requireNonNull(SpawnCalls.POSIX_SPAWN);
        Objects.requireNonNull(SignalSets.SIGFILLSET);
    }

    private static final class SubreaperCalls {
        /** int prctl(int option, ...): the four unsigned longs are variadic. */
        private static final MethodHandle PRCTL = LINKER.downcallHandle(LIBC.findOrThrow("prctl"),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO);
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

    private static final class SignalSets {
        private static final MethodHandle SIGEMPTYSET = handle("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        private static final MethodHandle SIGFILLSET = handle("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        private static final MethodHandle SIGDELSET = handle("sigdelset", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }

    /*
     * Linking a downcall generates a stub class, about 5 ms each at start. These are used only by exec mode
     * or to describe an error, so they are linked on first use (a holder class is initialised when first
     * touched) instead of on every container start.
     */
    private static final class DescriptorCalls {
        private static final MethodHandle DUP2 = errnoHandle("dup2", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class DirectoryCalls {
        private static final MethodHandle CHDIR = errnoHandle("chdir", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private static final class ExecCalls {
        private static final MethodHandle GETCWD = errnoHandle("getcwd", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG));
        private static final MethodHandle EXECVE = errnoHandle("execve",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        /** Returns the error number instead of setting errno. */
        private static final MethodHandle PTHREAD_SIGMASK = handle("pthread_sigmask",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        private static final MethodHandle SIGADDSET = handle("sigaddset", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        /** long syscall(long number, ...), for rt_sigaction(sig, act, oldact, sigsetsize). */
        private static final MethodHandle SYSCALL_RT_SIGACTION = LINKER.downcallHandle(LIBC.findOrThrow("syscall"),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG),
                Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO);
        /** glibc ≥ 2.34 (Linux ≥ 5.11 for the flag); null elsewhere: we then fcntl each fd in /proc/self/fd. */
        private static final MethodHandle CLOSE_RANGE = optionalErrnoHandle("close_range",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        /** int fcntl(int fd, int cmd, ...): the argument is variadic. */
        private static final MethodHandle FCNTL = LINKER.downcallHandle(LIBC.findOrThrow("fcntl"),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(2), CAPTURE_ERRNO);
    }

    private static final class ErrorText {
        private static final MethodHandle STRERROR = handle("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private Posix() {}

    /** Our process id (1 in a container where we are the entrypoint); the JDK's, which needs no downcall stub. */
    public static int getpid() {
        return (int) ProcessHandle.current().pid();
    }

    /**
     * kill(2): sends {@code sig} to {@code pid}, to every process of group {@code -pid} when
     * negative, to our own group when 0 (and to every process we may signal when -1). Signal 0
     * only checks for existence.
     *
     * @return true if sent (also to a zombie: a child exists until reaped), false if no such
     *     process or group exists (ESRCH)
     * @throws IllegalStateException if the kernel refused (EPERM, or EINVAL for a bad signal)
     */
    public static boolean kill(long pid, int sig) {
        int errno = killErrno(pid, sig);
        if (errno == 0) {
            return true;
        }
        if (errno == ESRCH) {
            return false;
        }
        throw new IllegalStateException("kill(" + pid + ", " + sig + ") failed: " + describe(errno));
    }

    /**
     * Whether any process is left in group {@code pgid}, zombies included (until reaped): kill(-pgid, 0)
     * succeeds or fails with EPERM (exists, but not ours to signal).
     */
    public static boolean processGroupAlive(long pgid) {
        if (pgid <= 1) {
            // kill(-1, 0) would ask about every process, not about group 1.
            throw new IllegalArgumentException("not a process group id: " + pgid);
        }
        int errno = killErrno(-pgid, 0);
        if (errno == 0 || errno == EPERM) {
            return true;
        }
        if (errno == ESRCH) {
            return false;
        }
        throw new IllegalStateException("kill(" + -pgid + ", 0) failed: " + describe(errno));
    }

    private static int killErrno(long pid, int sig) {
        int target = toPid(pid);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int result = call("kill", () -> (int) KILL.invokeExact(state, target, sig));
            return result == 0 ? 0 : errno(state);
        }
    }

    /**
     * prctl(PR_SET_CHILD_SUBREAPER, 1): orphans among our descendants become our children (and
     * ours to reap) instead of init's. It is a process attribute, so any thread may set it.
     *
     * @throws IllegalStateException if the kernel refuses
     */
    public static void becomeChildSubreaper() {
        setChildSubreaper(true);
    }

    static void setChildSubreaper(boolean on) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long value = on ? 1 : 0;
            int result = call("prctl", () -> (int) SubreaperCalls.PRCTL.invokeExact(state, PR_SET_CHILD_SUBREAPER, value, 0L, 0L, 0L));
            if (result != 0) {
                throw new IllegalStateException("prctl(PR_SET_CHILD_SUBREAPER, " + value + ") failed: " + describe(errno(state)));
            }
        }
    }

    static boolean isChildSubreaper() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment flag = arena.allocate(JAVA_INT);
            long address = flag.address();
            int result = call("prctl", () -> (int) SubreaperCalls.PRCTL.invokeExact(state, PR_GET_CHILD_SUBREAPER, address, 0L, 0L, 0L));
            if (result != 0) {
                throw new IllegalStateException("prctl(PR_GET_CHILD_SUBREAPER) failed: " + describe(errno(state)));
            }
            return flag.get(JAVA_INT, 0) != 0;
        }
    }

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
        MemorySegment empty = emptySignalSet(arena);
        check("posix_spawnattr_setsigmask", call("posix_spawnattr_setsigmask",
                () -> (int) SpawnCalls.ATTR_SETSIGMASK.invokeExact(attr, empty)));
        // sigfillset leaves out glibc's internal signals 32 and 33; KILL and STOP cannot be changed anyway.
        MemorySegment all = fullSignalSet(arena);
        for (int sig : new int[] {SIGKILL, SIGSTOP}) {
            check("sigdelset", zeroOrEinval(call("sigdelset", () -> (int) SignalSets.SIGDELSET.invokeExact(all, sig))));
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

    /**
     * waitid(P_ALL, 0, WEXITED | WNOWAIT): the first child found that has exited, left a zombie
     * (not reaped: call {@link #reap} with its pid). While a peeked child stays unreaped, every peek
     * finds it again, and a blocking peek returns at once. Children the JDK started (ProcessBuilder)
     * are found too; reaping one takes its exit status away from the JDK, whose Process then
     * reports a made-up one.
     *
     * @param block wait until some child exits; otherwise return empty if none has exited yet
     * @return empty if no child has exited yet (not blocking), or if we have no children at all (ECHILD)
     */
    public static Optional<ChildExit> peekExited(boolean block) {
        return waitid(P_ALL, 0, WEXITED | WNOWAIT | (block ? 0 : WNOHANG));
    }

    /**
     * waitid(P_PID, pid, WEXITED | WNOWAIT | WNOHANG): whether child {@code pid} has exited, without reaping it.
     *
     * @return empty if it has not exited yet, or is not our child (ECHILD: never was, or already reaped)
     */
    public static Optional<ChildExit> peekExited(long pid) {
        return waitid(P_PID, toChildPid(pid), WEXITED | WNOWAIT | WNOHANG);
    }

    private static Optional<ChildExit> waitid(int idType, int id, int options) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment info = arena.allocate(SIGINFO_BYTES, 8);
            while (true) {
                // With WNOHANG and nothing to report waitid returns 0 and leaves siginfo alone: si_pid 0 says "none".
                info.fill((byte) 0);
                int result = call("waitid", () -> (int) WAITID.invokeExact(state, idType, id, info, options));
                if (result == 0) {
                    return childExit(info);
                }
                int errno = errno(state);
                if (errno == ECHILD) {
                    return Optional.empty();
                }
                if (errno != EINTR) {
                    throw new IllegalStateException("waitid(" + idType + ", " + id + ") failed: " + describe(errno));
                }
            }
        }
    }

    private static Optional<ChildExit> childExit(MemorySegment info) {
        int pid = info.get(JAVA_INT, SI_PID);
        if (pid == 0) {
            return Optional.empty();
        }
        int code = info.get(JAVA_INT, SI_CODE);
        int status = info.get(JAVA_INT, SI_STATUS);
        return switch (code) {
            case CLD_EXITED -> Optional.of(new ChildExit(pid, false, status & 0xff));
            case CLD_KILLED, CLD_DUMPED -> Optional.of(new ChildExit(pid, true, status));
            default -> throw new IllegalStateException("waitid reported si_code " + code + " for pid " + pid
                    + " though only exits were asked for");
        };
    }

    /**
     * waitid(P_PID, pid, WEXITED | WNOHANG): reaps child {@code pid} if it has exited, so its pid may be reused.
     * (waitid rather than waitpid: one downcall shape less to link at every start.)
     *
     * @return empty if it has not exited yet, or is not our child (ECHILD: never was, or already reaped)
     */
    public static Optional<ChildExit> reap(long pid) {
        return waitid(P_PID, toChildPid(pid), WEXITED | WNOHANG);
    }

    /**
     * chdir(2) for the whole process, meant for just before {@link #execve}: the JVM's own idea of
     * the current directory (user.dir, {@code Path.toAbsolutePath}) does not follow.
     *
     * @throws UncheckedIOException wrapping NoSuchFileException, NotDirectoryException,
     *     AccessDeniedException or FileSystemException
     */
    public static void chdir(Path dir) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment path = NativeFiles.cPath(arena, dir);
            int result = call("chdir", () -> (int) DirectoryCalls.CHDIR.invokeExact(state, path));
            if (result != 0) {
                int errno = errno(state);
                String file = dir.toString();
                String reason = "chdir: " + describe(errno);
                throw new UncheckedIOException(switch (errno) {
                    case ENOENT -> new NoSuchFileException(file, null, reason);
                    case ENOTDIR -> new NotDirectoryException(file);
                    case EACCES -> new AccessDeniedException(file, null, reason);
                    default -> new FileSystemException(file, null, reason);
                });
            }
        }
    }

    /**
     * Replaces this process (the whole JVM, every thread) by {@code program}; the pid stays. The
     * program is found from the process's current directory (see {@link #chdir}) and {@code env}'s
     * PATH (see the class comment, which also says what the new program inherits). System.out and
     * System.err are flushed first. If execve fails, the process is as before, except that every
     * descriptor above 2 is now close-on-exec.
     *
     * @throws LauncherException 127 if the program does not exist, 126 if it cannot be executed
     */
    public static void execve(String program, List<String> argv, Map<String, String> env) {
        execve(program, argv, RawEnvironment.ofText(env));
    }

    /** As {@link #execve(String, List, Map)}, handing the program exactly these environment entries. */
    public static void execve(String program, List<String> argv, RawEnvironment env) {
        exec(program, argv, env, false);
    }

    /**
     * As {@link #execve(String, List, RawEnvironment)}, but every catchable signal is blocked across the exec, and
     * one that arrives meanwhile stays pending: for a program that takes them from the queue ({@link SignalWait}), so
     * that none is lost, or kills the process, while the new program starts.
     */
    static void execveHoldingSignals(String program, List<String> argv, RawEnvironment env) {
        exec(program, argv, env, true);
    }

    private static void exec(String program, List<String> argv, RawEnvironment env, boolean holdSignals) {
        checkArgv(argv);
        String command = checkNul(program);
        Path cwd = currentDirectory();
        Path resolved = resolve(command, cwd, env);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment path = NativeFiles.cPath(arena, resolved);
            MemorySegment argvArray = stringArray(arena, argv);
            MemorySegment envp = environment(arena, env);
            System.out.flush();
            System.err.flush();
            markDescriptorsCloseOnExec();
            MemorySegment savedMask = arena.allocate(SIGSET_BYTES, 8);
            MemorySegment mask = holdSignals ? fullSignalSet(arena) : emptySignalSet(arena);
            check("pthread_sigmask", call("pthread_sigmask",
                    () -> (int) ExecCalls.PTHREAD_SIGMASK.invokeExact(SIG_SETMASK, mask, savedMask)));
            List<Integer> wereIgnored = resetIgnoredSignals(arena);
            int result = call("execve", () -> (int) ExecCalls.EXECVE.invokeExact(state, path, argvArray, envp));
            int errno = errno(state);
            // Still here: put the JVM back as it was.
            for (int sig : wereIgnored) {
                rtSigaction(arena, sig, SIG_IGN, MemorySegment.NULL);
            }
            call("pthread_sigmask", () -> (int) ExecCalls.PTHREAD_SIGMASK.invokeExact(SIG_SETMASK, savedMask, MemorySegment.NULL));
            throw execFailure(command, resolved, cwd, result == -1 ? errno : EINVAL);
        }
    }

    /** Sets every ignored signal to its default action; returns those it changed. */
    private static List<Integer> resetIgnoredSignals(Arena arena) {
        if (SYS_RT_SIGACTION < 0) {
            throw new UnsupportedOperationException("execve does not know the rt_sigaction syscall number for "
                    + System.getProperty("os.arch"));
        }
        List<Integer> changed = new ArrayList<>();
        MemorySegment old = arena.allocate(KERNEL_SIGACTION_BYTES, 8);
        for (int sig = 1; sig <= MAX_SIGNAL; sig++) {
            if (sig == SIGKILL || sig == SIGSTOP) {
                continue;
            }
            old.fill((byte) 0);
            if (rtSigaction(arena, sig, null, old) && old.get(ADDRESS, 0).address() == SIG_IGN) {
                if (!rtSigaction(arena, sig, SIG_DFL, MemorySegment.NULL)) {
                    throw new IllegalStateException("cannot reset signal " + sig + " to its default action");
                }
                changed.add(sig);
            }
        }
        return changed;
    }

    /** rt_sigaction(sig, handler ? {handler, no flags, empty mask} : NULL, old); false if the kernel refused. */
    private static boolean rtSigaction(Arena arena, int sig, Long handler, MemorySegment old) {
        MemorySegment state = arena.allocate(CALL_STATE);
        MemorySegment act = MemorySegment.NULL;
        if (handler != null) {
            act = arena.allocate(KERNEL_SIGACTION_BYTES, 8);
            act.set(JAVA_LONG, 0, handler);
        }
        MemorySegment newAction = act;
        long result = call("rt_sigaction", () -> (long) ExecCalls.SYSCALL_RT_SIGACTION.invokeExact(
                state, SYS_RT_SIGACTION, (long) sig, newAction, old, KERNEL_SIGSET_BYTES));
        return result == 0;
    }

    private static void markDescriptorsCloseOnExec() {
        if (ExecCalls.CLOSE_RANGE != null) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(CALL_STATE);
                int result = call("close_range", () -> (int) ExecCalls.CLOSE_RANGE.invokeExact(state, 3, -1, CLOSE_RANGE_CLOEXEC));
                if (result == 0) {
                    return;
                }
                int errno = errno(state);
                if (errno != ENOSYS && errno != EINVAL) {
                    throw new IllegalStateException("close_range(3, ~0, CLOSE_RANGE_CLOEXEC) failed: " + describe(errno));
                }
                // Kernel older than 5.11: do it one by one.
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            for (int fd : openDescriptors()) {
                int result = call("fcntl", () -> (int) ExecCalls.FCNTL.invokeExact(state, fd, F_SETFD, FD_CLOEXEC));
                if (result != 0 && errno(state) != EBADF) {
                    throw new IllegalStateException("fcntl(" + fd + ", F_SETFD, FD_CLOEXEC) failed: " + describe(errno(state)));
                }
            }
        }
    }

    /** Our descriptors above 2, from /proc/self/fd (one of them the listing's own, closed by then). */
    private static List<Integer> openDescriptors() {
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            return entries.map(entry -> Integer.parseInt(entry.getFileName().toString())).filter(fd -> fd > 2).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc/self/fd", e);
        }
    }

    private static Path currentDirectory() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment buffer = arena.allocate(PATH_MAX);
            MemorySegment result = call("getcwd", () -> (MemorySegment) ExecCalls.GETCWD.invokeExact(state, buffer, PATH_MAX));
            if (result.address() == 0) {
                throw new IllegalStateException("getcwd failed: " + describe(errno(state)));
            }
            // The bytes as they are (one char per byte): a directory name need not be text in the JVM's charset.
            String raw = buffer.getString(0, StandardCharsets.ISO_8859_1);
            return FileNames.resolve(Path.of("/"), raw.substring(1));
        }
    }

    /**
     * Points this process's stdout at its stderr (dup2(2, 1)). The supervising JVM never writes to stdout, but
     * HotSpot prints a fatal error's report there, and stdout is the app's; its copy of the descriptor is its own.
     */
    static void stdoutToStderr() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            if ((int) call("dup2", () -> (int) DescriptorCalls.DUP2.invokeExact(state, 2, 1)) < 0) {
                throw new IllegalStateException("dup2(2, 1) failed: " + describe(errno(state)));
            }
        }
    }

    /**
     * The signal number for a name as {@code kill -l} spells it, with or without "SIG", any case,
     * or a number ("TERM", "SIGTERM", "term", "15" → 15).
     *
     * @throws IllegalArgumentException for a name this platform does not know
     */
    public static int signalNumber(String name) {
        String upper = name.strip().toUpperCase(Locale.ROOT);
        String bare = upper.startsWith("SIG") ? upper.substring(3) : upper;
        if (!bare.isEmpty() && bare.chars().allMatch(Character::isDigit)) {
            int number = bare.length() > 3 ? -1 : Integer.parseInt(bare);
            if (number < 1 || number > MAX_SIGNAL) {
                throw new IllegalArgumentException("no signal number " + name + " (1.." + MAX_SIGNAL + ")");
            }
            return number;
        }
        try {
            return new Signal(bare).getNumber();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown signal '" + name + "'", e);
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

    /** "No such file or directory (ENOENT)" for the errno values we name, else strerror's text and the number. */
    static String describe(int errno) {
        String name = switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case ESRCH -> "ESRCH";
            case EINTR -> "EINTR";
            case ENOEXEC -> "ENOEXEC";
            case EBADF -> "EBADF";
            case ECHILD -> "ECHILD";
            case EACCES -> "EACCES";
            case ENOTDIR -> "ENOTDIR";
            case EISDIR -> "EISDIR";
            case EINVAL -> "EINVAL";
            case ENOSYS -> "ENOSYS";
            default -> "errno " + errno;
        };
        // glibc's strerror is thread-safe since 2.32 (and returns a static string for known errors).
        MemorySegment text = call("strerror", () -> (MemorySegment) ErrorText.STRERROR.invokeExact(errno));
        return (text.address() == 0 ? "unknown error" : text.reinterpret(1024).getString(0)) + " (" + name + ")";
    }

    /**
     * Runs {@code nativeCall} with {@code sig} blocked in this thread only, and the mask as it was afterwards: the
     * terminal calls need SIGTTOU blocked to act from a process group that is not the terminal's foreground.
     */
    static <T> T withSignalBlocked(int sig, NativeCall<T> nativeCall) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = emptySignalSet(arena);
            check("sigaddset", zeroOrEinval(call("sigaddset", () -> (int) ExecCalls.SIGADDSET.invokeExact(set, sig))));
            MemorySegment saved = arena.allocate(SIGSET_BYTES, 8);
            check("pthread_sigmask", call("pthread_sigmask",
                    () -> (int) ExecCalls.PTHREAD_SIGMASK.invokeExact(SIG_BLOCK, set, saved)));
            try {
                return call("a call with signal " + sig + " blocked", nativeCall);
            } finally {
                call("pthread_sigmask", () -> (int) ExecCalls.PTHREAD_SIGMASK.invokeExact(SIG_SETMASK, saved, MemorySegment.NULL));
            }
        }
    }

    private static MemorySegment emptySignalSet(Arena arena) {
        MemorySegment set = arena.allocate(SIGSET_BYTES, 8);
        check("sigemptyset", zeroOrEinval(call("sigemptyset", () -> (int) SignalSets.SIGEMPTYSET.invokeExact(set))));
        return set;
    }

    /** Every signal but glibc's 32 and 33 (KILL and STOP cannot be blocked: the kernel leaves them out). */
    private static MemorySegment fullSignalSet(Arena arena) {
        MemorySegment set = arena.allocate(SIGSET_BYTES, 8);
        check("sigfillset", zeroOrEinval(call("sigfillset", () -> (int) SignalSets.SIGFILLSET.invokeExact(set))));
        return set;
    }

    /** A NULL-terminated char *[] for argv or envp, living as long as {@code arena}. */
    private static MemorySegment stringArray(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(ADDRESS, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(checkNul(strings.get(i))));
        }
        array.setAtIndex(ADDRESS, strings.size(), MemorySegment.NULL);
        return array;
    }

    /** The entries byte for byte: each char of a raw entry is one byte. */
    private static MemorySegment environment(Arena arena, RawEnvironment env) {
        List<String> entries = env.entries();
        MemorySegment array = arena.allocate(ADDRESS, entries.size() + 1L);
        for (int i = 0; i < entries.size(); i++) {
            array.setAtIndex(ADDRESS, i, NativeFiles.cString(arena, FileNames.bytes(checkNul(entries.get(i)))));
        }
        array.setAtIndex(ADDRESS, entries.size(), MemorySegment.NULL);
        return array;
    }

    private static void checkArgv(List<String> argv) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv is empty: it needs at least the command");
        }
    }

    private static String checkNul(String s) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("NUL character in '" + s.replace('\0', '@') + "'");
        }
        return s;
    }

    private static int toPid(long pid) {
        if (pid != (int) pid) {
            // Truncating would signal some other pid, or (for 1L << 32) our whole group.
            throw new IllegalArgumentException("pid out of range: " + pid);
        }
        return (int) pid;
    }

    /** Only a positive pid names one child: waitpid(-1 or 0) would reap any child. */
    private static int toChildPid(long pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("not a child pid: " + pid);
        }
        return toPid(pid);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** sigemptyset and friends return 0 or -1 (EINVAL only for a bad signal number). */
    private static int zeroOrEinval(int result) {
        return result == 0 ? 0 : EINVAL;
    }

    private static void check(String function, int error) {
        if (error != 0) {
            throw new IllegalStateException(function + " failed: " + describe(error));
        }
    }

    @FunctionalInterface
    interface NativeCall<T> {
        T invoke() throws Throwable;
    }

    private static <T> T call(String function, NativeCall<T> nativeCall) {
        try {
            return nativeCall.invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(function + " failed", e);
        }
    }

    static MethodHandle handle(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIBC.findOrThrow(name), descriptor);
    }

    private static MethodHandle errnoHandle(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIBC.findOrThrow(name), descriptor, CAPTURE_ERRNO);
    }

    private static MethodHandle optionalHandle(String name, FunctionDescriptor descriptor) {
        return LIBC.find(name).map(symbol -> LINKER.downcallHandle(symbol, descriptor)).orElse(null);
    }

    private static MethodHandle optionalErrnoHandle(String name, FunctionDescriptor descriptor) {
        return LIBC.find(name).map(symbol -> LINKER.downcallHandle(symbol, descriptor, CAPTURE_ERRNO)).orElse(null);
    }
}
