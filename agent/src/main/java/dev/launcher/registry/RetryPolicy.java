package dev.launcher.registry;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how long to wait before trying a registry again: exponential backoff with jitter, so that
 * many launchers started together do not retry in step, and a server's own {@code Retry-After} wins over
 * our guess.
 *
 * @param maxAttempts attempts in all, the first one included
 */
public record RetryPolicy(int maxAttempts, Duration base, Duration cap) {
    /** Five attempts wait about 4 s in all: a registry restarting behind a load balancer, not a long outage. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(250), Duration.ofSeconds(8));

    /** The wait before attempt {@code failedAttempt + 1}: half the exponential step fixed, half random. */
    public Duration backoff(int failedAttempt) {
        long step = base.toMillis() << Math.min(failedAttempt - 1, 20);
        long capped = Math.min(step, cap.toMillis());
        long half = capped / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
    }

    /** The wait a server asked for: delta-seconds or an HTTP date; empty when absent or unreadable. */
    public static Optional<Duration> retryAfter(Optional<String> header, Instant now) {
        if (header.isEmpty() || header.get().isBlank()) {
            return Optional.empty();
        }
        String value = header.get().strip();
        try {
            long seconds = Long.parseLong(value);
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration wait = Duration.between(now, at);
                return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }
}
