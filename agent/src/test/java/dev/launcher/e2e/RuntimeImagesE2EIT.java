package dev.launcher.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.oci.Digest;
import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime images run as uid 10001 with the launcher as ENTRYPOINT (PID 1) and carry OCI labels.
 * Each serves its test app from {@code run -e ARTIFACT=... -e RUNARGS=...}, stops cleanly on
 * {@code stop} with the right exit code inside the grace period, and a second container on the same cache
 * volume, with a read-only root, starts without downloading anything.
 */
class RuntimeImagesE2EIT {
    private static final int GRACE_SECONDS = 10;

    private static TestRegistry registry;

    @TempDir
    static Path work;

    @BeforeAll
    static void setUp() {
        E2E.buildImages();
        registry = TestRegistry.builder().start();
    }

    @AfterAll
    static void tearDown() {
        if (registry != null) {
            registry.close();
        }
    }

    /** How one runtime's test app is run, and what it must answer and log when it stops. */
    record Runtime(String image, String runArgs, Map<String, String> env, String answer, String stopLine) {}

    @Test
    void nodeServesStopsAndStartsAgainFromTheCache() throws IOException {
        // node-http handles TERM itself: it closes the server, logs "stopped" and exits 0.
        var app = TestApps.nodeHttp(registry, "1", "1.0.0", work);
        check(new Runtime("localhost/runtime-node", "node server.js", Map.of(), "node-http 1.0.0", "stopped"), app);
    }

    @Test
    void phpServesStopsAndStartsAgainFromTheCache() throws IOException {
        // PHP's built-in server dies of TERM (143): LAUNCHER_EXIT_REMAP makes that the clean stop it is.
        var app = TestApps.phpHttp(registry, "1", work);
        check(new Runtime("localhost/runtime-php", "./run.sh", Map.of("LAUNCHER_EXIT_REMAP", "143=0"), "php-http 1.0.0",
                "app exit code 143 remapped to 0"), app);
    }

    @Test
    void jvmServesStopsAndStartsAgainFromTheCache() {
        // The JVM runs its shutdown hooks on TERM, then ends with 143, remapped to 0.
        var app = TestApps.jvmHttp(registry, "1");
        check(new Runtime("localhost/runtime-jvm", "java -XX:+UseSerialGC -jar jvm-http.jar", Map.of("LAUNCHER_EXIT_REMAP", "143=0"),
                "jvm-http 1 ", "stopped"), app);
    }

    @Test
    void zeroJvmProfileTiniAsPid1AndTheLauncherInExecModeLeavesNoJvm() throws IOException {
        // The profile for those who want no JVM resident at all: tini (Debian's, in every runtime image) is PID 1,
        // the launcher pulls and then replaces itself with the app, which tini supervises.
        var app = TestApps.nodeHttp(registry, "tini", "1.0.0", work);
        ContainerEngine engine = ContainerEngine.get();
        String cache = E2E.unique("e2e-cache");
        Runtime node = new Runtime("localhost/runtime-node", "node server.js", Map.of("LAUNCHER_MODE", "exec"),
                "node-http 1.0.0", "stopped");
        int port = E2E.freePort();
        try (AppContainer container = container(node, app, cache, port)
                .entrypoint("/usr/bin/tini", "--", "/opt/launcher/bin/launcher").start()) {
            String body = container.awaitHttp(port, "/", Duration.ofSeconds(120));
            assertTrue(body.startsWith(node.answer()), "unexpected answer: " + body);
            assertTrue(engine.ok("exec", container.name(), "cat", "/proc/1/cmdline").startsWith("/usr/bin/tini"),
                    "PID 1 is tini");
            String commands = engine.ok("exec", container.name(), "sh", "-c",
                    "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done");
            assertFalse(commands.contains("dev.launcher"), "no JVM is left once the app runs:\n" + commands);
            String tiniRss = engine.ok("exec", container.name(), "grep", "VmRSS", "/proc/1/status").strip();
            System.err.printf("e2e: zero-JVM profile, PID 1 (tini) %s%n", tiniRss);

            AppContainer.Stopped stopped = container.stop(GRACE_SECONDS + 20);
            assertEquals(0, stopped.exitCode(), "tini passes on the app's exit code after stop:\n" + stopped.logs());
            assertTrue(stopped.logs().contains(node.stopLine()), "the app ran its own stop:\n" + stopped.logs());
        } finally {
            engine.run("volume", "rm", "-f", cache);
        }
    }

    @Test
    void inLinkModeTheAppDirLinksToReadOnlyCopiesTheAppCannotWrite() throws IOException {
        // LAUNCHER_ASSEMBLY=link: no file is copied per start. Hard links cannot cross mounts, so the app dir is a
        // directory of the cache volume. The image's user owns the cache, so it could chmod a copy (README, "Assembly
        // modes"); what it cannot do is write one as it is.
        var app = TestApps.nodeHttp(registry, "link", "1.0.0", work);
        ContainerEngine engine = ContainerEngine.get();
        String cache = E2E.unique("e2e-cache");
        try {
            for (int run = 1; run <= 2; run++) { // a cold start, then one from the cache
                String appDir = "/var/cache/launcher/apps/" + run;
                Runtime node = new Runtime("localhost/runtime-node", "node server.js",
                        Map.of("LAUNCHER_ASSEMBLY", "link", "LAUNCHER_APP_DIR", appDir), "node-http 1.0.0", "stopped");
                int port = E2E.freePort();
                try (AppContainer container = container(node, app, cache, port).start()) {
                    String body = container.awaitHttp(port, "/", Duration.ofSeconds(120));
                    assertTrue(body.startsWith(node.answer()), "unexpected answer: " + body);
                    String[] links = engine.ok("exec", container.name(), "stat", "-c", "%h %a", appDir + "/server.js").strip().split(" ");
                    assertTrue(Integer.parseInt(links[0]) >= 2, "a link to the copy beside the layer tree: " + links[0] + " names");
                    assertEquals("444", links[1], "read-only");
                    ProcessRun.Result write = engine.run("exec", container.name(), "sh", "-c", "echo x >> " + appDir + "/server.js");
                    assertNotEquals(0, write.exitCode(), "the app wrote into a shared copy: " + write);
                    assertTrue(write.stderr().contains("Permission denied"), write.toString());
                    System.err.printf("e2e: link mode, start %d: %s%n", run, container.logs().lines()
                            .filter(l -> l.contains("stage assemble")).findFirst().orElse("(no assemble line)"));
                    stopsCleanly(node, container);
                }
            }
            // With the image's own /app volume, another mount: copied, and said so.
            Runtime node = new Runtime("localhost/runtime-node", "node server.js", Map.of("LAUNCHER_ASSEMBLY", "link"),
                    "node-http 1.0.0", "stopped");
            int port = E2E.freePort();
            try (AppContainer container = container(node, app, cache, port).start()) {
                container.awaitHttp(port, "/", Duration.ofSeconds(120));
                assertEquals("1 644", engine.ok("exec", container.name(), "stat", "-c", "%h %a", "/app/server.js").strip());
                assertTrue(container.logs().contains("Hard links cannot cross mounts"), container.logs());
                stopsCleanly(node, container);
            }
        } finally {
            engine.run("volume", "rm", "-f", cache);
        }
    }

    @Test
    void imagesAreNonRootWithTheLauncherAsEntrypointAndOciLabels() {
        E2E.buildImages();
        ContainerEngine engine = ContainerEngine.get();
        for (String runtime : List.of("node", "php", "jvm")) {
            String image = "localhost/runtime-" + runtime;
            String config = engine.ok("image", "inspect", "--format",
                    "{{.Config.User}}|{{json .Config.Entrypoint}}|{{index .Config.Labels \"org.opencontainers.image.title\"}}", image).strip();
            assertEquals("10001:10001|[\"/opt/launcher/bin/launcher\"]|runtime-" + runtime, config, image);
            String labels = engine.ok("image", "inspect", "--format", "{{json .Config.Labels}}", image);
            for (String label : List.of("description", "source", "licenses")) {
                assertTrue(labels.contains("\"org.opencontainers.image." + label + "\""), image + " has no " + label + " label: " + labels);
            }
        }
    }

    private static void check(Runtime runtime, TestApps.Pushed app) {
        ContainerEngine engine = ContainerEngine.get();
        String cache = E2E.unique("e2e-cache");
        try {
            int port = E2E.freePort();
            try (AppContainer first = container(runtime, app, cache, port).start()) {
                String body = first.awaitHttp(port, "/", Duration.ofSeconds(120));
                assertTrue(body.startsWith(runtime.answer()), "unexpected answer: " + body);
                // PID 1 is the launcher, handed over to its supervising JVM after the pull, and everything runs as
                // the image's unprivileged user.
                assertTrue(E2E.awaitSupervisor(engine, first.name()), "PID 1 did not become the launcher's supervisor");
                System.err.printf("e2e: %s after a cold pull, PID 1 %s%n", runtime.image(),
                        E2E.residentMemory(engine, first.name()));
                assertEquals("10001 10001", engine.ok("exec", first.name(), "sh", "-c", "echo $(id -u) $(stat -c %u /proc/1)").strip());
                for (Digest layer : app.layers()) {
                    assertEquals(1, registry.blobGets(layer), "layer " + layer + " downloaded once by the first container");
                }
                stopsCleanly(runtime, first);
            }

            // Same cache volume, a new app dir, a read-only root: no layer is downloaded again.
            long blobGets = registry.totalBlobGets();
            port = E2E.freePort();
            try (AppContainer second = container(runtime, app, cache, port).readOnlyRoot().start()) {
                String body = second.awaitHttp(port, "/", Duration.ofSeconds(120));
                assertTrue(body.startsWith(runtime.answer()), "unexpected answer: " + body);
                assertEquals(blobGets, registry.totalBlobGets(), "the second container downloaded blobs:\n" + second.logs());
                stopsCleanly(runtime, second);
            }
        } finally {
            engine.run("volume", "rm", "-f", cache);
        }
    }

    private static AppContainer container(Runtime runtime, TestApps.Pushed app, String cacheVolume, int port) {
        AppContainer container = new AppContainer(runtime.image())
                .env("ARTIFACT", app.tagged())
                .env("RUNARGS", runtime.runArgs())
                .env("LAUNCHER_INSECURE", registry.hostPort())
                .env("LAUNCHER_GRACE", Integer.toString(GRACE_SECONDS))
                .env("PORT", Integer.toString(port))
                .volume(cacheVolume, "/var/cache/launcher");
        runtime.env().forEach(container::env);
        return container;
    }

    /**
     * The engine's stop waits longer than the launcher's grace, so a 137 would mean the launcher had to
     * kill the app; the app's own stop line shows it ran its shutdown path.
     */
    private static void stopsCleanly(Runtime runtime, AppContainer container) {
        AppContainer.Stopped stopped = container.stop(GRACE_SECONDS + 20);
        System.err.printf("e2e: %s stopped in %d ms, exit %d%n", runtime.image(), stopped.took().toMillis(), stopped.exitCode());
        assertEquals(0, stopped.exitCode(), "exit code after stop:\n" + stopped.logs());
        assertTrue(stopped.logs().contains(runtime.stopLine()), "no '" + runtime.stopLine() + "' in the logs:\n" + stopped.logs());
        assertTrue(stopped.took().toSeconds() < GRACE_SECONDS, "stop took " + stopped.took().toMillis() + " ms, the grace is "
                + GRACE_SECONDS + " s:\n" + stopped.logs());
    }
}
