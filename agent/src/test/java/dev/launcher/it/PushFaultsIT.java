package dev.launcher.it;

import static dev.launcher.it.LauncherProcess.launcher;
import static dev.launcher.testing.FaultProxy.Fault.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.testing.Credentials;
import dev.launcher.testing.DockerConfig;
import dev.launcher.testing.FaultProxy;
import dev.launcher.testing.FaultProxy.Request;
import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `launcher push` against a registry that fails the way registries do, through {@link FaultProxy} in front of a real
 * registry:2: each request of a push is retried, an upload the registry lost is opened again, and bearer tokens are
 * asked for with the docker config's credentials.
 */
class PushFaultsIT {
    static TestRegistry registry;

    @BeforeAll
    static void start() {
        registry = TestRegistry.builder().start();
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    private static Predicate<Request> is(String method, String pathPart) {
        return r -> r.method().equals(method) && r.path().contains(pathPart);
    }

    private static LauncherProcess push(FaultProxy proxy, Path tmp, String repoAndTag) throws IOException {
        Path app = Files.createDirectories(tmp.resolve("src/app"));
        Files.writeString(app.resolve("index.js"), "console.log('" + repoAndTag + "')\n");
        return launcher("push", "--insecure", proxy.hostPort(), proxy.hostPort() + "/" + repoAndTag, app.toString())
                .env("LAUNCHER_PUSH_RECORDS", "off");
    }

    private static long count(FaultProxy proxy, Predicate<Request> which) {
        return proxy.requests().stream().filter(which).count();
    }

    @Test
    void eachRequestOfAPushIsRetriedWhenItFailsOnce(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
            proxy.inject(is("HEAD", "/blobs/"), 1, status(503));
            proxy.inject(is("POST", "/blobs/uploads/"), 1, status(502));
            proxy.inject(is("PUT", "/blobs/uploads/"), 1, status(500));
            proxy.inject(is("PUT", "/manifests/"), 1, status(503));

            var result = push(proxy, tmp, "faults/push:1").run();

            assertEquals(0, result.exitCode(), result.toString());
            assertEquals(3, count(proxy, is("PUT", "/blobs/uploads/")), "two blobs, one PUT of them twice: " + proxy.requests());
            assertEquals(2, count(proxy, is("PUT", "/manifests/")), "the manifest PUT twice: " + proxy.requests());
            assertTrue(registry.requests().stream().anyMatch(r -> r.method().equals("PUT") && r.uri().contains("/manifests/1")
                    && r.status() == 201), "the manifest reached the registry");
        }
    }

    @Test
    void anUploadTheRegistryLostIsOpenedAgain(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
            proxy.inject(is("PUT", "/blobs/uploads/"), 1, status(404, Map.of(),
                    "{\"errors\":[{\"code\":\"BLOB_UPLOAD_UNKNOWN\",\"message\":\"blob upload unknown to registry\"}]}"));

            var result = push(proxy, tmp, "faults/lost:1").run();

            assertEquals(0, result.exitCode(), result.toString());
            assertTrue(result.stderr().contains("opening a new upload"), result.stderr());
            assertEquals(count(proxy, is("PUT", "/blobs/uploads/")), count(proxy, is("POST", "/blobs/uploads/")),
                    "one new upload opened for the lost one: " + proxy.requests());
        }
    }

    @Test
    void aPushAuthenticatesWithBearerTokensFromTheDockerConfigsCredentials(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri()).requireBearer("pusher", "pw")) {
            Path config = DockerConfig.write(tmp.resolve("docker"), proxy.hostPort(), new Credentials("pusher", "pw")).getParent();

            var result = push(proxy, tmp, "faults/token:1").env("DOCKER_CONFIG", config.toString()).run();

            assertEquals(0, result.exitCode(), result.toString());
            var tokens = proxy.requests().stream().filter(r -> r.path().equals(FaultProxy.TOKEN_PATH)).toList();
            assertTrue(!tokens.isEmpty() && tokens.stream().allMatch(t -> t.header("Authorization").orElse("").startsWith("Basic ")),
                    "tokens asked for with the configured credentials: " + tokens);
        }
    }
}
