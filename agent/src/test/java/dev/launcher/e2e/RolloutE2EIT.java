package dev.launcher.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The developer loop: push version 1, run it; push version 2 and roll out by changing only ARTIFACT; roll
 * back. Version 2 shares its node_modules layer with version 1, so only the app's own layer is fetched,
 * and the way back needs no download at all.
 */
class RolloutE2EIT {
    @TempDir
    Path work;

    @Test
    void aNewVersionRollsOutByChangingOnlyArtifact() throws IOException {
        E2E.buildImages();
        ContainerEngine engine = ContainerEngine.get();
        String cache = E2E.unique("e2e-cache");
        try (TestRegistry registry = TestRegistry.builder().start()) {
            var v1 = TestApps.nodeHttp(registry, "1", "1.0.0", work);
            var v2 = TestApps.nodeHttp(registry, "2", "2.0.0", work);
            assertEquals(v1.layers().get(0), v2.layers().get(0), "both versions share the node_modules layer");

            assertEquals("node-http 1.0.0", serve(registry, cache, v1.tagged()));
            assertEquals("node-http 2.0.0", serve(registry, cache, v2.tagged()));
            assertEquals(1, registry.blobGets(v2.layers().get(0)), "the node_modules layer was downloaded once");
            assertEquals(1, registry.blobGets(v2.layers().get(1)), "version 2's app layer was downloaded");

            long blobGets = registry.totalBlobGets();
            assertEquals("node-http 1.0.0", serve(registry, cache, v1.tagged()));
            assertEquals(blobGets, registry.totalBlobGets(), "rolling back to version 1 downloaded blobs");
        } finally {
            engine.run("volume", "rm", "-f", cache);
        }
    }

    /** One container of the same image with the same settings but ARTIFACT; returns what the app says it is. */
    private static String serve(TestRegistry registry, String cacheVolume, String artifact) {
        int port = E2E.freePort();
        try (AppContainer app = new AppContainer("localhost/runtime-node")
                .env("ARTIFACT", artifact)
                .env("RUNARGS", "node server.js")
                .env("LAUNCHER_INSECURE", registry.hostPort())
                .env("PORT", Integer.toString(port))
                .volume(cacheVolume, "/var/cache/launcher")
                .start()) {
            String body = app.awaitHttp(port, "/", Duration.ofSeconds(120));
            assertTrue(body.startsWith("node-http "), body);
            assertEquals(0, app.stop(30).exitCode());
            return body.substring(0, body.indexOf(" instance "));
        }
    }
}
