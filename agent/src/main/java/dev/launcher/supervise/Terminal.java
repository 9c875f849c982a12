package dev.launcher.supervise;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controlling terminal, when the launcher has one (docker run -it, kubectl run -it, script): the app runs in its
 * own process group, so that group must become the terminal's foreground group, as tini makes it, or the app stops on
 * SIGTTIN the first time it reads (a shell, a REPL) and the container hangs. When the app is gone the launcher takes
 * the terminal back, with the settings it had before the app (a REPL that died in raw mode leaves it sane).
 */
final class Terminal {
    private static final Logger LOG = LoggerFactory.getLogger(Terminal.class);
    private static final int STDIN = 0;
    private static final int SIGCONT = 18;
    private static final int SIGTTOU = 22;
    private static final int SIG_BLOCK = 0;
    private static final int SIG_SETMASK = 2;
    private static final int TCSADRAIN = 1;
    /** struct termios is 60 bytes on Linux (x86-64 and arm64); kept as opaque bytes. */
    private static final long TERMIOS_BYTES = 64;
    private static final long SIGSET_BYTES = 128;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MethodHandle ISATTY = handle("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GETPGRP = handle("getpgrp", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle TCGETPGRP = handle("tcgetpgrp", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle TCSETPGRP = handle("tcsetpgrp", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle TCGETATTR = handle("tcgetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle TCSETATTR = handle("tcsetattr",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SIGEMPTYSET = handle("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGADDSET = handle("sigaddset", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle PTHREAD_SIGMASK = handle("pthread_sigmask",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));

    /** No terminal, or one the launcher does not hold in the foreground: nothing to hand over or take back. */
    static final Terminal NONE = new Terminal(null, 0);

    private final byte[] settings;
    private final int ownGroup;

    private Terminal(byte[] settings, int ownGroup) {
        this.settings = settings;
        this.ownGroup = ownGroup;
    }

    /**
     * The launcher's terminal, if it holds one in the foreground, with its settings as they are now: read before the
     * app is spawned, which may change them at once.
     */
    static Terminal ofLauncher() {
        try (Arena arena = Arena.ofConfined()) {
            if ((int) ISATTY.invokeExact(STDIN) != 1) {
                return NONE;
            }
            int ownGroup = (int) GETPGRP.invokeExact();
            if ((int) TCGETPGRP.invokeExact(STDIN) != ownGroup) {
                return NONE; // a background job of a shell, or a terminal that is not ours: leave it alone
            }
            MemorySegment termios = arena.allocate(TERMIOS_BYTES, 8);
            boolean read = (int) TCGETATTR.invokeExact(STDIN, termios) == 0;
            return new Terminal(read ? termios.toArray(JAVA_BYTE) : null, ownGroup);
        } catch (Throwable e) {
            LOG.debug("could not look at the terminal: {}", e.toString());
            return NONE;
        }
    }

    /**
     * Makes the app's process group the terminal's foreground group. An app that read the terminal in the instant
     * before, and so was stopped by SIGTTIN, is continued.
     */
    void handOver(long appGroup) {
        if (this == NONE) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            if (!setForeground(arena, (int) appGroup)) {
                LOG.debug("could not hand the terminal to the app's process group {}", appGroup);
                return;
            }
            if (isStopped(appGroup)) {
                Posix.kill(-appGroup, SIGCONT);
            }
        } catch (Throwable e) {
            LOG.debug("could not hand the terminal to the app: {}", e.toString());
        }
    }

    /**
     * Takes the terminal back for the launcher's own group, with the settings it had before the app ran. A group the
     * launcher cannot name (its leader is outside the launcher's PID namespace: getpgrp() is 0 there) cannot be made
     * the foreground again; the settings are restored all the same.
     */
    void takeBack() {
        if (this == NONE) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            withTtouBlocked(arena, () -> {
                if (ownGroup > 0) {
                    int ignored = (int) TCSETPGRP.invokeExact(STDIN, ownGroup);
                }
                if (settings != null) {
                    MemorySegment termios = arena.allocate(TERMIOS_BYTES, 8);
                    termios.copyFrom(MemorySegment.ofArray(settings));
                    int ignored = (int) TCSETATTR.invokeExact(STDIN, TCSADRAIN, termios);
                }
                return true;
            });
        } catch (Throwable e) {
            LOG.debug("could not take the terminal back: {}", e.toString());
        }
    }

    private static boolean setForeground(Arena arena, int group) throws Throwable {
        return withTtouBlocked(arena, () -> (int) TCSETPGRP.invokeExact(STDIN, group) == 0);
    }

    @FunctionalInterface
    private interface TerminalCall {
        boolean run() throws Throwable;
    }

    /**
     * Runs a terminal call with SIGTTOU blocked in this thread: from a group that is not the terminal's foreground
     * (the launcher's, once the app has the terminal) the kernel would otherwise send the launcher's group SIGTTOU,
     * or fail the call, instead of doing it.
     */
    private static boolean withTtouBlocked(Arena arena, TerminalCall call) throws Throwable {
        MemorySegment ttou = arena.allocate(SIGSET_BYTES, 8);
        MemorySegment saved = arena.allocate(SIGSET_BYTES, 8);
        int ignored = (int) SIGEMPTYSET.invokeExact(ttou);
        ignored = (int) SIGADDSET.invokeExact(ttou, SIGTTOU);
        ignored = (int) PTHREAD_SIGMASK.invokeExact(SIG_BLOCK, ttou, saved);
        try {
            return call.run();
        } finally {
            ignored = (int) PTHREAD_SIGMASK.invokeExact(SIG_SETMASK, saved, MemorySegment.NULL);
        }
    }

    /** Whether the process is stopped (state T in /proc/PID/stat, after the command name in parentheses). */
    private static boolean isStopped(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int end = stat.lastIndexOf(')');
            return end > 0 && end + 2 < stat.length() && stat.charAt(end + 2) == 'T';
        } catch (IOException e) {
            return false;
        }
    }

    private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIBC.findOrThrow(name), descriptor);
    }
}
