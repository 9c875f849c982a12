package dev.launcher.supervise;

import dev.launcher.error.LauncherException;
import java.io.FileInputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** Runs in a JVM of its own what must not happen to the test JVM: chdir, execve, or having no children. */
public final class PosixProbe {
    private PosixProbe() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "no-children" -> {
                System.out.println("peek " + PosixWait.peekExited(false).map(Object::toString).orElse("empty"));
                System.out.println("block " + PosixWait.peekExited(true).map(Object::toString).orElse("empty"));
            }
            case "execve" -> execve(Path.of(args[1]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** chdir into dir, fail to exec two files there, then become a shell that reports on itself. */
    private static void execve(Path dir) throws Exception {
        Map<String, String> env = Map.of("PATH", "/usr/bin:/bin", "PROBE", "yes");
        PosixExec.chdir(dir);
        for (String file : List.of("./missing", "./plain")) {
            try {
                PosixExec.execve(file, List.of(file), env);
                System.out.println(file + " returned");
            } catch (LauncherException e) {
                System.out.println(file + " " + e.exitCode().code());
            }
        }
        // Things the new program must not inherit: an ignored signal, a descriptor without O_CLOEXEC,
        // and the signals the JVM blocks in this thread.
        Signal.handle(new Signal("HUP"), SignalHandler.SIG_IGN);
        FileInputStream leaked = new FileInputStream(dir.resolve("plain").toFile());
        System.out.println("jvm SigBlk " + Procfs.status("/proc/thread-self/status", "SigBlk")
                + " SigIgn " + Procfs.status("/proc/thread-self/status", "SigIgn")
                + " fds " + Procfs.descriptors(Posix.getpid()).size());
        PosixExec.execve("sh", List.of("sh", "-c",
                "echo $$; echo replaced; exec sleep 30"),
                env);
        leaked.close();
        System.out.println("execve returned");
    }
}
