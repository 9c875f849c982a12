package dev.launcher.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private final RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(200), Duration.ofSeconds(2));

    @Test
    void backoffDoublesWithJitterBetweenHalfAndAllOfTheStepAndStopsAtTheCap() {
        for (int i = 0; i < 200; i++) {
            assertBetween(policy.backoff(1), 100, 200);
            assertBetween(policy.backoff(2), 200, 400);
            assertBetween(policy.backoff(3), 400, 800);
            assertBetween(policy.backoff(10), 1000, 2000);
            assertBetween(policy.backoff(64), 1000, 2000);
        }
    }

    @Test
    void backoffIsRandomSoLaunchersStartedTogetherDoNotRetryInStep() {
        long distinct = java.util.stream.IntStream.range(0, 50).mapToLong(i -> policy.backoff(3).toMillis()).distinct().count();
        assertTrue(distinct > 5, "only " + distinct + " distinct waits in 50");
    }

    @Test
    void retryAfterInSeconds() {
        assertEquals(Optional.of(Duration.ofSeconds(7)), RetryPolicy.retryAfter(Optional.of(" 7 "), Instant.now()));
        assertEquals(Optional.of(Duration.ZERO), RetryPolicy.retryAfter(Optional.of("0"), Instant.now()));
    }

    @Test
    void retryAfterAsAnHttpDate() {
        Instant now = Instant.parse("2026-11-24T10:00:00Z");
        assertEquals(Optional.of(Duration.ofSeconds(90)),
                RetryPolicy.retryAfter(Optional.of("Tue, 24 Nov 2026 10:01:30 GMT"), now));
        assertEquals(Optional.of(Duration.ZERO), RetryPolicy.retryAfter(Optional.of("Tue, 24 Nov 2026 09:00:00 GMT"), now));
    }

    @Test
    void absentNegativeOrGarbledRetryAfterIsIgnored() {
        Instant now = Instant.now();
        assertEquals(Optional.empty(), RetryPolicy.retryAfter(Optional.empty(), now));
        assertEquals(Optional.empty(), RetryPolicy.retryAfter(Optional.of("-5"), now));
        assertEquals(Optional.empty(), RetryPolicy.retryAfter(Optional.of("soon"), now));
        assertEquals(Optional.empty(), RetryPolicy.retryAfter(Optional.of(""), now));
    }

    private static void assertBetween(Duration d, long min, long max) {
        assertTrue(d.toMillis() >= min && d.toMillis() <= max, d.toMillis() + " not in [" + min + ", " + max + "]");
    }
}
