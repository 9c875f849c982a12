package dev.launcher.it;

import static dev.launcher.it.LauncherProcess.launcher;
import static dev.launcher.testing.FaultProxy.Fault.blobUnknown;
import static dev.launcher.testing.FaultProxy.Fault.contentLength;
import static dev.launcher.testing.FaultProxy.Fault.cutAfter;
import static dev.launcher.testing.FaultProxy.Fault.extend;
import static dev.launcher.testing.FaultProxy.Fault.forbidden;
import static dev.launcher.testing.FaultProxy.Fault.hugeBody;
import static dev.launcher.testing.FaultProxy.Fault.ignoreRange;
import static dev.launcher.testing.FaultProxy.Fault.redirect;
import static dev.launcher.testing.FaultProxy.Fault.retryAfter;
import static dev.launcher.testing.FaultProxy.Fault.stallAfter;
import static dev.launcher.testing.FaultProxy.Fault.stallBeforeHeaders;
import static dev.launcher.testing.FaultProxy.Fault.status;
import static dev.launcher.testing.FaultProxy.Fault.truncate;
import static dev.launcher.testing.FaultProxy.blobGet;
import static dev.launcher.testing.FaultProxy.manifestGets;
import static dev.launcher.testing.FaultProxy.tokenRequests;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.oci.Digest;
import dev.launcher.testing.Credentials;
import dev.launcher.testing.DockerConfig;
import dev.launcher.testing.FaultProxy;
import dev.launcher.testing.FaultProxy.Fault;
import dev.launcher.testing.FaultProxy.Request;
import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A real registry:2 behind {@link FaultProxy}, which breaks chosen requests on the wire; the launcher
 * runs as a process against the proxy. Each case checks the exit code, what reached the registry, and
 * that nothing unverified was cached or assembled.
 */
class RegistryFaultsIT {
    private static final int PAYLOAD = 3 << 20;
    private static TestRegistry registry;
    private static byte[] payload;
    private static String repoAndDigest;
    private static Digest layer;

    @BeforeAll
    static void pushApp(@TempDir Path work) throws IOException {
        registry = TestRegistry.builder().start();
        payload = new byte[PAYLOAD];
        new Random(6).nextBytes(payload);
        byte[] tar = new RawArtifact.Tar(false)
                .file("run.sh", "#!/bin/sh\necho faults ok\n", 0755)
                .file("payload.bin", payload, 0644)
                .bytes();
        RawArtifact artifact = new RawArtifact().layer(tar, "application/vnd.oci.image.layer.v1.tar", Map.of());
        String ref = artifact.push(registry.hostPort(), "faults/app:1", work);
        repoAndDigest = ref.substring(registry.hostPort().length() + 1);
        layer = artifact.layers().getFirst().digest();
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    // ---- 5xx and 429: retried with backoff, Retry-After honoured, bounded by attempts and deadline

    @Test
    void serverErrorsAreRetriedUntilTheyPass(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
            proxy.inject(manifestGets(), 2, status(503));
            proxy.inject(layerGets(), 2, status(500));

            var result = pull(proxy, tmp).run();

            assertWhole(result, tmp);
            assertEquals(3, count(proxy, manifestGets()), "two 503s, then the manifest");
            assertEquals(3, count(proxy, layerGets()), "two 500s, then the layer");
            assertTrue(result.stderr().contains("HTTP 503") && result.stderr().contains("trying again"), result.stderr());
        }
    }

    @Test
    void retryAfterIsWaitedOut(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
            proxy.inject(layerGets(), 1, retryAfter(429, "2"));

            var result = pull(proxy, tmp).run();

            assertWhole(result, tmp);
            List<Request> gets = requests(proxy, layerGets());
            assertEquals(List.of(429, 200), gets.stream().map(Request::status).toList());
            Duration gap = Duration.between(gets.get(0).received(), gets.get(1).received());
            assertTrue(gap.toMillis() >= 1900, "asked again after " + gap.toMillis() + " ms, not after the 2 s asked for");
        }
    }

    @Test
    void aRegistryThatKeepsFailingIsGivenUpAfterFiveAttemptsWith75(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
            proxy.inject(manifestGets(), Integer.MAX_VALUE, status(502));

            var result = pull(proxy, tmp).run();

            assertEquals(75, result.exitCode(), result.toString());
            assertEquals(5, count(proxy, manifestGets()));
            assertOneLauncherLine(result, "HTTP 502", "gave up after 5 attempts");
            assertFalse(Files.exists(tmp.resolve("app/run.sh")));
        }
    }

    @Test
    void retriesStopAtThePullDeadline(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
            proxy.inject(manifestGets(), Integer.MAX_VALUE, retryAfter(503, "1"));

            long start = System.nanoTime();
            var result = pull(proxy, tmp).env("LAUNCHER_PULL_DEADLINE", "2.5").run();
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;

            assertEquals(75, result.exitCode(), result.toString());
            long attempts = count(proxy, manifestGets());
            assertTrue(attempts >= 2 && attempts <= 3, attempts + " attempts in a 2.5 s deadline with 1 s waits");
            assertOneLauncherLine(result, "HTTP 503", "LAUNCHER_PULL_DEADLINE");
            assertTrue(seconds < 30, "gave up within the deadline, not after " + seconds + " s");
        }
    }

    @Test
    void aRetryAfterBeyondTheDeadlineFailsAtOnce(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
            proxy.inject(manifestGets(), Integer.MAX_VALUE, retryAfter(503, "3600"));

            var result = pull(proxy, tmp).run();

            assertEquals(75, result.exitCode(), result.toString());
            assertEquals(1, count(proxy, manifestGets()));
            assertOneLauncherLine(result, "after the deadline");
        }
    }

    // ---- a cut or stalled transfer resumes with Range; the whole blob is still verified

    @Test
    void aConnectionCutMidBlobResumesWithRange(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
            proxy.inject(layerGets(), 2, cutAfter(1 << 20));

            var result = pull(proxy, tmp).run();

            assertWhole(result, tmp);
            List<Request> gets = requests(proxy, layerGets());
            assertEquals(3, gets.size());
            assertEquals(List.of(200, 206, 206), gets.stream().map(Request::status).toList());
            assertEquals(Optional.empty(), gets.get(0).header("Range"));
            // Each resume starts past the last one and within the 1 MiB sent before the cut: the JDK client
            // drops what it had buffered but not yet handed over when the connection breaks, so not exactly at it.
            long previous = 0;
            for (Request resumed : gets.subList(1, 3)) {
                long start = rangeStart(resumed);
                assertTrue(start > previous && start <= previous + (1 << 20), "resumed at " + start + " after " + previous);
                previous = start;
            }
            assertTrue(result.stderr().contains("resuming from there"), result.stderr());
        }
    }

    @Test
    void aServerThatIgnoresRangeStillGivesAWholeVerifiedBlob(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
            proxy.inject(layerGets(), 1, cutAfter(1 << 20));
            proxy.inject(layerGets(), 1, ignoreRange());

            var result = pull(proxy, tmp).run();

            assertWhole(result, tmp);
            assertTrue(result.stderr().contains("ignored the Range request"), result.stderr());
        }
    }

    @Test
    void aStalledBodyHitsTheIdleTimeoutAndResumes(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
            proxy.inject(layerGets(), 1, stallAfter(1 << 20, Duration.ofMinutes(5)));

            var result = pull(proxy, tmp).env("LAUNCHER_IDLE_TIMEOUT", "1").run();

            assertWhole(result, tmp);
            List<Request> gets = requests(proxy, layerGets());
            assertEquals(List.of("", "bytes=1048576-"), gets.stream().map(r -> r.header("Range").orElse("")).toList());
            assertTrue(result.stderr().contains("no data for 1.0 s"), result.stderr());
        }
    }

    @Test
    void aRegistryThatNeverAnswersIsRetriedThenGivesUpWith69(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
            proxy.inject(manifestGets(), 1, stallBeforeHeaders(Duration.ofMinutes(5)));
            proxy.inject(layerGets(), Integer.MAX_VALUE, stallAfter(1000, Duration.ofMinutes(5)));

            var result = pull(proxy, tmp).env("LAUNCHER_IDLE_TIMEOUT", "0.5").run();

            assertEquals(69, result.exitCode(), result.toString());
            assertEquals(2, count(proxy, manifestGets()), "the manifest that never came was asked again");
            assertEquals(5, count(proxy, layerGets()), "a transfer that makes no progress is given up after five tries");
            assertOneLauncherLine(result, layer.toString(), "no data for 0.5 s");
            assertNothingCached(tmp);
        }
    }

    // ---- wrong sizes: 65, not retried, nothing cached

    static Stream<Arguments> wrongSizes() {
        return Stream.of(
                Arguments.of("shorter body, consistent Content-Length", truncate(1000)),
                Arguments.of("longer body, consistent Content-Length", extend(new byte[] {1, 2, 3})),
                Arguments.of("Content-Length too high", contentLength(PAYLOAD * 2L)),
                Arguments.of("Content-Length too low", contentLength(1000)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrongSizes")
    void aBodyOfAnotherSizeThanItsDescriptorFailsWith65AndCachesNothing(String name, Fault fault, @TempDir Path tmp)
            throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
            proxy.inject(layerGets(), 1, fault);

            var result = pull(proxy, tmp).run();

            assertEquals(65, result.exitCode(), result.toString());
            assertEquals(1, count(proxy, layerGets()), "wrong bytes are not asked again");
            assertOneLauncherLine(result, layer.toString());
            assertNothingCached(tmp);
        }
    }

    // ---- answers that will not change

    @Test
    void notFoundIsNotRetriedAndExits66(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
            proxy.inject(layerGets(), 1, blobUnknown());

            var result = pull(proxy, tmp).run();

            assertEquals(66, result.exitCode(), result.toString());
            assertEquals(1, count(proxy, layerGets()));
            assertOneLauncherLine(result, "HTTP 404 BLOB_UNKNOWN: blob unknown to registry");
            assertNothingCached(tmp);
        }
    }

    // ---- credentials: a refused token is renewed once; Authorization never leaves its origin

    @Test
    void bearerTokensAreFetchedWithTheConfiguredCredentialsAndRenewedOnceWhenRefused(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri()).requireBearer("puller", "pw")) {
            // a token that expired mid-pull: the registry says 401 with a fresh challenge
            proxy.inject(layerGets(), 1, status(401, Map.of("WWW-Authenticate", challenge(proxy)), "{\"errors\":[]}"));

            var result = pull(proxy, tmp).env("DOCKER_CONFIG", dockerConfig(tmp, proxy, "pw").toString()).run();

            assertWhole(result, tmp);
            List<Request> tokens = requests(proxy, tokenRequests());
            assertEquals(2, tokens.size(), "one token, and one more after the 401");
            assertTrue(tokens.stream().allMatch(t -> t.header("Authorization").orElse("").startsWith("Basic ")));
        }
    }

    @Test
    void credentialsRefusedAgainAfterRenewalExit77(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri()).requireBearer("puller", "pw")) {
            proxy.denyTokens(true);

            var result = pull(proxy, tmp).env("DOCKER_CONFIG", dockerConfig(tmp, proxy, "pw").toString()).run();

            assertEquals(77, result.exitCode(), result.toString());
            assertEquals(2, count(proxy, manifestGets()), "anonymous, then once with a token");
            assertEquals(1, count(proxy, tokenRequests()));
            assertOneLauncherLine(result, "even after authenticating again");
        }
    }

    @Test
    void forbiddenWithAValidTokenIsAskedOnceMoreThenExits77(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri()).requireBearer("puller", "pw")) {
            proxy.inject(layerGets(), Integer.MAX_VALUE, forbidden());

            var result = pull(proxy, tmp).env("DOCKER_CONFIG", dockerConfig(tmp, proxy, "pw").toString()).run();

            assertEquals(77, result.exitCode(), result.toString());
            assertEquals(2, count(proxy, layerGets()));
            assertOneLauncherLine(result, "HTTP 403 DENIED");
        }
    }

    @Test
    void wrongPasswordForTheTokenServerExits77(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri()).requireBearer("puller", "pw")) {
            var result = pull(proxy, tmp).env("DOCKER_CONFIG", dockerConfig(tmp, proxy, "wrong").toString()).run();

            assertEquals(77, result.exitCode(), result.toString());
            assertEquals(1, count(proxy, tokenRequests()));
            assertOneLauncherLine(result, "refused the credentials");
        }
    }

    @ParameterizedTest(name = "redirect to {0}")
    @MethodSource("otherOrigins")
    void aRedirectToAnotherOriginNeverCarriesOurAuthorization(String host, @TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri()).requireBearer("puller", "pw");
             FaultProxy storage = FaultProxy.start(registry.baseUri(), host)) {
            proxy.inject(layerGets(), 1, redirect(storage.baseUri()));

            var result = pull(proxy, tmp).env("DOCKER_CONFIG", dockerConfig(tmp, proxy, "pw").toString()).run();

            assertWhole(result, tmp);
            assertTrue(requests(proxy, layerGets()).getFirst().header("Authorization").orElse("").startsWith("Bearer "),
                    "the registry itself got the token");
            List<Request> redirected = requests(storage, layerGets());
            assertEquals(1, redirected.size());
            assertEquals(Optional.empty(), redirected.getFirst().header("Authorization"),
                    "the redirect target " + storage.baseUri() + " got no Authorization");
        }
    }

    static Stream<String> otherOrigins() {
        return Stream.of("localhost", "127.0.0.1");
    }

    // ---- size caps on what is read into memory

    @Test
    void aHugeTokenBodyIsCutAtItsCap(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri()).requireBearer("puller", "pw")) {
            proxy.inject(tokenRequests(), 1, hugeBody(Long.MAX_VALUE));

            var result = pull(proxy, tmp).env("DOCKER_CONFIG", dockerConfig(tmp, proxy, "pw").toString()).run();

            assertEquals(65, result.exitCode(), result.toString());
            assertOneLauncherLine(result, "the token from", "over the 1048576 byte limit");
        }
    }

    @Test
    void aHugeManifestIsRefusedByItsAnnouncedLength(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
            proxy.inject(manifestGets(), 1, hugeBody(64L << 20));

            var result = pull(proxy, tmp).run();

            assertEquals(65, result.exitCode(), result.toString());
            assertOneLauncherLine(result, "is 67108864 bytes, over the 4194304 byte limit");
        }
    }

    @Test
    void anEndlessErrorBodyIsReadOnlyAsFarAsItsCap(@TempDir Path tmp) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
            proxy.inject(layerGets(), 1, hugeBody(404, Long.MAX_VALUE));

            var result = pull(proxy, tmp).run();

            assertEquals(66, result.exitCode(), result.toString());
            assertOneLauncherLine(result, "HTTP 404");
        }
    }

    // ---- helpers

    private static LauncherProcess pull(FaultProxy proxy, Path tmp) {
        return launcher().env("ARTIFACT", proxy.hostPort() + "/" + repoAndDigest).env("RUNARGS", "./run.sh")
                .env("LAUNCHER_CACHE", tmp.resolve("cache").toString())
                .env("LAUNCHER_APP_DIR", tmp.resolve("app").toString())
                .env("LAUNCHER_INSECURE", proxy.hostPort())
                .env("LAUNCHER_IDLE_TIMEOUT", "5");
    }

    private static long rangeStart(Request request) {
        String range = request.header("Range").orElseThrow(() -> new AssertionError("no Range in " + request));
        assertTrue(range.matches("bytes=\\d+-"), range);
        return Long.parseLong(range.substring("bytes=".length(), range.length() - 1));
    }

    private static Predicate<Request> layerGets() {
        return blobGet(layer.toString());
    }

    private static String challenge(FaultProxy proxy) {
        return "Bearer realm=\"" + proxy.baseUri() + FaultProxy.TOKEN_PATH + "\",service=\"" + FaultProxy.SERVICE
                + "\",scope=\"repository:faults/app:pull\"";
    }

    private static Path dockerConfig(Path tmp, FaultProxy proxy, String password) {
        return DockerConfig.write(tmp.resolve("docker"), proxy.hostPort(), new Credentials("puller", password)).getParent();
    }

    private static List<Request> requests(FaultProxy proxy, Predicate<Request> which) {
        return proxy.requests().stream().filter(which).toList();
    }

    private static long count(FaultProxy proxy, Predicate<Request> which) {
        return requests(proxy, which).size();
    }

    private static void assertWhole(LauncherProcess.Result result, Path tmp) throws IOException {
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.stdout().contains("faults ok"), result.toString());
        assertArrayEquals(payload, Files.readAllBytes(tmp.resolve("app/payload.bin")), "the app's payload is whole");
    }

    /** A known failure is one line from the launcher on stderr, naming what failed. */
    private static void assertOneLauncherLine(LauncherProcess.Result result, String... parts) {
        List<String> lines = result.stderr().lines().filter(l -> l.startsWith("launcher:")).toList();
        assertEquals(1, lines.size(), result.stderr());
        for (String part : parts) {
            assertTrue(lines.getFirst().contains(part), "'" + part + "' in: " + lines.getFirst());
        }
    }

    private static void assertNothingCached(Path tmp) throws IOException {
        Path cache = tmp.resolve("cache");
        assertEquals(0, Apps.layerTreesIn(cache), "no layer tree was published");
        assertFalse(Apps.blobsIn(cache).contains(layer), "the layer blob was not cached");
        Apps.assertNoTempDebris(cache);
        assertFalse(Files.exists(tmp.resolve("app/run.sh")), "nothing was assembled");
    }
}
