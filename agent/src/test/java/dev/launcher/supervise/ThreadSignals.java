package dev.launcher.supervise;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** pthread_sigmask(SIG_BLOCK) for the calling thread: what the JVM does to its own threads, done harder. */
final class ThreadSignals {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SIGEMPTYSET = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("sigemptyset"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGADDSET = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("sigaddset"), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle PTHREAD_SIGMASK = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("pthread_sigmask"), FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final int SIG_BLOCK = 0;

    private ThreadSignals() {}

    static void block(int... signals) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(128, 8);
            if ((int) SIGEMPTYSET.invokeExact(set) != 0) {
                throw new IllegalStateException("sigemptyset");
            }
            for (int sig : signals) {
                if ((int) SIGADDSET.invokeExact(set, sig) != 0) {
                    throw new IllegalStateException("sigaddset " + sig);
                }
            }
            int error = (int) PTHREAD_SIGMASK.invokeExact(SIG_BLOCK, set, MemorySegment.NULL);
            if (error != 0) {
                throw new IllegalStateException("pthread_sigmask: " + error);
            }
        }
    }
}
