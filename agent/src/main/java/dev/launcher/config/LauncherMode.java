package dev.launcher.config;

import dev.launcher.error.LauncherException;
import java.util.Locale;

/** LAUNCHER_MODE: what happens once the app dir is ready. */
public enum LauncherMode {
    /** Supervise the app as PID 1: forward signals, reap zombies, pass the exit code through. */
    RUN,
    /** Pull and assemble, then exit 0: a Kubernetes init container filling a shared volume. */
    INIT,
    /** Replace the launcher with the app (execve), for images whose PID 1 is already an init. */
    EXEC;

    public static LauncherMode parse(String text) {
        if (text == null || text.isBlank()) {
            return RUN;
        }
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw LauncherException.usage("LAUNCHER_MODE='" + text + "' is not one of run, init, exec");
        }
    }
}
