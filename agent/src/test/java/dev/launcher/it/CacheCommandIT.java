package dev.launcher.it;

import static dev.launcher.it.LauncherProcess.launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.testing.TestRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `cache ls` shows what a run cached; `cache verify` finds it whole; `cache gc` trims it, and the next run fetches again. */
class CacheCommandIT {
    @Test
    void listAndCollect(@TempDir Path tmp) throws Exception {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            String pinned = Apps.push(registry, "gc/app:1", Apps.smallApp(tmp.resolve("src"), "gc ok"));
            Path cache = tmp.resolve("cache");
            assertEquals(0, Apps.run(registry, registry.hostPort() + "/gc/app:1", cache, tmp.resolve("app1")).run().exitCode());

            var ls = launcher("cache", "ls", "--cache", cache.toString()).run();
            assertEquals(0, ls.exitCode(), ls.toString());
            assertTrue(ls.stdout().contains("blob") && ls.stdout().contains("layer"), ls.stdout());
            assertTrue(ls.stdout().contains(registry.hostPort() + "/gc/app:1 -> " + Apps.digestOf(pinned)), ls.stdout());

            var verify = launcher("cache", "verify", "--cache", cache.toString()).run();
            assertEquals(0, verify.exitCode(), verify.toString());
            assertEquals("verified 1 layer trees: 1 whole, 0 damaged\n", verify.stdout());

            var gc = launcher("cache", "gc", "--cache", cache.toString(), "--max-size", "0").run();
            assertEquals(0, gc.exitCode(), gc.toString());
            assertTrue(gc.stdout().startsWith("evicted "), gc.stdout());
            assertEquals(0, Apps.layerTreesIn(cache));
            assertEquals(0, Apps.blobsIn(cache).size());

            long before = registry.totalBlobGets();
            var again = Apps.run(registry, pinned, cache, tmp.resolve("app2")).run();
            assertEquals(0, again.exitCode(), again.toString());
            assertTrue(registry.totalBlobGets() > before, "evicted layers are fetched again");

            var badSize = launcher("cache", "gc", "--cache", cache.toString(), "--max-size", "lots").run();
            assertEquals(64, badSize.exitCode(), badSize.toString());
        }
    }
}
