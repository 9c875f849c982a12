package dev.launcher.error;

/**
 * A failure the launcher understands: it carries the exit code and a one-line message that says
 * what failed, on which input, and what to do. Anything else is a bug and keeps its stack trace.
 */
public class LauncherException extends RuntimeException {
    private final ExitCode exitCode;

    public LauncherException(ExitCode exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public LauncherException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() {
        return exitCode;
    }

    public static LauncherException usage(String message) {
        return new LauncherException(ExitCode.USAGE, message);
    }

    public static LauncherException integrity(String message) {
        return new LauncherException(ExitCode.INTEGRITY, message);
    }

    public static LauncherException cacheIo(String message, Throwable cause) {
        return new LauncherException(ExitCode.CACHE_IO, message, cause);
    }
}
