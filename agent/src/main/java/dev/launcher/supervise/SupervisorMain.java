package dev.launcher.supervise;

import dev.launcher.error.LauncherException;

/**
 * The supervising JVM the launcher hands over to (same pid, execve) once the app runs: it loads only this package,
 * so the pull's classes, heap and threads are gone for the app's whole life. It starts with every catchable signal
 * blocked and pending ones kept, which {@link SupervisorHandover} arranges, and takes them from the queue.
 */
public final class SupervisorMain {
    private SupervisorMain() {}

    public static void main(String[] args) {
        int code;
        try {
            code = Supervisor.adopt(SupervisorArgs.parse(args));
        } catch (LauncherException e) {
            System.err.println("launcher: " + e.getMessage());
            code = e.exitCode().code();
        } catch (RuntimeException | Error e) {
            System.err.println("launcher: internal error in the supervisor, please report it with this trace:");
            e.printStackTrace();
            code = 70; // EX_SOFTWARE, as the launcher's own failure handler gives
        }
        // halt, not exit: nothing is left to run at exit, and Runtime.exit's own logging costs an interpreter 50 ms
        Runtime.getRuntime().halt(code);
    }
}
