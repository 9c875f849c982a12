package dev.launcher.testing;

import dev.launcher.oci.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A real registry:2 (the CNCF distribution server) for integration tests, on 127.0.0.1, with optional basic auth
 * and TLS. It can be stopped and started again on the same port with the same content ("registry down" tests),
 * or built without starting it at all (offline tests). It counts blob downloads from its own access log.
 *
 * <pre>{@code
 * try (TestCerts certs = TestCerts.create();
 *      TestRegistry registry = TestRegistry.builder().basicAuth("u", "p").tls(certs).start()) { ... }
 * }</pre>
 */
public final class TestRegistry implements AutoCloseable {
    public static final String DEFAULT_IMAGE = "registry:2";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration LOG_TIMEOUT = Duration.ofSeconds(10);

    private final Backend backend;
    private final RegistryFiles files;
    private final RequestLog log;
    private final int port;
    private final Optional<Credentials> credentials;
    private final Optional<TestCerts> certs;
    private final RegistryServer server;
    private RegistryClient client;

    private TestRegistry(Builder builder) {
        // A backend forced in code goes through the same checks as one forced by the environment.
        this.backend = Backend.choose(builder.backend != null ? builder.backend.name() : System.getenv(Backend.ENV),
                        () -> ContainerServer.unavailable(builder.image),
                        () -> Cli.which("docker-registry").isPresent() ? Optional.empty()
                                : Optional.of("'docker-registry' is not on PATH (Debian package docker-registry)"));
        this.credentials = Optional.ofNullable(builder.credentials);
        this.certs = Optional.ofNullable(builder.certs);
        this.files = RegistryFiles.create();
        this.log = new RequestLog(files.log());
        try {
            credentials.ifPresent(files::writeHtpasswd);
            certs.ifPresent(files::copyServerCert);
            this.port = freePort();
            this.server = backend == Backend.BINARY
                    ? new ProcessServer(files, port, credentials.isPresent(), certs.isPresent())
                    : new ContainerServer(builder.image, files, port, credentials.isPresent(), certs.isPresent());
        } catch (RuntimeException e) {
            TempDirs.deleteTree(files.root());
            throw e;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts the server (again, after stop(): same port, same content) and waits until /v2/ answers. */
    public synchronized TestRegistry start() {
        if (server.isRunning()) {
            return this;
        }
        closeClient();
        // A new client per run: connections pooled by the previous run are dead.
        client = new RegistryClient(baseUri(), credentials, certs.map(TestCerts::sslContext));
        server.start();
        awaitReady();
        return this;
    }

    /** Kills the server; its port then refuses connections, and its storage and log stay for start(). */
    public synchronized void stop() {
        server.stop();
    }

    public TestRegistry restart() {
        stop();
        return start();
    }

    public synchronized boolean isRunning() {
        return server.isRunning();
    }

    /** Stops the server and deletes everything it had on disk. */
    @Override
    public synchronized void close() {
        try {
            server.stop();
            closeClient();
        } finally {
            TempDirs.deleteTree(files.root());
        }
    }

    public Backend backend() {
        return backend;
    }

    /** "127.0.0.1:PORT": the registry part of an image reference, and the key in a docker config.json. */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public URI baseUri() {
        return URI.create((certs.isPresent() ? "https://" : "http://") + hostPort());
    }

    /** "127.0.0.1:PORT/" + {@code repoAndReference}, e.g. reference("app:1.0") or reference("app@sha256:..."). */
    public String reference(String repoAndReference) {
        return hostPort() + "/" + repoAndReference;
    }

    public Optional<Credentials> credentials() {
        return credentials;
    }

    public Optional<TestCerts> certs() {
        return certs;
    }

    /** The filesystem driver's root: blobs live under docker/registry/v2/blobs/sha256/XX/HEX/data. */
    public Path storageRoot() {
        return files.storage();
    }

    /** The file holding a blob's bytes: overwrite it to make the registry serve corrupt content. */
    public Path blobFile(Digest digest) {
        return storageRoot().resolve("docker/registry/v2/blobs").resolve(digest.algorithm())
                .resolve(digest.hex().substring(0, 2)).resolve(digest.hex()).resolve("data");
    }

    /** A JDK HttpClient-based client with this registry's credentials and CA; replaced by each start(). */
    public synchronized RegistryClient client() {
        if (client == null) {
            throw new IllegalStateException("the registry at " + hostPort() + " was never started");
        }
        return client;
    }

    /** Writes {@code dir/config.json} holding this registry's credentials; point DOCKER_CONFIG at {@code dir}. */
    public Path writeDockerConfig(Path dir) {
        return DockerConfig.write(dir, hostPort(), credentials.orElseThrow(
                () -> new IllegalStateException("the registry at " + hostPort() + " has no basic auth")));
    }

    /** Every request the registry logged, across all its runs, in order. */
    public List<LoggedRequest> requests() {
        awaitLog();
        return log.requests();
    }

    /** Successful (200/206) GETs of this blob in any repository, across all runs; HEADs do not count. */
    public long blobGets(Digest digest) {
        return requests().stream().filter(r -> r.downloadedBlob().filter(digest::equals).isPresent()).count();
    }

    public long totalBlobGets() {
        return requests().stream().filter(r -> r.downloadedBlob().isPresent()).count();
    }

    /** The server's whole output (access log and its own log lines), for failure messages. */
    public String log() {
        return log.text();
    }

    public Path logFile() {
        return files.log();
    }

    @Override
    public String toString() {
        return "TestRegistry[" + baseUri() + ", " + server.describe() + "]";
    }

    /**
     * The server writes a request's log line around the time the client receives the response, not strictly
     * before, so a count taken right after a download can miss it. A marker request sent now is logged after
     * every request whose response has already arrived; once it is in the file, so are they.
     */
    private void awaitLog() {
        if (!isRunning()) {
            return;
        }
        String marker = UUID.randomUUID().toString();
        client().get(RequestLog.MARKER_PREFIX + marker);
        Instant deadline = Instant.now().plus(LOG_TIMEOUT);
        while (!log.containsMarker(marker)) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the log of " + this + " did not show a request within "
                        + LOG_TIMEOUT + "; its end:\n" + log.tail(20));
            }
            pause();
        }
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        String lastProblem = "no answer yet";
        while (Instant.now().isBefore(deadline)) {
            if (!server.isRunning()) {
                throw startFailure("exited before answering");
            }
            try {
                int status = client.get("/v2/").statusCode();
                if (status == 200 || status == 401) {
                    return;
                }
                lastProblem = "GET /v2/ answered " + status;
            } catch (UncheckedIOException e) {
                lastProblem = String.valueOf(e.getCause());
            }
            pause();
        }
        throw startFailure("did not answer GET /v2/ with 200 or 401 within " + READY_TIMEOUT + " (" + lastProblem + ")");
    }

    private IllegalStateException startFailure(String what) {
        String description = server.describe();
        server.stop();
        return new IllegalStateException("registry " + description + " on " + hostPort() + " " + what
                + "; its log:\n" + log.tail(40));
    }

    /**
     * A port free now. Another process could take it before the server binds; the server then exits with
     * "address already in use", and start() fails with that in the message rather than hanging.
     */
    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(25);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the registry", e);
        }
    }

    private void closeClient() {
        if (client != null) {
            client.close();
            client = null;
        }
    }

    public static final class Builder {
        private Credentials credentials;
        private TestCerts certs;
        private Backend backend;
        private String image = DEFAULT_IMAGE;

        private Builder() {}

        /** Requires these credentials (htpasswd, bcrypt) on every request. */
        public Builder basicAuth(String user, String password) {
            this.credentials = new Credentials(user, password);
            return this;
        }

        /** Serves HTTPS with the server certificate of {@code certs}; clients must trust its CA. */
        public Builder tls(TestCerts certs) {
            this.certs = Objects.requireNonNull(certs);
            return this;
        }

        /** Forces a backend, over the TEST_REGISTRY variable and the automatic choice. */
        public Builder backend(Backend backend) {
            this.backend = Objects.requireNonNull(backend);
            return this;
        }

        /** The image for the Testcontainers backend; it must already be present locally. */
        public Builder image(String image) {
            this.image = Objects.requireNonNull(image);
            return this;
        }

        /** A registry with its port, files and credentials ready, but down: start() brings it up. */
        public TestRegistry build() {
            return new TestRegistry(this);
        }

        public TestRegistry start() {
            TestRegistry registry = build();
            try {
                return registry.start();
            } catch (RuntimeException e) {
                registry.close();
                throw e;
            }
        }
    }
}
