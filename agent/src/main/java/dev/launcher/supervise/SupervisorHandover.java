package dev.launcher.supervise;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Hands the process over (same pid, execve) to a small JVM that only supervises ({@link SupervisorMain}): the
 * launcher's JVM after a pull holds the registry client, JSON, the unpacker and their heap, 75-95 MB that would stay
 * resident for the app's whole life. The flags are chosen for a process that waits: no JIT, a small heap and stacks,
 * and -Xrs, so that every catchable signal, QUIT included, is the supervisor's to forward.
 */
public final class SupervisorHandover {
    private static final String MAIN = SupervisorMain.class.getName();

    private final Path java;
    private final String classPath;

    private SupervisorHandover(Path java, String classPath) {
        this.java = java;
        this.classPath = classPath;
    }

    /**
     * The handover, when this JVM was started by the launcher's script (it names the launcher's home, whose runtime
     * runs the supervisor); empty otherwise (a test, or a JVM embedding the launcher), which then supervises itself.
     */
    public static Optional<SupervisorHandover> available() {
        String home = System.getProperty("launcher.home");
        String classPath = supervisorClassPath(System.getProperty("java.class.path", ""));
        if (home == null || classPath.isEmpty()) {
            return Optional.empty();
        }
        Path java = Path.of(home, "runtime", "bin", "java");
        return Files.isExecutable(java) ? Optional.of(new SupervisorHandover(java, classPath)) : Optional.empty();
    }

    /** Replaces this JVM by the supervisor of the app it spawned, with the app's environment; returns only by throwing. */
    void exec(SupervisorArgs app, RawEnvironment env) {
        List<String> argv = new ArrayList<>();
        argv.add(java.toString());
        argv.addAll(jvmFlags());
        argv.addAll(List.of("-cp", classPath, MAIN));
        argv.addAll(app.toArgs());
        // The app has its own copy of stdout by now; the supervisor's own goes to stderr from its first instruction,
        // so that even a crash report of its JVM (HotSpot prints those on stdout) stays off the app's output.
        PosixExec.stdoutToStderr();
        PosixExec.execveHoldingSignals(java.toString(), argv, env);
        throw new IllegalStateException("execve returned");
    }

    /**
     * The launcher's own jar and slf4j's, from the launcher's class path: a JVM opens every jar before the one that
     * holds a class it looks for, and reads each one's whole directory.
     */
    static String supervisorClassPath(String launcherClassPath) {
        List<String> kept = new ArrayList<>();
        for (String entry : launcherClassPath.split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName() == null ? "" : Path.of(entry).getFileName().toString();
            if (name.startsWith("launcher") || name.startsWith("slf4j-") || !name.endsWith(".jar")) {
                kept.add(entry);
            }
        }
        return String.join(File.pathSeparator, kept);
    }

    List<String> jvmFlags() {
        return List.of(
                // HotSpot leaves HUP, INT, TERM and QUIT alone and starts no signal dispatcher: SignalWait takes them.
                "-Xrs",
                // The supervisor runs a few thousand bytecodes per signal or child: an interpreter is enough, and
                // a compiler's threads, code cache and arenas are not paid for.
                "-Xint",
                "-XX:+UseSerialGC", "-Xms1m", "-Xmx8m", "-Xss256k", "-XX:MaxMetaspaceSize=32m",
                "-XX:-UsePerfData",
                // At exit HotSpot waits up to 300 ms for threads in native code to block; the reaper (waitid) and
                // the signal thread (sigwaitinfo) always are, and the container's stop would wait for nothing.
                "-XX:UserThreadWaitAttemptsAtExit=0",
                "-Xlog:disable", "-Xlog:all=warning:stderr",
                "-XX:+UnlockDiagnosticVMOptions", "-XX:-DisplayVMOutput", "-XX:+DisplayVMOutputToStderr",
                "-XX:ErrorFile=/tmp/launcher-hs_err-%p.log",
                // A crash report that hangs (a fault in the middle of the JVM's own start) would hold PID 1, and so
                // the container, for HotSpot's default 120 s: it is cut after 5.
                "-XX:ErrorLogTimeout=5",
                // As bin/launcher: a starting JVM deletes /tmp/.java_pid<its pid>, which may be another process's.
                "-XX:+DisableAttachMechanism",
                "--enable-native-access=ALL-UNNAMED");
    }
}
