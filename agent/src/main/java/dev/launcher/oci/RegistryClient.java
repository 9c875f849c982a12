package dev.launcher.oci;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import land.oras.ContainerRef;
import land.oras.Manifest;
import land.oras.Registry;
import land.oras.auth.AuthStore;
import land.oras.auth.AuthStoreAuthenticationProvider;
import land.oras.exception.OrasException;

/**
 * The only class that touches oras-java. It is used for what oras-java does well (reference routing,
 * auth from docker config.json and credential helpers, registries.conf, TLS setup) and trusted for
 * nothing else: callers verify every byte it returns against a digest.
 */
public final class RegistryClient {
    private final RegistrySettings settings;
    private final Map<String, Registry> registries = new ConcurrentHashMap<>();

    public RegistryClient(RegistrySettings settings) {
        this.settings = settings;
    }

    /** A manifest exactly as the registry served it; not yet verified. */
    public record RawManifest(byte[] bytes, String mediaType) {}

    public RawManifest fetchManifest(Reference ref) {
        return call("fetch the manifest of", ref, () -> {
            land.oras.Descriptor descriptor = registry(ref).getDescriptor(containerRef(ref));
            String json = descriptor.getJson();
            if (json == null) {
                throw LauncherException.integrity("registry " + ref.registry() + " returned an empty manifest for " + ref);
            }
            return new RawManifest(json.getBytes(StandardCharsets.UTF_8), descriptor.getMediaType());
        });
    }

    /** The blob's bytes as they stream from the registry; the caller hashes and counts them. */
    public InputStream openBlob(Reference ref, Digest digest) {
        return call("download blob " + digest.shortForm() + " of", ref,
                () -> registry(ref).fetchBlob(containerRef(ref).withDigest(digest.toString())));
    }

    public void pushBlob(Reference ref, Path file) {
        call("upload a blob to", ref, () -> registry(ref).pushBlob(containerRef(ref), file, Map.of()));
    }

    /** Pushes the exact manifest bytes under the reference's tag; returns their digest. */
    public Digest pushManifest(Reference ref, byte[] manifestJson) {
        Digest digest = Digest.sha256(manifestJson);
        call("push the manifest to", ref, () -> registry(ref)
                .pushManifest(containerRef(ref), Manifest.fromJson(new String(manifestJson, StandardCharsets.UTF_8))));
        return digest;
    }

    private ContainerRef containerRef(Reference ref) {
        return ContainerRef.parse(ref.toString());
    }

    private Registry registry(Reference ref) {
        return registries.computeIfAbsent(ref.registry(), host -> {
            Registry.Builder builder = Registry.builder().withAuthProvider(authProvider());
            if (settings.isInsecure(host)) {
                builder.withInsecure(true);
            }
            if (settings.caFile() != null) {
                builder.withCaFile(settings.caFile());
            }
            return builder.build();
        });
    }

    private AuthStoreAuthenticationProvider authProvider() {
        if (settings.dockerConfigDir() == null) {
            return new AuthStoreAuthenticationProvider();
        }
        return new AuthStoreAuthenticationProvider(
                AuthStore.newStore(List.of(settings.dockerConfigDir().resolve("config.json"))));
    }

    private <T> T call(String action, Reference ref, Supplier<T> work) {
        try {
            return work.get();
        } catch (OrasException e) {
            throw translate(action, ref, e);
        } catch (IllegalArgumentException e) {
            throw LauncherException.usage("cannot " + action + " " + ref + ": " + e.getMessage());
        }
    }

    private LauncherException translate(String action, Reference ref, OrasException e) {
        String what = "cannot " + action + " " + ref;
        Integer status = e.getStatusCode();
        if (status != null && status > 0) {
            return switch (status) {
                case 401, 403 -> new LauncherException(ExitCode.AUTH_DENIED, what + ": registry " + ref.registry()
                        + " denied access (HTTP " + status + "): check the credentials in docker config.json (DOCKER_CONFIG) or the credential helper");
                case 404 -> new LauncherException(ExitCode.NOT_FOUND, what + ": not found in registry " + ref.registry()
                        + " (HTTP 404): check the repository, tag or digest");
                default -> new LauncherException(ExitCode.UNREACHABLE, what + ": registry " + ref.registry()
                        + " answered HTTP " + status + ": try again later or check the registry");
            };
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof SSLException) {
                return new LauncherException(ExitCode.UNREACHABLE, what + ": TLS with " + ref.registry() + " failed ("
                        + c.getMessage() + "): give its CA with LAUNCHER_CA_FILE, or list it in LAUNCHER_INSECURE if it speaks plain HTTP", e);
            }
            if (c instanceof ConnectException || c instanceof UnknownHostException
                    || c instanceof HttpConnectTimeoutException || c instanceof HttpTimeoutException
                    || c instanceof java.nio.channels.UnresolvedAddressException) {
                return new LauncherException(ExitCode.UNREACHABLE, what + ": registry " + ref.registry()
                        + " is unreachable (" + c + "): check the network, or pin a digest that is already cached", e);
            }
            if (c instanceof IOException && c != e) {
                return new LauncherException(ExitCode.UNREACHABLE, what + ": I/O error talking to " + ref.registry()
                        + " (" + c + "): check the network and the registry", e);
            }
        }
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (message.contains("401") || message.toLowerCase().contains("unauthorized")) {
            return new LauncherException(ExitCode.AUTH_DENIED, what + ": " + message
                    + ": check the credentials in docker config.json (DOCKER_CONFIG) or the credential helper", e);
        }
        return new LauncherException(ExitCode.UNREACHABLE, what + ": " + message, e);
    }
}
