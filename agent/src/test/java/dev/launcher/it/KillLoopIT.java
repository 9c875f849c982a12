package dev.launcher.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.cache.tree.PublishedTrees;
import dev.launcher.testing.TestRegistry;
import dev.launcher.unpack.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL at random moments of many starts on one cache (resolving, downloading, unpacking, assembling,
 * running): after every kill, each published entry is whole, and the next start completes. The random
 * delays come from a seed printed in the failure message, so a failing run can be repeated.
 */
class KillLoopIT {
    private static final int KILLS = 12;

    @Test
    void killDashNineAtRandomMomentsNeverLeavesAnEntryToTrust(@TempDir Path tmp) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        try (TestRegistry registry = TestRegistry.builder().start()) {
            Path big = Apps.bigApp(tmp.resolve("big"), 48);
            Path small = Apps.smallApp(tmp.resolve("small"), "second layer");
            String pinned = Apps.push(registry, "loop/app:1", big, small);
            List<Map<String, String>> layers = List.of(TreeSnapshot.of(big), TreeSnapshot.of(small));
            Path cache = tmp.resolve("cache");
            List<String> killedAt = new ArrayList<>();

            for (int i = 0; i < KILLS; i++) {
                Path logs = Files.createDirectories(tmp.resolve("run" + i));
                Process victim = Apps.run(registry, pinned, cache, tmp.resolve("app" + i))
                        .start(logs.resolve("stdout"), logs.resolve("stderr"));
                long delay = 100 + random.nextInt(1400);
                Thread.sleep(delay);
                boolean alive = victim.isAlive();
                victim.destroyForcibly().waitFor();
                killedAt.add(delay + " ms" + (alive ? "" : " (had ended)"));
                String context = "seed " + seed + ", kills at " + killedAt;
                assertEveryPublishedTreeIsWhole(cache, layers, context);
                Apps.assertEveryCachedBlobVerifies(cache, context);
            }

            var next = Apps.run(registry, pinned, cache, tmp.resolve("app-final")).run();
            assertEquals(0, next.exitCode(), "seed " + seed + ", kills at " + killedAt + "\n" + next);
            assertEquals(48L << 20, Files.size(tmp.resolve("app-final/payload.bin")));
            Apps.assertNoTempDebris(cache);
        }
    }

    /** Each published entry holds a tree that is one of the layers, whole, and the index written with it, no other. */
    private static void assertEveryPublishedTreeIsWhole(Path cache, List<Map<String, String>> layers, String context) {
        Path entries = cache.resolve("trees/sha256");
        if (!Files.isDirectory(entries)) {
            return;
        }
        try (Stream<Path> published = Files.list(entries)) {
            for (Path entry : published.toList()) {
                Map<String, String> content = TreeSnapshot.of(entry.resolve("tree"));
                assertTrue(layers.contains(content), "published tree " + entry.getFileName() + " is one of the layers, whole ("
                        + context + "): " + content);
                List<String> index = Files.readAllLines(entry.resolve("index"));
                assertEquals("end " + (content.size() + 1), index.getLast(), "published with its whole index, one line"
                        + " per entry and one for the root (" + context + ")");
                assertEquals(Optional.empty(), PublishedTrees.mismatchWithIndex(entry), "the index describes this very tree ("
                        + context + ")");
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
