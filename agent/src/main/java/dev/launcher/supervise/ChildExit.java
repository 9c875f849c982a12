package dev.launcher.supervise;

/**
 * How a child ended: it exited with {@code status} as its exit code (0..255), or signal number
 * {@code status} killed it ({@code signaled}).
 */
public record ChildExit(long pid, boolean signaled, int status) {
    public ChildExit {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive: " + pid);
        }
        if (signaled ? status < 1 || status > 127 : status < 0 || status > 255) {
            throw new IllegalArgumentException((signaled ? "signal " : "exit code ") + status + " out of range");
        }
    }

    /** The code a shell (and tini) would exit with: the exit code, or 128+N for signal N. */
    public int shellCode() {
        return signaled ? 128 + status : status;
    }

    @Override
    public String toString() {
        return "pid " + pid + (signaled ? " killed by signal " + status : " exited " + status);
    }
}
