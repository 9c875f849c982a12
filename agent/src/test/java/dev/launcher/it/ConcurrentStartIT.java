package dev.launcher.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.oci.Digest;
import dev.launcher.testing.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eight launchers starting together on one empty cache download each blob once; in link mode they also make the
 * read-only copies once and all link to them.
 */
class ConcurrentStartIT {
    @ParameterizedTest
    @ValueSource(strings = {"copy", "link"})
    void eightLaunchersDownloadEachBlobOnce(String mode, @TempDir Path tmp) throws Exception {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            Path app = Apps.bigApp(tmp.resolve("src"), 16);
            String pinned = Apps.push(registry, "many/app:1", app, Apps.smallApp(tmp.resolve("src2"), "second layer"));
            Path cache = tmp.resolve("cache");
            List<Process> processes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Path out = Files.createDirectories(tmp.resolve("run" + i));
                processes.add(Apps.run(registry, pinned, cache, tmp.resolve("app" + i)).env("LAUNCHER_ASSEMBLY", mode)
                        .start(out.resolve("stdout"), out.resolve("stderr")));
            }
            for (int i = 0; i < processes.size(); i++) {
                assertTrue(processes.get(i).waitFor(180, TimeUnit.SECONDS), "launcher " + i + " finished");
                assertEquals(0, processes.get(i).exitValue(), Files.readString(tmp.resolve("run" + i + "/stderr")));
                assertTrue(Files.exists(tmp.resolve("app" + i + "/payload.bin")));
            }
            Object payload = Files.getAttribute(tmp.resolve("app0/payload.bin"), "unix:ino");
            for (int i = 1; i < processes.size(); i++) {
                Object other = Files.getAttribute(tmp.resolve("app" + i + "/payload.bin"), "unix:ino");
                assertEquals(mode.equals("link"), payload.equals(other), "app dirs share the payload's inode only in link mode");
            }
            // Manifests are fetched per launcher; layer blobs are what the lock protects.
            List<Digest> layers = Apps.layerTreeDigestsIn(cache);
            assertEquals(2, layers.size(), "both layers unpacked once: " + layers);
            for (Digest layer : layers) {
                assertEquals(1, registry.blobGets(layer), "GETs of layer blob " + layer + "\n" + registry.log());
            }
        }
    }
}
