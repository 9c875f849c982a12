package dev.launcher;

import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One timing line per stage on stderr, so a slow start shows where its time went. */
final class StageClock {
    private static final Logger LOG = LoggerFactory.getLogger(StageClock.class);

    <T> T time(String stage, Supplier<T> work) {
        long start = System.nanoTime();
        T result = work.get();
        report(stage, System.nanoTime() - start, "");
        return result;
    }

    void report(String stage, long nanos, String detail) {
        LOG.info("stage {} {} ms{}", stage, nanos / 1_000_000, detail.isEmpty() ? "" : " (" + detail + ")");
    }
}
