package dev.launcher.error;

/** The launcher's own exit codes (sysexits.h values), documented in the README. */
public enum ExitCode {
    USAGE(64),
    INTEGRITY(65),
    NOT_FOUND(66),
    UNREACHABLE(69),
    CACHE_IO(74),
    RETRIES_EXHAUSTED(75),
    AUTH_DENIED(77),
    /** The child could not be executed (permission, not a binary). */
    NOT_EXECUTABLE(126),
    /** The child's command does not exist. */
    COMMAND_NOT_FOUND(127);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
