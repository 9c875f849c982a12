package dev.launcher.supervise;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Objects;
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
    /** From a group that is not the terminal's foreground, tcsetpgrp and tcsetattr need it blocked. */
    private static final int SIGTTOU = 22;
    private static final int TCSADRAIN = 1;
    /** struct termios is 60 bytes on Linux (x86-64 and arm64); kept as opaque bytes. */
    private static final long TERMIOS_BYTES = 64;

    /** Linked on first use: a supervisor without a terminal never needs them. */
    private static final class Calls {
        private static final MethodHandle ISATTY = Posix.handle("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        private static final MethodHandle GETPGRP = Posix.handle("getpgrp", FunctionDescriptor.of(JAVA_INT));
        private static final MethodHandle TCGETPGRP = Posix.handle("tcgetpgrp", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        private static final MethodHandle TCSETPGRP = Posix.handle("tcsetpgrp",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        private static final MethodHandle TCGETATTR = Posix.handle("tcgetattr",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        private static final MethodHandle TCSETATTR = Posix.handle("tcsetattr",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    }

    /** Links the terminal calls now, rather than when the app is spawned. */
    static void linkCalls() {
        Objects.requireNonNull(Calls.ISATTY);
    }

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
            if ((int) Calls.ISATTY.invokeExact(STDIN) != 1) {
                return NONE;
            }
            int ownGroup = (int) Calls.GETPGRP.invokeExact();
            if ((int) Calls.TCGETPGRP.invokeExact(STDIN) != ownGroup) {
                return NONE; // a background job of a shell, or a terminal that is not ours: leave it alone
            }
            MemorySegment termios = arena.allocate(TERMIOS_BYTES, 8);
            boolean read = (int) Calls.TCGETATTR.invokeExact(STDIN, termios) == 0;
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
        try {
            if (!PosixSignals.withSignalBlocked(SIGTTOU, () -> (int) Calls.TCSETPGRP.invokeExact(STDIN, (int) appGroup) == 0)) {
                LOG.debug("could not hand the terminal to the app's process group {}", appGroup);
                return;
            }
            if (isStopped(appGroup)) {
                PosixSignals.kill(-appGroup, SIGCONT);
            }
        } catch (RuntimeException e) {
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
            MemorySegment termios = settings == null ? null : arena.allocate(TERMIOS_BYTES, 8).copyFrom(
                    MemorySegment.ofArray(settings));
            PosixSignals.withSignalBlocked(SIGTTOU, () -> {
                if (ownGroup > 0) {
                    int ignored = (int) Calls.TCSETPGRP.invokeExact(STDIN, ownGroup);
                }
                if (termios != null) {
                    int ignored = (int) Calls.TCSETATTR.invokeExact(STDIN, TCSADRAIN, termios);
                }
                return null;
            });
        } catch (RuntimeException e) {
            LOG.debug("could not take the terminal back: {}", e.toString());
        }
    }

    /**
     * This terminal as text for the supervising JVM's command line ({@code -} for none): the launcher's group and the
     * settings to restore, as hex.
     */
    String encode() {
        if (this == NONE) {
            return "-";
        }
        return ownGroup + ":" + (settings == null ? "" : HexFormat.of().formatHex(settings));
    }

    static Terminal decode(String text) {
        if (text.equals("-")) {
            return NONE;
        }
        int colon = text.indexOf(':');
        String hex = text.substring(colon + 1);
        return new Terminal(hex.isEmpty() ? null : HexFormat.of().parseHex(hex), Integer.parseInt(text.substring(0, colon)));
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
}
