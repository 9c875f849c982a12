package dev.launcher.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With the registry down, a cached digest still starts, and a cached tag falls back to its last digest. */
class OfflineIT {
    @Test
    void startsFromCacheWithTheRegistryDown(@TempDir Path tmp) throws IOException {
        Path cache = tmp.resolve("cache");
        String tag;
        String pinned;
        try (TestRegistry registry = TestRegistry.builder().start()) {
            pinned = Apps.push(registry, "offline/app:1", Apps.smallApp(tmp.resolve("src"), "offline ok"));
            tag = registry.hostPort() + "/offline/app:1";
            var warm = Apps.run(registry, tag, cache, tmp.resolve("app1")).run();
            assertEquals(0, warm.exitCode(), warm.toString());

            registry.stop();

            var byDigest = Apps.run(registry, pinned, cache, tmp.resolve("app2")).run();
            assertEquals(0, byDigest.exitCode(), byDigest.toString());
            assertTrue(byDigest.stdout().contains("offline ok"), byDigest.toString());

            var byTag = Apps.run(registry, tag, cache, tmp.resolve("app3")).run();
            assertEquals(0, byTag.exitCode(), byTag.toString());
            assertTrue(byTag.stdout().contains("offline ok"), byTag.toString());
            assertTrue(byTag.stderr().contains("unreachable") && byTag.stderr().contains(Apps.digestOf(pinned).toString()),
                    "a warning names the last known digest: " + byTag.stderr());

            var uncached = Apps.run(registry, registry.hostPort() + "/offline/other:1", cache, tmp.resolve("app4")).run();
            assertEquals(69, uncached.exitCode(), uncached.toString());
        }
    }
}
