package dev.launcher.registry;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.oci.Digest;
import dev.launcher.oci.Reference;
import dev.launcher.oci.RegistryClient;
import dev.launcher.oci.RegistrySettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads over the registry API as the distribution spec describes it: a HEAD to see whether the repository has a
 * blob, a monolithic upload (POST to open it, PUT with the whole blob and its digest) when it has not, and a PUT of
 * the manifest under its tag. With the same retries, redirects and credentials as pulls ({@link RegistryHttp}).
 *
 * <p>Not through oras-java: its push loaded BouncyCastle (0.3 s of class loading and 0.1 s verifying the signed
 * jar, for its digest utilities) and built its client (0.15 s), about 0.6 s of a 1.4 s push of a tiny directory.
 */
public final class RegistryWriter {
    private static final String OCTET_STREAM = "application/octet-stream";
    private static final Logger LOG = LoggerFactory.getLogger(RegistryWriter.class);
    private static final int NOT_FOUND = 404;
    /** Uploads of one blob: each with RegistryHttp's retries; a second one only after the registry lost the first. */
    private static final int MAX_UPLOADS = 2;

    private final RegistryClient routes;
    /** Made by the first request, or by {@link #prepare}: 0.1 s of a push's start, most of it TLS set-up. */
    private final Memo<RegistryHttp> http;

    public RegistryWriter(RegistryClient routes, RegistrySettings settings) {
        this.routes = routes;
        this.http = RegistryHttp.lazily(settings);
    }

    /**
     * Finds where {@code ref}'s repository lives (registries.conf, through oras-java: 0.14 s the first time) and sets
     * up the HTTP client, so that a caller can have both done while it does something else.
     */
    public void prepare(Reference ref, Digest anyDigest) {
        routes.blobUri(ref, anyDigest);
        http.get();
    }

    /** Whether {@code ref}'s repository holds blob {@code digest}. */
    public boolean hasBlob(Reference ref, Digest digest) {
        URI uri = routes.blobUri(ref, digest);
        String what = "look for blob " + digest.shortForm() + " in " + ref.repositoryName();
        return exchange(RegistryRequest.head(uri), scope(ref, uri), what, Set.of(NOT_FOUND),
                response -> response.status() != NOT_FOUND);
    }

    /**
     * Uploads {@code file} as blob {@code digest} unless the repository holds it already.
     *
     * @return whether it was uploaded
     */
    public boolean pushBlob(Reference ref, Digest digest, Path file) {
        if (hasBlob(ref, digest)) {
            return false;
        }
        URI blob = routes.blobUri(ref, digest);
        Scope scope = scope(ref, blob);
        String what = "upload blob " + digest.shortForm() + " to " + ref.repositoryName();
        for (int upload = 1; ; upload++) {
            URI location = exchange(RegistryRequest.post(uploadsOf(blob)), scope, what, Set.of(), opened -> opened
                    .header("Location").map(opened.uri()::resolve).orElseThrow(() -> new LauncherException(
                            ExitCode.UNREACHABLE, "cannot " + what + ": the registry opened an upload (HTTP "
                            + opened.status() + ") without saying where to send it (no Location): check the registry")));
            URI put = URI.create(location + (location.getRawQuery() == null ? "?" : "&") + "digest=" + digest);
            try {
                return exchange(RegistryRequest.put(put, OCTET_STREAM, file), scope, what, Set.of(), response -> true);
            } catch (LauncherException e) {
                // A PUT whose answer was lost may have landed, and the retry then meets an upload the registry has
                // closed (404 BLOB_UPLOAD_UNKNOWN); so may one the registry dropped. What the repository holds decides,
                // else a new upload. Any other failure was retried already and stands.
                if (e.exitCode() != ExitCode.NOT_FOUND) {
                    throw e;
                }
                if (hasBlob(ref, digest)) {
                    return true;
                }
                if (upload >= MAX_UPLOADS) {
                    throw e;
                }
                LOG.warn("{}; opening a new upload", e.getMessage());
            }
        }
    }

    /**
     * Puts the exact bytes of {@code manifest} under {@code ref}'s tag.
     *
     * @return their digest, which the registry must announce back if it announces one
     */
    public Digest pushManifest(Reference ref, byte[] manifest, String mediaType) {
        URI uri = routes.manifestUri(ref);
        Digest digest = Digest.sha256(manifest);
        String what = "push the manifest of " + ref;
        Optional<String> announced = exchange(RegistryRequest.put(uri, mediaType, manifest), scope(ref, uri), what,
                Set.of(), response -> response.header("Docker-Content-Digest"));
        if (announced.isPresent() && announced.get().startsWith("sha256:") && !announced.get().equals(digest.toString())) {
            throw LauncherException.integrity("the registry stored the manifest of " + ref + " as " + announced.get()
                    + ", not as the " + digest + " that was sent: the registry or a proxy altered it");
        }
        return digest;
    }

    /** Sends {@code request} and reads what is needed of the answer; its body is never needed whole. */
    private <T> T exchange(RegistryRequest request, Scope scope, String what, Set<Integer> accepted,
            Function<RegistryResponse, T> read) {
        RegistryResponse response = http.get().send(request, scope, what, accepted);
        try {
            return read.apply(response);
        } finally {
            try {
                response.close();
            } catch (IOException ignored) {
                // the answer was read; a connection that fails to close costs nothing here
            }
        }
    }

    /** {@code …/v2/REPO/blobs/sha256:…} → {@code …/v2/REPO/blobs/uploads/}. */
    static URI uploadsOf(URI blob) {
        String path = blob.getRawPath();
        return blob.resolve(path.substring(0, path.lastIndexOf("/blobs/")) + "/blobs/uploads/");
    }

    private Scope scope(Reference ref, URI uri) {
        return Scope.of(routes, ref, uri, Scope.PUSH);
    }
}
