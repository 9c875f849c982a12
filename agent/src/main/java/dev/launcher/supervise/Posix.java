package dev.launcher.supervise;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.launcher.fs.FileNames;
import dev.launcher.fs.NativeFiles;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The FFM core that {@link PosixSpawn}, {@link PosixSignals}, {@link PosixWait} and {@link PosixExec} share
 * (linking, errno, argument checks), with the few calls that belong to none of them. Together they are the POSIX
 * calls a PID 1 supervisor needs that the JDK does not offer, through the FFM API (no JNI, no native library of
 * ours). Linux only; written against glibc (≥ 2.29 for spawn) and checked on x86_64. The constants and layouts used
 * are the same on aarch64 (see the note at each); the one that differs, the rt_sigaction syscall number, is chosen
 * by os.arch.
 *
 * <p>Every method is safe from any thread: the only state is the method handles, created once;
 * each call allocates its native memory in its own confined arena and reads errno from the
 * call's own captured state. Calls that can block ({@link PosixWait#peekExited(boolean) peekExited(true)})
 * should run on a platform thread: a virtual thread would pin its carrier for as long as it waits.
 */
public final class Posix {
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

    // <sys/prctl.h>: same values on x86_64 and aarch64.
    private static final int PR_SET_CHILD_SUBREAPER = 36;
    private static final int PR_GET_CHILD_SUBREAPER = 37;

    static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LIBC = LINKER.defaultLookup();
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(PathElement.groupElement("errno"));
    static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /*
     * Linking a downcall costs a few milliseconds at start, many more in an interpreter (the supervising JVM runs
     * -Xint): each group of calls, here and in the other Posix* classes, is linked on first use (a holder class is
     * initialised when first touched), so a supervisor that only waits and forwards never links spawn's dozen calls.
     */
    /** Links the subreaper call, for {@link PosixSpawn#linkCalls()}. */
    static void linkSubreaperCalls() {
        // Reading a holder's field initialises the holder, which links its calls.
        Objects.requireNonNull(SubreaperCalls.PRCTL);
    }

    private static final class SubreaperCalls {
        /** int prctl(int option, ...): the four unsigned longs are variadic. */
        private static final MethodHandle PRCTL = LINKER.downcallHandle(LIBC.findOrThrow("prctl"),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO);
    }

    /** Used only to describe an error, so not linked on every container start. */
    private static final class ErrorText {
        private static final MethodHandle STRERROR = handle("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private Posix() {}

    /** Our process id (1 in a container where we are the entrypoint); the JDK's, which needs no downcall stub. */
    public static int getpid() {
        return (int) ProcessHandle.current().pid();
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

    /** A NULL-terminated char *[] for argv or envp, living as long as {@code arena}. */
    static MemorySegment stringArray(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(ADDRESS, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(checkNul(strings.get(i))));
        }
        array.setAtIndex(ADDRESS, strings.size(), MemorySegment.NULL);
        return array;
    }

    /** The entries byte for byte: each char of a raw entry is one byte. */
    static MemorySegment environment(Arena arena, RawEnvironment env) {
        List<String> entries = env.entries();
        MemorySegment array = arena.allocate(ADDRESS, entries.size() + 1L);
        for (int i = 0; i < entries.size(); i++) {
            array.setAtIndex(ADDRESS, i, NativeFiles.cString(arena, FileNames.bytes(checkNul(entries.get(i)))));
        }
        array.setAtIndex(ADDRESS, entries.size(), MemorySegment.NULL);
        return array;
    }

    /** Our descriptors above 2, from /proc/self/fd (one of them the listing's own, closed by then). */
    static List<Integer> openDescriptors() {
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            return entries.map(entry -> Integer.parseInt(entry.getFileName().toString())).filter(fd -> fd > 2).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc/self/fd", e);
        }
    }

    static void checkArgv(List<String> argv) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv is empty: it needs at least the command");
        }
    }

    static String checkNul(String s) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("NUL character in '" + s.replace('\0', '@') + "'");
        }
        return s;
    }

    static int toPid(long pid) {
        if (pid != (int) pid) {
            // Truncating would signal some other pid, or (for 1L << 32) our whole group.
            throw new IllegalArgumentException("pid out of range: " + pid);
        }
        return (int) pid;
    }

    /** Only a positive pid names one child: waitpid(-1 or 0) would reap any child. */
    static int toChildPid(long pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("not a child pid: " + pid);
        }
        return toPid(pid);
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** sigemptyset and friends return 0 or -1 (EINVAL only for a bad signal number). */
    static int zeroOrEinval(int result) {
        return result == 0 ? 0 : EINVAL;
    }

    static void check(String function, int error) {
        if (error != 0) {
            throw new IllegalStateException(function + " failed: " + describe(error));
        }
    }

    @FunctionalInterface
    interface NativeCall<T> {
        T invoke() throws Throwable;
    }

    static <T> T call(String function, NativeCall<T> nativeCall) {
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

    static MethodHandle errnoHandle(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIBC.findOrThrow(name), descriptor, CAPTURE_ERRNO);
    }

    static MethodHandle optionalHandle(String name, FunctionDescriptor descriptor) {
        return LIBC.find(name).map(symbol -> LINKER.downcallHandle(symbol, descriptor)).orElse(null);
    }

    static MethodHandle optionalErrnoHandle(String name, FunctionDescriptor descriptor) {
        return LIBC.find(name).map(symbol -> LINKER.downcallHandle(symbol, descriptor, CAPTURE_ERRNO)).orElse(null);
    }
}
