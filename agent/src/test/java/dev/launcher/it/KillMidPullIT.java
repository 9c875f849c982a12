package dev.launcher.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A launcher killed with SIGKILL mid-pull leaves nothing a later start would trust, and the next start completes. */
class KillMidPullIT {
    @Test
    void killDashNineMidPullThenCleanStart(@TempDir Path tmp) throws Exception {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            String pinned = Apps.push(registry, "kill/app:1", Apps.bigApp(tmp.resolve("src"), 64));
            Path cache = tmp.resolve("cache");

            Path logs = Files.createDirectories(tmp.resolve("killed"));
            Process victim = Apps.run(registry, pinned, cache, tmp.resolve("app-killed"))
                    .start(logs.resolve("stdout"), logs.resolve("stderr"));
            long partial = waitForPartialDownload(cache.resolve("tmp"), victim);
            victim.destroyForcibly().waitFor();
            assertTrue(partial > 0, "the launcher was killed while a blob was half downloaded");

            Apps.assertEveryCachedBlobVerifies(cache, "after the kill");

            var next = Apps.run(registry, pinned, cache, tmp.resolve("app")).run();
            assertEquals(0, next.exitCode(), next.toString());
            assertTrue(Files.size(tmp.resolve("app/payload.bin")) == 64L << 20);
            Apps.assertEveryCachedBlobVerifies(cache, "after the next start");
            Apps.assertNoTempDebris(cache);
        }
    }

    private static long waitForPartialDownload(Path tmpDir, Process victim) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline && victim.isAlive()) {
            if (Files.isDirectory(tmpDir)) {
                try (Stream<Path> files = Files.walk(tmpDir)) {
                    long biggest = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).max().orElse(0);
                    if (biggest > (1 << 20)) {
                        return biggest;
                    }
                } catch (IOException | java.io.UncheckedIOException raced) {
                    // files come and go while we look
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no partial download seen before the launcher ended");
    }
}
