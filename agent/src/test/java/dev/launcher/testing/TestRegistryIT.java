package dev.launcher.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.oci.Digest;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness against a live registry, with the JDK's HttpClient only: if this passes, other ITs may trust it. */
class TestRegistryIT {
    private static final String REPO = "harness/selftest";
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    @Test
    void servesWhatWasPushedAndCountsExactlyTheBlobDownloads() throws IOException {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            RegistryClient client = registry.client();
            byte[] layer = randomBytes(300_000);
            byte[] config = "{}".getBytes();
            Digest layerDigest = client.pushBlob(REPO, layer);
            Digest configDigest = client.pushBlob(REPO, config);
            byte[] manifest = manifest(configDigest, config.length, layerDigest, layer.length);
            Digest manifestDigest = client.pushManifest(REPO, "1.0", OCI_MANIFEST, manifest);
            assertEquals(0, registry.totalBlobGets(), "uploads are not downloads\n" + registry.log());

            HttpResponse<byte[]> pulled = client.send(client.request("/v2/" + REPO + "/manifests/1.0")
                    .header("Accept", OCI_MANIFEST).GET().build());
            assertEquals(200, pulled.statusCode());
            assertArrayEquals(manifest, pulled.body());
            assertEquals(manifestDigest.toString(), pulled.headers().firstValue("Docker-Content-Digest").orElseThrow());

            String layerPath = "/v2/" + REPO + "/blobs/" + layerDigest;
            assertEquals(200, client.head(layerPath).statusCode());
            assertArrayEquals(layer, client.get(layerPath).body());
            assertArrayEquals(layer, client.get(layerPath).body());
            assertEquals(404, client.get("/v2/" + REPO + "/blobs/" + Digest.sha256("absent".getBytes())).statusCode());
            // Counted straight after the downloads: this is what relies on the log catching up.
            assertEquals(2, registry.blobGets(layerDigest), registry.log());

            HttpResponse<byte[]> range = client.send(client.request(layerPath).header("Range", "bytes=10-19").GET().build());
            assertEquals(206, range.statusCode());
            assertEquals(3, registry.blobGets(layerDigest), "a range GET is a download too");
            assertEquals(0, registry.blobGets(configDigest));
            assertEquals(3, registry.totalBlobGets());
            assertTrue(registry.requests().stream().anyMatch(r -> r.method().equals("HEAD")), "HEADs are logged");
        }
    }

    @Test
    void aTamperedBlobFileIsWhatTheRegistryServes() throws IOException {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            byte[] blob = randomBytes(1000);
            Digest digest = registry.client().pushBlob(REPO, blob);
            Path file = registry.blobFile(digest);
            assertTrue(file.startsWith(registry.storageRoot()));
            assertArrayEquals(blob, Files.readAllBytes(file));

            blob[500] ^= 1;
            Files.write(file, blob);
            assertArrayEquals(blob, registry.client().get("/v2/" + REPO + "/blobs/" + digest).body());
        }
    }

    @Test
    void basicAuthRejectsRequestsWithoutTheRightCredentials(@TempDir Path dockerConfigDir) throws Exception {
        try (TestRegistry registry = TestRegistry.builder().basicAuth("alice", "s3cret").start();
             HttpClient anonymous = HttpClient.newHttpClient()) {
            URI v2 = registry.baseUri().resolve("/v2/");
            HttpResponse<String> denied = anonymous.send(HttpRequest.newBuilder(v2).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, denied.statusCode());
            assertTrue(denied.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic "));
            String wrong = new Credentials("alice", "wrong").authorizationHeader();
            assertEquals(401, anonymous.send(HttpRequest.newBuilder(v2).header("Authorization", wrong).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            assertEquals(200, registry.client().get("/v2/").statusCode());

            Digest digest = registry.client().pushBlob(REPO, randomBytes(100));
            URI blob = registry.baseUri().resolve("/v2/" + REPO + "/blobs/" + digest);
            assertEquals(401, anonymous.send(HttpRequest.newBuilder(blob).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            assertEquals(200, registry.client().get(blob.getPath()).statusCode());
            assertEquals(1, registry.blobGets(digest), "a refused GET is not a download");

            String config = Files.readString(registry.writeDockerConfig(dockerConfigDir));
            assertTrue(config.contains("\"" + registry.hostPort() + "\": {\"auth\": \""
                    + registry.credentials().orElseThrow().token() + "\"}"), config);
        }
    }

    @Test
    void tlsIsAcceptedWithTheTestCaAndRefusedWithout() throws Exception {
        try (TestCerts certs = TestCerts.create();
             TestRegistry registry = TestRegistry.builder().basicAuth("alice", "s3cret").tls(certs).start();
             HttpClient trusting = HttpClient.newBuilder().sslContext(certs.sslContext()).build();
             HttpClient systemTrust = HttpClient.newHttpClient()) {
            assertEquals("https", registry.baseUri().getScheme());
            for (String host : new String[] {"127.0.0.1", "localhost"}) {
                URI v2 = URI.create("https://" + host + ":" + registry.port() + "/v2/");
                assertEquals(401, trusting.send(HttpRequest.newBuilder(v2).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode(), host + " is in the certificate");
            }
            IOException refused = assertThrows(IOException.class, () -> systemTrust.send(
                    HttpRequest.newBuilder(registry.baseUri().resolve("/v2/")).build(),
                    HttpResponse.BodyHandlers.discarding()));
            assertInstanceOf(SSLHandshakeException.class, refused, "a CA nobody trusts must fail the handshake");

            byte[] content = randomBytes(5000);
            Digest digest = registry.client().pushBlob(REPO, content);
            assertArrayEquals(content, registry.client().get("/v2/" + REPO + "/blobs/" + digest).body());
            assertEquals(1, registry.blobGets(digest), "counted over TLS too\n" + registry.log());
        }
    }

    @Test
    void aRegistryCanBeDownThenUpOnTheSamePortWithItsContent() throws Exception {
        Path storage;
        try (TestRegistry registry = TestRegistry.builder().build()) {
            storage = registry.storageRoot();
            assertFalse(registry.isRunning());
            assertRefused(registry);

            byte[] content = randomBytes(2000);
            Digest digest = registry.start().client().pushBlob(REPO, content);
            String hostPort = registry.hostPort();
            registry.stop();
            assertFalse(registry.isRunning());
            assertRefused(registry);

            registry.start();
            assertEquals(hostPort, registry.hostPort());
            assertArrayEquals(content, registry.client().get("/v2/" + REPO + "/blobs/" + digest).body());
            registry.restart();
            assertArrayEquals(content, registry.client().get("/v2/" + REPO + "/blobs/" + digest).body());
            assertEquals(2, registry.blobGets(digest), "counts span runs");
        }
        assertFalse(Files.exists(storage), "close() deletes the registry's files");
    }

    private static void assertRefused(TestRegistry registry) {
        try (HttpClient http = HttpClient.newHttpClient()) {
            IOException e = assertThrows(IOException.class, () -> http.send(
                    HttpRequest.newBuilder(URI.create("http://" + registry.hostPort() + "/v2/")).build(),
                    HttpResponse.BodyHandlers.discarding()));
            assertInstanceOf(ConnectException.class, e, "nothing may listen on a registry that is down");
        }
    }

    private static byte[] manifest(Digest config, int configSize, Digest layer, int layerSize) {
        return """
                {"schemaVersion":2,"mediaType":"%s",\
                "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},\
                "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d}]}"""
                .formatted(OCI_MANIFEST, config, configSize, layer, layerSize).getBytes();
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }
}
