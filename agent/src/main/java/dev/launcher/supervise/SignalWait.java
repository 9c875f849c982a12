package dev.launcher.supervise;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Takes signals off the kernel's queue with sigwaitinfo, in a thread of its own, instead of through handlers. It
 * works only when the signals are blocked in every thread of the process, which the launcher arranges by blocking
 * them before it execs the supervising JVM (a blocked mask and pending signals survive execve) and starting that JVM
 * with -Xrs, so HotSpot neither installs handlers for HUP, INT, TERM and QUIT nor unblocks them. Then every signal a
 * program can catch reaches the app, QUIT and the real-time ones included, and nothing arriving before the app runs
 * is lost: it waits, blocked, until it is taken.
 */
final class SignalWait {
    /**
     * What the wait takes: 1..64 but KILL and STOP (no process can catch them), CHLD (the reaper waits for children
     * itself), glibc's 32 and 33, and the four HotSpot keeps unblocked in all its threads for its own faults (ILL,
     * FPE, SEGV, BUS; one sent with kill goes to HotSpot's handler, which takes it for a crash).
     */
    static final List<Integer> TAKEN = taken();
    private static final long SIGSET_BYTES = 128;
    private static final long SIGINFO_BYTES = 128;

    private static final MethodHandle SIGWAITINFO = Posix.handle("sigwaitinfo",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

    private SignalWait() {}

    private static List<Integer> taken() {
        List<Integer> left = List.of(4, 7, 8, 9, 11, 17, 19, 32, 33);
        List<Integer> taken = new ArrayList<>();
        for (int sig = 1; sig <= 64; sig++) {
            if (!left.contains(sig)) {
                taken.add(sig);
            }
        }
        return List.copyOf(taken);
    }

    /** Starts the thread that hands each taken signal's number to {@code received}, in arrival order. */
    static void start(IntConsumer received) {
        Thread.ofPlatform().name("signals").daemon().start(() -> loop(received));
    }

    private static void loop(IntConsumer received) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(SIGSET_BYTES, 8);
            for (int sig : TAKEN) {
                // signal n is bit (n - 1) % 64 of word (n - 1) / 64 of a sigset_t
                set.set(JAVA_LONG, 0, set.get(JAVA_LONG, 0) | 1L << (sig - 1));
            }
            MemorySegment info = arena.allocate(SIGINFO_BYTES, 8);
            while (true) {
                int sig;
                try {
                    sig = (int) SIGWAITINFO.invokeExact(set, info);
                } catch (Throwable e) {
                    throw new IllegalStateException("sigwaitinfo failed", e);
                }
                if (sig > 0) {
                    received.accept(sig);
                }
                // -1: EINTR (a stop and continue of the launcher); wait again
            }
        }
    }
}
