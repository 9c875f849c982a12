package dev.launcher.supervise;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Runs the app as our child in the app dir with the container's environment, forwards the signals the
 * JVM lets us trap, and returns the child's exit code (128+N when signal N killed it).
 */
public final class ChildSupervisor {
    private static final Logger LOG = LoggerFactory.getLogger(ChildSupervisor.class);
    /** Signals the JVM lets an application handle; QUIT is kept by the JVM for thread dumps. */
    static final List<String> FORWARDED = List.of("TERM", "INT", "HUP", "USR1", "USR2", "WINCH", "CONT", "TTIN", "TTOU");

    public int run(List<String> argv, Path workDir, java.util.function.LongConsumer onStarted) {
        long startNanos = System.nanoTime();
        Process child = start(argv, workDir);
        onStarted.accept(startNanos);
        long pid = child.pid();
        LOG.debug("started {} as pid {}", argv.getFirst(), pid);
        for (String name : FORWARDED) {
            try {
                Signal.handle(new Signal(name), signal -> Posix.kill(pid, signal.getNumber()));
            } catch (IllegalArgumentException e) {
                LOG.debug("cannot trap SIG{}: {}", name, e.getMessage());
            }
        }
        while (true) {
            try {
                return child.waitFor();
            } catch (InterruptedException e) {
                // keep waiting: the child decides when we exit
            }
        }
    }

    private static Process start(List<String> argv, Path workDir) {
        CommandCheck.requireRunnable(argv.getFirst(), workDir, System.getenv("PATH"));
        try {
            return new ProcessBuilder(argv).directory(workDir.toFile()).inheritIO().start();
        } catch (IOException e) {
            // Lost a race with the file system, or the kernel refused the binary itself (wrong format).
            throw new LauncherException(ExitCode.NOT_EXECUTABLE, "command '" + argv.getFirst() + "' cannot be executed: "
                    + e.getMessage() + ": check RUNARGS and the file's mode", e);
        }
    }
}
