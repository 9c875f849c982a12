package dev.launcher.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.oci.Digest;
import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher as PID 1 while it pulls: its reaper leaves the JVM's own children alone, and a TERM aborts the pull cleanly. */
class Pid1PullIT {
    private static final Duration RUN = Duration.ofSeconds(60);
    private static final int REPEATS = 3;
    private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    /**
     * oras-java runs a docker credential helper with ProcessBuilder and waits for its exit status, while the helper's
     * double-forked orphans exit under PID 1. A reaper that waits for any child can collect the helper's status
     * first; the JDK then reports exit 0 for a child it could not wait for (seen on JDK 25), so a failing helper
     * would pass for a good one. Hence both: a helper that succeeds lets the pull and the app run (exit 0), and a
     * helper that prints credentials but exits 1 is a failed helper, so the pull is denied (exit 77). Every time.
     */
    @Test
    void credentialHelperExitStatusIsNotStolenByTheReaper(@TempDir Path tmp) throws Exception {
        try (TestRegistry registry = TestRegistry.builder().basicAuth("pid1", "pid1-secret").start()) {
            String ref = registry.reference("pid1/helper:1");
            Path plainConfig = registry.writeDockerConfig(tmp.resolve("docker-auths")).getParent();
            Pid1Launcher.push(registry, "pid1/helper:1", plainConfig, Apps.smallApp(tmp.resolve("src"), "helper app ran"));

            Path helperConfig = Files.createDirectories(tmp.resolve("docker-helper"));
            Files.writeString(helperConfig.resolve("config.json"),
                    "{\n  \"auths\": {},\n  \"credHelpers\": {\"" + registry.hostPort() + "\": \"pid1test\"}\n}\n");

            try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
                List<Future<Void>> runs = new ArrayList<>();
                for (int i = 1; i <= REPEATS; i++) {
                    Path ok = tmp.resolve("ok-" + i);
                    Path failing = tmp.resolve("failing-" + i);
                    runs.add(pool.submit(() -> pullWithHelper(registry, ref, helperConfig, ok, 0)));
                    runs.add(pool.submit(() -> pullWithHelper(registry, ref, helperConfig, failing, 1)));
                }
                for (Future<Void> run : runs) {
                    Pid1Launcher.join(run);
                }
            }
        }
    }

    private static Void pullWithHelper(TestRegistry registry, String ref, Path dockerConfig, Path dir, int helperExit) {
        Path marker = dir.resolve("ran");
        Path helperLog = dir.resolve("helper.log");
        Pid1Launcher.Result result = Pid1Launcher.launcher().appDir(dir.resolve("app")).cache(dir.resolve("cache"))
                .env("ARTIFACT", ref).env("LAUNCHER_INSECURE", registry.hostPort()).env("DOCKER_CONFIG", dockerConfig.toString())
                .pathFirst(Pid1Launcher.testApps())
                .env("PID1TEST_USER", "pid1").env("PID1TEST_SECRET", "pid1-secret")
                .env("PID1TEST_HELPER_EXIT", Integer.toString(helperExit)).env("PID1TEST_HELPER_LOG", helperLog.toString())
                .env("MARKER", marker.toString()).runArgs("./run.sh").run(dir.resolve("run"), RUN);
        assertFalse(Pid1Launcher.lines(helperLog).isEmpty(), "the launcher asked the credential helper: " + result);
        if (helperExit == 0) {
            assertEquals(0, result.exitCode(), "credentials from a helper that exits 0: " + result);
            assertTrue(Files.exists(marker) && result.stdout().contains("helper app ran"), "the app ran: " + result);
        } else {
            assertEquals(77, result.exitCode(), "a helper that exits " + helperExit + " gave no credentials,"
                    + " unless PID 1's reaper took its exit status from the JVM: " + result);
            assertFalse(Files.exists(marker), "nothing ran without credentials: " + result);
        }
        return null;
    }

    @Test
    void termDuringPullAbortsWithin2sWith143AndLeavesNoTempFiles(@TempDir Path tmp) throws Exception {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            String pinned = pushBigFile(registry, "pid1/big", tmp.resolve("payload.bin"), 64);
            Path cache = tmp.resolve("cache");
            Path marker = tmp.resolve("ran");
            try (var run = Pid1Launcher.launcher().appDir(tmp.resolve("app")).cache(cache)
                    .env("ARTIFACT", pinned).env("LAUNCHER_INSECURE", registry.hostPort())
                    .env("MARKER", marker.toString()).runArgs("sh", "-c", "touch \"$MARKER\"").start(tmp.resolve("run"))) {
                awaitPartialDownload(cache.resolve("tmp"), run);

                long sent = System.nanoTime();
                run.signal("TERM");
                int code = run.awaitExit(Duration.ofSeconds(30));
                Duration took = Duration.ofNanos(System.nanoTime() - sent);

                assertEquals(143, code, "TERM during the pull: " + run.describe());
                assertTrue(took.toMillis() <= 2000, "the pull was aborted within 2 s of TERM, not " + took.toMillis() + " ms: " + run.describe());
                assertFalse(Files.exists(marker), "the app never ran");
                assertEquals(List.of(), Pid1Launcher.list(cache.resolve("tmp")), "the aborted launcher removed its temp files");
            }
        }
    }

    /**
     * Pushes one file of random bytes as an oras-style file layer, straight over HTTP from the test JVM (a launcher
     * push of 64 MB spends seconds in JVM start and gzip). Returns the pinned reference.
     */
    private static String pushBigFile(TestRegistry registry, String repo, Path file, int megabytes) throws IOException {
        byte[] chunk = new byte[1 << 20];
        Random random = new Random(42);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < megabytes; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
        Digest config = registry.client().pushBlob(repo, "{}".getBytes(StandardCharsets.UTF_8));
        Digest layer = registry.client().pushBlob(repo, file);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST + "\",\"artifactType\":\"application/vnd.launcher.app.v1\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + config + "\",\"size\":2},"
                + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + layer + "\",\"size\":"
                + Files.size(file) + ",\"annotations\":{\"org.opencontainers.image.title\":\"" + file.getFileName() + "\"}}]}";
        Digest digest = registry.client().pushManifest(repo, "1", MANIFEST, manifest.getBytes(StandardCharsets.UTF_8));
        return registry.reference(repo + ":1@" + digest);
    }

    private static void awaitPartialDownload(Path tmpDir, Pid1Launcher.Running run) {
        Pid1Launcher.await("a partly downloaded blob in " + tmpDir, Duration.ofSeconds(60), () -> {
            if (!run.isAlive()) {
                throw new AssertionError("the launcher ended before a partial download was seen: " + run.describe());
            }
            if (!Files.isDirectory(tmpDir)) {
                return false;
            }
            try (Stream<Path> files = Files.walk(tmpDir)) {
                return files.filter(Files::isRegularFile).anyMatch(p -> p.toFile().length() > (1 << 20));
            } catch (IOException | UncheckedIOException raced) {
                return false; // files come and go while we look
            }
        });
    }
}
