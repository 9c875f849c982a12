package dev.launcher.testing;

import dev.launcher.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * Speaks the distribution API with the JDK's HttpClient only, to seed a test registry and to check it: nothing of
 * the product's registry code is used, so a test never checks the product against itself.
 */
public final class RegistryClient implements AutoCloseable {
    private final URI base;
    private final Optional<Credentials> credentials;
    private final HttpClient http;

    RegistryClient(URI base, Optional<Credentials> credentials, Optional<SSLContext> ssl) {
        this.base = base;
        this.credentials = credentials;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        ssl.ifPresent(builder::sslContext);
        this.http = builder.build();
    }

    /**
     * A request to {@code path} ("/v2/...", or an absolute URL the registry sent back) that carries the
     * registry's credentials, if it has any.
     */
    public HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        credentials.ifPresent(c -> request.header("Authorization", c.authorizationHeader()));
        return request;
    }

    public HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + request.method() + " " + request.uri(), e);
        }
    }

    public HttpResponse<byte[]> get(String path) {
        return send(request(path).GET().build());
    }

    public HttpResponse<byte[]> head(String path) {
        return send(request(path).HEAD().build());
    }

    public Digest pushBlob(String repo, byte[] content) {
        Digest digest = Digest.sha256(content);
        upload(repo, digest, HttpRequest.BodyPublishers.ofByteArray(content));
        return digest;
    }

    /** Streams the file twice (hash, then upload) rather than holding a large blob in memory. */
    public Digest pushBlob(String repo, Path file) {
        MessageDigest hasher = Digest.newSha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), hasher)) {
            in.transferTo(OutputStream.nullOutputStream());
            Digest digest = Digest.of(hasher);
            upload(repo, digest, HttpRequest.BodyPublishers.ofFile(file));
            return digest;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** PUTs a manifest under a tag (or its digest); returns the digest the registry now serves it by. */
    public Digest pushManifest(String repo, String reference, String mediaType, byte[] manifest) {
        HttpResponse<byte[]> response = send(request("/v2/" + repo + "/manifests/" + reference)
                .header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest))
                .build());
        expect(response, 201);
        return Digest.sha256(manifest);
    }

    /** Monolithic upload: POST opens a session, one PUT with ?digest= sends the bytes and closes it. */
    private void upload(String repo, Digest digest, HttpRequest.BodyPublisher body) {
        HttpResponse<byte[]> opened = send(request("/v2/" + repo + "/blobs/uploads/")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
        expect(opened, 202);
        String location = opened.headers().firstValue("Location")
                .orElseThrow(() -> new IllegalStateException("upload session for " + repo + " has no Location"));
        String put = location + (location.contains("?") ? "&" : "?") + "digest=" + digest;
        HttpResponse<byte[]> closed = send(request(put)
                .header("Content-Type", "application/octet-stream")
                .PUT(body)
                .build());
        expect(closed, 201);
    }

    private static void expect(HttpResponse<byte[]> response, int status) {
        if (response.statusCode() != status) {
            throw new IllegalStateException(response.request().method() + " " + response.uri() + " answered "
                    + response.statusCode() + " (expected " + status + "): " + new String(response.body()));
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
