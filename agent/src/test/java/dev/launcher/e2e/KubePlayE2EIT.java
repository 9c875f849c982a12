package dev.launcher.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.oci.Digest;
import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes manifests in docker/k8s, run by {@code podman kube play}: the launcher as ENTRYPOINT on a
 * cold node cache, then the init-container way on the same node cache, which needs no download.
 */
class KubePlayE2EIT {
    @TempDir
    Path work;

    @Test
    void bothManifestsServeTheAppAndShareTheNodeCache() throws IOException {
        ContainerEngine engine = ContainerEngine.get();
        Assumptions.assumeTrue(engine.isPodman(), "kube play needs podman; the engine here is " + engine.name());
        E2E.buildImages();
        Path nodeCache = work.resolve("node-cache"); // made by the manifests' hostPath DirectoryOrCreate
        try (TestRegistry registry = TestRegistry.builder().start()) {
            var app = TestApps.nodeHttp(registry, "1", "1.0.0", work);

            int port = E2E.freePort();
            Path entrypoint = KubeManifest.read("entrypoint.yaml")
                    .forThisMachine("localhost/runtime-node:latest", app.tagged(), registry.hostPort(), nodeCache, port)
                    .write(work);
            String logs = play(engine, entrypoint, port, "node-http");
            assertTrue(logs.contains("resolved " + app.tagged()), "the launcher did not log its pull:\n" + logs);
            for (Digest layer : app.layers()) {
                assertEquals(1, registry.blobGets(layer), "layer " + layer + " downloaded once");
            }

            long blobGets = registry.totalBlobGets();
            port = E2E.freePort();
            Path init = KubeManifest.read("init-container.yaml")
                    .forThisMachine("localhost/runtime-node:latest", app.tagged(), registry.hostPort(), nodeCache, port)
                    .replace("image: node:22-bookworm-slim", "image: localhost/runtime-base-node:latest")
                    .write(work);
            play(engine, init, port, "node-http-init");
            assertEquals(blobGets, registry.totalBlobGets(), "the init container downloaded again from a warm node cache");
        }
    }

    /** kube play, a request to the app, its container's logs, kube down. */
    private static String play(ContainerEngine engine, Path manifest, int port, String deployment) throws IOException {
        try {
            ProcessRun.Result played = engine.run(Duration.ofMinutes(3), "kube", "play", "--network", "host", manifest.toString());
            assertEquals(0, played.exitCode(), played.toString() + "\n" + Files.readString(manifest));
            String appContainer = appContainerOf(engine, deployment);
            String body = HttpProbe.awaitOk(port, "/", Duration.ofSeconds(60), () -> true, () -> podLogs(engine, appContainer));
            assertTrue(body.startsWith("node-http 1.0.0"), body);
            // The launcher's supervisor where the launcher is the entrypoint; the app itself where an init container pulled.
            System.err.printf("e2e: %s, PID 1 of the app container, %s%n", deployment, E2E.residentMemory(engine, appContainer));
            return podLogs(engine, appContainer);
        } finally {
            engine.run(Duration.ofMinutes(2), "kube", "down", manifest.toString());
        }
    }

    /** podman names a Deployment's pod DEPLOYMENT-pod (4.3: DEPLOYMENT-pod-0) and its containers POD-CONTAINER. */
    private static String appContainerOf(ContainerEngine engine, String deployment) {
        String pods = engine.ok("pod", "ps", "--format", "{{.Name}}");
        return pods.lines().filter(name -> name.matches(java.util.regex.Pattern.quote(deployment) + "-pod(-[0-9]+)?"))
                .findFirst().map(pod -> pod + "-app")
                .orElseThrow(() -> new AssertionError("no pod of deployment " + deployment + " among: " + pods));
    }

    private static String podLogs(ContainerEngine engine, String container) {
        ProcessRun.Result logs = engine.run("logs", container);
        return logs.stdout() + logs.stderr();
    }
}
