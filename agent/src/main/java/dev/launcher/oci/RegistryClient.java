package dev.launcher.oci;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import land.oras.ContainerRef;
import land.oras.Manifest;
import land.oras.Registry;
import land.oras.auth.AuthStore;
import land.oras.auth.AuthStoreAuthenticationProvider;
import land.oras.exception.OrasException;

/**
 * The only class that touches oras-java. It is used for what oras-java does well: reference routing and
 * registries.conf, and credentials from docker config.json and credential helpers. Pulls and pushes do not
 * go through its HTTP client, which has no retries, no {@code Range}, no timeout on a stalled body and no
 * size cap on what it reads into memory, and whose push loads BouncyCastle (0.4 s of every push);
 * {@code dev.launcher.registry} does those requests.
 */
public final class RegistryClient {
    private final RegistrySettings settings;
    private final Map<String, Registry> registries = new ConcurrentHashMap<>();
    private AuthStoreAuthenticationProvider authProvider;

    public RegistryClient(RegistrySettings settings) {
        this.settings = settings;
    }

    /**
     * Where the manifest of {@code ref} is served, after registries.conf rewrites: for example
     * {@code https://registry-1.docker.io/v2/library/node/manifests/22}.
     */
    public URI manifestUri(Reference ref) {
        return apiUri(ref, (containerRef, registry) -> containerRef.getManifestsPath(registry));
    }

    /** Where blob {@code digest} of {@code ref}'s repository is served. */
    public URI blobUri(Reference ref, Digest digest) {
        return apiUri(ref.withDigest(digest), (containerRef, registry) -> containerRef.getBlobsPath(registry));
    }

    /** The Basic {@code Authorization} for {@code ref}'s registry from docker config.json or a credential helper. */
    public Optional<String> basicCredentials(Reference ref) {
        return call("read the credentials for", ref, () -> Optional.ofNullable(authProvider().getAuthHeader(containerRef(ref))));
    }

    private URI apiUri(Reference ref, BiFunction<ContainerRef, Registry, String> path) {
        return call("find the registry of", ref, () -> {
            Registry registry = registry(ref);
            ContainerRef routed = containerRef(ref).forRegistry(registry);
            if (routed.isBlocked(registry)) {
                throw LauncherException.usage("pulling " + ref + " is blocked by registries.conf");
            }
            boolean plainHttp = settings.isInsecure(ref.registry()) || routed.isInsecure(registry);
            return URI.create((plainHttp ? "http://" : "https://") + path.apply(routed, registry));
        });
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

    /** Made on first use: reading the docker config is for pulls and pushes that need it, not for cached starts. */
    private synchronized AuthStoreAuthenticationProvider authProvider() {
        if (authProvider == null) {
            authProvider = settings.dockerConfigDir() == null
                    ? new AuthStoreAuthenticationProvider()
                    : new AuthStoreAuthenticationProvider(
                            AuthStore.newStore(List.of(settings.dockerConfigDir().resolve("config.json"))));
        }
        return authProvider;
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
