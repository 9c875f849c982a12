package dev.launcher.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.oci.Digest;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Lines as docker-registry 2.8.2 wrote them here; the IT checks the same against a live server. */
class LoggedRequestTest {
    private static final String HEX = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    private static final Digest DIGEST = Digest.parse("sha256:" + HEX);

    private static LoggedRequest parse(String line) {
        return LoggedRequest.parse(line).orElseThrow();
    }

    @Test
    void blobGetWithContentAndRangeCount() {
        assertEquals(Optional.of(DIGEST), parse("127.0.0.1 - - [23/Nov/2026:21:12:44 +0000] \"GET /v2/t/blobs/sha256:"
                + HEX + " HTTP/1.1\" 200 5 \"\" \"curl/7.88.1\"").downloadedBlob());
        assertEquals(Optional.of(DIGEST), parse("127.0.0.1 - - [23/Nov/2026:21:12:44 +0000] \"GET /v2/org/app/blobs/sha256:"
                + HEX + " HTTP/2.0\" 206 2 \"\" \"Java-http-client/25\"").downloadedBlob());
    }

    @Test
    void headsFailuresUploadsAndManifestsDoNotCount() {
        for (String request : new String[] {
                "\"HEAD /v2/t/blobs/sha256:" + HEX + " HTTP/1.1\" 200 0",
                "\"GET /v2/t/blobs/sha256:" + HEX + " HTTP/1.1\" 404 157",
                "\"GET /v2/t/blobs/sha256:" + HEX + " HTTP/1.1\" 401 145",
                "\"GET /v2/t/blobs/uploads/a5a5aec1-d31c-4c5c-bef6-dc8440669562 HTTP/1.1\" 204 0",
                "\"GET /v2/t/manifests/latest HTTP/1.1\" 200 402"}) {
            LoggedRequest parsed = parse("127.0.0.1 - - [23/Nov/2026:21:12:44 +0000] " + request + " \"\" \"curl\"");
            assertEquals(Optional.empty(), parsed.downloadedBlob(), request);
        }
    }

    @Test
    void structuredLogLinesAreNotRequests() {
        assertTrue(LoggedRequest.parse("time=\"2026-11-23T21:12:44.87Z\" level=info msg=\"response completed\""
                + " http.request.method=GET http.request.uri=\"/v2/t/blobs/sha256:" + HEX + "\""
                + " http.response.status=200").isEmpty());
    }

    @Test
    void pathDropsTheQuery() {
        LoggedRequest put = parse("127.0.0.1 - - [23/Nov/2026:21:12:44 +0000] \"PUT /v2/t/blobs/uploads/x?_state=abc"
                + "&digest=sha256:" + HEX + " HTTP/1.1\" 201 0 \"\" \"curl/7.88.1\"");
        assertEquals("PUT", put.method());
        assertEquals("/v2/t/blobs/uploads/x", put.path());
        assertEquals(201, put.status());
    }
}
