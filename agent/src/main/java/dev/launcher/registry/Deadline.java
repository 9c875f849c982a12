package dev.launcher.registry;

import java.time.Duration;

/**
 * The moment after which no new attempt starts. A transfer that is moving is never cut by it: the idle
 * timeout judges transfers; the deadline only bounds how long failures are retried.
 */
public record Deadline(long endNanos, Duration total) {
    public static Deadline after(Duration total) {
        return new Deadline(System.nanoTime() + total.toNanos(), total);
    }

    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, endNanos - System.nanoTime()));
    }

    /** Whether waiting {@code wait} would still leave time to try again. */
    public boolean allows(Duration wait) {
        return wait.compareTo(remaining()) < 0;
    }
}
