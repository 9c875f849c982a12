package dev.launcher.supervise;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** The few POSIX calls a supervisor needs that the JDK does not offer, through the FFM API (no JNI). */
public final class Posix {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle KILL = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("kill"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private Posix() {}

    /** Sends signal {@code sig} to {@code pid}; returns false if the process is gone. */
    public static boolean kill(long pid, int sig) {
        try {
            return (int) KILL.invokeExact((int) pid, sig) == 0;
        } catch (Throwable e) {
            throw new IllegalStateException("kill(" + pid + ", " + sig + ") failed", e);
        }
    }
}
