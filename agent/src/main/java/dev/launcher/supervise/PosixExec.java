package dev.launcher.supervise;

import static dev.launcher.supervise.Posix.CALL_STATE;
import static dev.launcher.supervise.Posix.CAPTURE_ERRNO;
import static dev.launcher.supervise.Posix.EACCES;
import static dev.launcher.supervise.Posix.EBADF;
import static dev.launcher.supervise.Posix.EINVAL;
import static dev.launcher.supervise.Posix.ENOENT;
import static dev.launcher.supervise.Posix.ENOSYS;
import static dev.launcher.supervise.Posix.ENOTDIR;
import static dev.launcher.supervise.Posix.LIBC;
import static dev.launcher.supervise.Posix.LINKER;
import static dev.launcher.supervise.Posix.call;
import static dev.launcher.supervise.Posix.check;
import static dev.launcher.supervise.Posix.checkArgv;
import static dev.launcher.supervise.Posix.checkNul;
import static dev.launcher.supervise.Posix.describe;
import static dev.launcher.supervise.Posix.environment;
import static dev.launcher.supervise.Posix.errno;
import static dev.launcher.supervise.Posix.errnoHandle;
import static dev.launcher.supervise.Posix.handle;
import static dev.launcher.supervise.Posix.openDescriptors;
import static dev.launcher.supervise.Posix.optionalErrnoHandle;
import static dev.launcher.supervise.Posix.stringArray;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.launcher.error.LauncherException;
import dev.launcher.fs.FileNames;
import dev.launcher.fs.NativeFiles;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Replacing this process by another program, and the calls that prepare the process for it (see {@link Posix}
 * for what the Posix* classes share, {@link PosixSpawn} for how the program is found and what it gets).
 */
public final class PosixExec {
    // <fcntl.h>, <signal.h>: same values on x86_64 and aarch64.
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
    private static final long PATH_MAX = 4096;

    /*
     * Linking a downcall generates a stub class, about 5 ms each at start. These are used only by exec mode,
     * so they are linked on first use (a holder class is initialised when first touched) instead of on every
     * container start.
     */
    private static final class DescriptorCalls {
        private static final MethodHandle DUP2 = errnoHandle("dup2", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class DirectoryCalls {
        private static final MethodHandle CHDIR = errnoHandle("chdir", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    static final class ExecCalls {
        private static final MethodHandle GETCWD = errnoHandle("getcwd", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG));
        private static final MethodHandle EXECVE = errnoHandle("execve",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        /** Returns the error number instead of setting errno. */
        static final MethodHandle PTHREAD_SIGMASK = handle("pthread_sigmask",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle SIGADDSET = handle("sigaddset", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
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

    private PosixExec() {}

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
     * PATH (see {@link PosixSpawn}, whose class comment also says what the new program inherits).
     * System.out and System.err are flushed first. If execve fails, the process is as before, except
     * that every descriptor above 2 is now close-on-exec.
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
        Path resolved = PosixSpawn.resolve(command, cwd, env);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment path = NativeFiles.cPath(arena, resolved);
            MemorySegment argvArray = stringArray(arena, argv);
            MemorySegment envp = environment(arena, env);
            System.out.flush();
            System.err.flush();
            markDescriptorsCloseOnExec();
            MemorySegment savedMask = arena.allocate(PosixSignals.SIGSET_BYTES, 8);
            MemorySegment mask = holdSignals ? PosixSignals.fullSignalSet(arena) : PosixSignals.emptySignalSet(arena);
            check("pthread_sigmask", call("pthread_sigmask",
                    () -> (int) ExecCalls.PTHREAD_SIGMASK.invokeExact(PosixSignals.SIG_SETMASK, mask, savedMask)));
            List<Integer> wereIgnored = resetIgnoredSignals(arena);
            int result = call("execve", () -> (int) ExecCalls.EXECVE.invokeExact(state, path, argvArray, envp));
            int errno = errno(state);
            // Still here: put the JVM back as it was.
            for (int sig : wereIgnored) {
                rtSigaction(arena, sig, SIG_IGN, MemorySegment.NULL);
            }
            call("pthread_sigmask",
                    () -> (int) ExecCalls.PTHREAD_SIGMASK.invokeExact(PosixSignals.SIG_SETMASK, savedMask, MemorySegment.NULL));
            throw PosixSpawn.execFailure(command, resolved, cwd, result == -1 ? errno : EINVAL);
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
        for (int sig = 1; sig <= PosixSignals.MAX_SIGNAL; sig++) {
            if (sig == PosixSignals.SIGKILL || sig == PosixSignals.SIGSTOP) {
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
}
