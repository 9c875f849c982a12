package dev.launcher.it;

import static dev.launcher.it.LauncherProcess.launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.testing.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `cache gc --max-size 0` in a loop beside starts on the same cache: gc evicts whatever is idle, and never an
 * entry a start holds, so every start assembles a whole app dir (it may download again, which is allowed).
 */
class GcBesideStartsIT {
    @Test
    void gcInALoopNeverTakesAnEntryFromAStart(@TempDir Path tmp) throws Exception {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            String pinned = Apps.push(registry, "gc/busy:1", Apps.bigApp(tmp.resolve("big"), 24),
                    Apps.smallApp(tmp.resolve("small"), "second layer"));
            Path cache = tmp.resolve("cache");
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger evictingRuns = new AtomicInteger();
            List<String> gcFailures = new ArrayList<>();
            Thread gc = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    var result = launcher("cache", "gc", "--cache", cache.toString(), "--max-size", "0").run();
                    if (result.exitCode() != 0 && !result.stderr().contains("no cache")) {
                        synchronized (gcFailures) {
                            gcFailures.add(result.toString());
                        }
                    } else if (result.stdout().startsWith("evicted ") && !result.stdout().startsWith("evicted 0 ")) {
                        evictingRuns.incrementAndGet();
                    }
                }
            });
            try {
                for (int i = 0; i < 6; i++) {
                    Path app = tmp.resolve("app" + i);
                    var result = Apps.run(registry, pinned, cache, app).run();
                    assertEquals(0, result.exitCode(), "start " + i + ": " + result);
                    assertEquals(24L << 20, Files.size(app.resolve("payload.bin")), "start " + i);
                    assertTrue(Files.readString(app.resolve("run.sh")).contains("second layer"), "start " + i);
                }
            } finally {
                stop.set(true);
                gc.join();
            }
            assertTrue(gcFailures.isEmpty(), String.join("\n", gcFailures));
            assertTrue(evictingRuns.get() > 0, "gc evicted something beside the starts, so the test exercised it");
        }
    }
}
