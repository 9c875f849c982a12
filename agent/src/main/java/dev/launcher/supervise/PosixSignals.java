package dev.launcher.supervise;

import static dev.launcher.supervise.Posix.CALL_STATE;
import static dev.launcher.supervise.Posix.EPERM;
import static dev.launcher.supervise.Posix.ESRCH;
import static dev.launcher.supervise.Posix.call;
import static dev.launcher.supervise.Posix.check;
import static dev.launcher.supervise.Posix.describe;
import static dev.launcher.supervise.Posix.errno;
import static dev.launcher.supervise.Posix.errnoHandle;
import static dev.launcher.supervise.Posix.handle;
import static dev.launcher.supervise.Posix.toPid;
import static dev.launcher.supervise.Posix.zeroOrEinval;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.launcher.supervise.Posix.NativeCall;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Objects;
import sun.misc.Signal;

/** Sending signals, naming them, and the signal sets and masks the other Posix* classes build on (see {@link Posix}). */
public final class PosixSignals {
    static final int SIGKILL = 9;
    static final int SIGSTOP = 19;
    /** Signals are 1..64 on Linux (_NSIG - 1). */
    static final int MAX_SIGNAL = 64;

    // <signal.h>: same values on x86_64 and aarch64.
    private static final int SIG_BLOCK = 0;
    static final int SIG_SETMASK = 2;

    /*
     * sigset_t is 128 bytes (1024 bits) in glibc and musl on every architecture, allocated zeroed.
     * A sigset_t is an array of unsigned longs, signal n being bit (n - 1) % 64 of word (n - 1) / 64.
     */
    static final long SIGSET_BYTES = 128;

    private static final MethodHandle KILL = errnoHandle("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    /**
     * Links the signal set calls, for {@link PosixSpawn#linkCalls()}; being a call into this class, it links
     * {@link #kill} too, which the first spawn would otherwise link on its way.
     */
    static void linkSignalSets() {
        // Reading a holder's field initialises the holder, which links its calls.
        Objects.requireNonNull(SignalSets.SIGFILLSET);
    }

    static final class SignalSets {
        private static final MethodHandle SIGEMPTYSET = handle("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        private static final MethodHandle SIGFILLSET = handle("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle SIGDELSET = handle("sigdelset", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }

    private PosixSignals() {}

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

    /**
     * Runs {@code nativeCall} with {@code sig} blocked in this thread only, and the mask as it was afterwards: the
     * terminal calls need SIGTTOU blocked to act from a process group that is not the terminal's foreground.
     */
    static <T> T withSignalBlocked(int sig, NativeCall<T> nativeCall) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = emptySignalSet(arena);
            check("sigaddset", zeroOrEinval(call("sigaddset", () -> (int) PosixExec.ExecCalls.SIGADDSET.invokeExact(set, sig))));
            MemorySegment saved = arena.allocate(SIGSET_BYTES, 8);
            check("pthread_sigmask", call("pthread_sigmask",
                    () -> (int) PosixExec.ExecCalls.PTHREAD_SIGMASK.invokeExact(SIG_BLOCK, set, saved)));
            try {
                return call("a call with signal " + sig + " blocked", nativeCall);
            } finally {
                call("pthread_sigmask",
                        () -> (int) PosixExec.ExecCalls.PTHREAD_SIGMASK.invokeExact(SIG_SETMASK, saved, MemorySegment.NULL));
            }
        }
    }

    static MemorySegment emptySignalSet(Arena arena) {
        MemorySegment set = arena.allocate(SIGSET_BYTES, 8);
        check("sigemptyset", zeroOrEinval(call("sigemptyset", () -> (int) SignalSets.SIGEMPTYSET.invokeExact(set))));
        return set;
    }

    /** Every signal but glibc's 32 and 33 (KILL and STOP cannot be blocked: the kernel leaves them out). */
    static MemorySegment fullSignalSet(Arena arena) {
        MemorySegment set = arena.allocate(SIGSET_BYTES, 8);
        check("sigfillset", zeroOrEinval(call("sigfillset", () -> (int) SignalSets.SIGFILLSET.invokeExact(set))));
        return set;
    }
}
