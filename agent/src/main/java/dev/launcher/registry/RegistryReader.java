package dev.launcher.registry;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.oci.Descriptor;
import dev.launcher.oci.Digest;
import dev.launcher.oci.Reference;
import dev.launcher.oci.RegistryClient;
import dev.launcher.oci.RegistrySettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * The pull side of the registry API: manifests and blobs, read with retries, resumption, an idle timeout
 * and size caps. Where to send each request and with which credentials comes from {@link RegistryClient}
 * (oras-java); the bytes it returns are not trusted: callers verify them against their digests.
 */
public final class RegistryReader {
    /** A manifest is a few KB; 4 MiB leaves room for huge indexes and refuses anything that is not one. */
    public static final int MAX_MANIFEST_BYTES = 4 << 20;
    private static final String MANIFEST_TYPES = String.join(", ",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");

    private final RegistryClient routes;
    /** Cheap: a start from a pinned, cached digest never makes the HTTP client (its threads and classes). */
    private final Memo<RegistryHttp> http;

    public RegistryReader(RegistryClient routes, RegistrySettings settings) {
        this.routes = routes;
        this.http = RegistryHttp.lazily(settings);
    }

    /** A manifest exactly as the registry served it; not yet verified. */
    public record RawManifest(byte[] bytes, Optional<String> mediaType) {}

    /**
     * @throws LauncherException INTEGRITY when it is over {@link #MAX_MANIFEST_BYTES} or does not match the
     *     digest the registry announced for it; else as {@link RegistryHttp#get}
     */
    public RawManifest manifest(Reference ref) {
        URI uri = routes.manifestUri(ref);
        String what = "fetch the manifest of " + ref;
        Scope scope = scope(ref, uri);
        for (int attempt = 1; ; attempt++) {
            // A manifest is small: a read cut midway is asked again from the start.
            try (RegistryResponse response = http.get().get(uri, Map.of("Accept", MANIFEST_TYPES), scope, what)) {
                byte[] bytes = BoundedBody.read(response.body(), response.contentLength(), MAX_MANIFEST_BYTES,
                        "the manifest of " + ref);
                checkAnnouncedDigest(response, bytes, ref);
                return new RawManifest(bytes, response.header("Content-Type"));
            } catch (IOException cut) {
                if (!awaitRetry(attempt, what, cut)) {
                    throw transferFailed(what, cut);
                }
            }
        }
    }

    private boolean awaitRetry(int failures, String what, IOException cut) {
        try {
            return http.get().awaitRetry(failures, what, "the transfer broke (" + cut.getMessage() + ")");
        } catch (InterruptedIOException e) {
            throw new LauncherException(ExitCode.UNREACHABLE, "cannot " + what + ": interrupted", e);
        }
    }

    /** For a tag, the registry's word is all there is to check against; a pinned digest is checked by the caller. */
    private static void checkAnnouncedDigest(RegistryResponse response, byte[] bytes, Reference ref) {
        if (ref.isPinned()) {
            return;
        }
        Optional<String> announced = response.header("Docker-Content-Digest");
        if (announced.isPresent() && announced.get().startsWith("sha256:")
                && !announced.get().equals(Digest.sha256(bytes).toString())) {
            throw LauncherException.integrity("the manifest of " + ref + " does not match the digest " + announced.get()
                    + " the registry announced for it: the registry or a proxy altered it; nothing was used");
        }
    }

    /**
     * The blob's bytes from the registry, resumed where a transfer broke. Fails before returning when the
     * registry refuses the blob or announces another size than {@code blob}'s.
     */
    public InputStream blob(Reference ref, Descriptor blob) {
        URI uri = routes.blobUri(ref, blob.digest());
        String what = "download blob " + blob.digest().shortForm() + " of " + ref.repositoryName();
        try {
            return BlobStream.open(http.get(), uri, scope(ref, uri), blob, what);
        } catch (IOException e) {
            throw transferFailed(what, e);
        }
    }

    private Scope scope(Reference ref, URI uri) {
        return Scope.of(routes, ref, uri, Scope.PULL);
    }

    private static LauncherException transferFailed(String what, IOException e) {
        return new LauncherException(ExitCode.UNREACHABLE, "cannot " + what + ": the transfer failed ("
                + e.getMessage() + "): check the network and retry", e);
    }
}
