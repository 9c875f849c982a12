package dev.launcher.testing;

import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.utility.DockerImageName;

/**
 * A {@code registry:2} container through Testcontainers. It reads the same config.yml as the binary, mounted where
 * the image's default command looks ({@code /etc/docker/registry/config.yml}), and stores blobs in a bind-mounted
 * host dir so that tests can tamper with them. The host port is fixed, not random, so that a restarted registry
 * (a new container) answers where the first one did.
 */
final class ContainerServer implements RegistryServer {
    private static final String CONF_MOUNT = "/etc/docker/registry";
    private static final String STORAGE_MOUNT = "/var/lib/registry";
    private static final int CONTAINER_PORT = 5000;
    private static final Path DEFAULT_SOCKET = Path.of("/var/run/docker.sock");
    private static final Map<String, Optional<String>> PROBED = new ConcurrentHashMap<>();

    private final String image;
    private final RegistryFiles files;
    private final int port;
    private GenericContainer<?> container;

    ContainerServer(String image, RegistryFiles files, int port, boolean basicAuth, boolean tls) {
        this.image = image;
        this.files = files;
        this.port = port;
        files.writeConfig(new RegistryConfig(":" + CONTAINER_PORT, STORAGE_MOUNT, CONF_MOUNT, basicAuth, tls));
    }

    /** Why this backend cannot run here, or empty if a Docker API answers and has the image locally. */
    static Optional<String> unavailable(String image) {
        // Once per JVM and image: a failing Docker probe can take seconds, and every registry a test builds asks.
        return PROBED.computeIfAbsent(image, ContainerServer::probe);
    }

    private static Optional<String> probe(String image) {
        String dockerHost = System.getenv("DOCKER_HOST");
        boolean hostSet = dockerHost != null && !dockerHost.isBlank();
        // Asking Testcontainers when there is plainly no socket costs seconds of probing and log noise.
        if (!hostSet && !Files.exists(DEFAULT_SOCKET)) {
            return Optional.of("no Docker API: DOCKER_HOST is unset and " + DEFAULT_SOCKET + " does not exist");
        }
        try {
            if (!DockerClientFactory.instance().isDockerAvailable()) {
                return Optional.of("no Docker API answers at " + (hostSet ? dockerHost : DEFAULT_SOCKET));
            }
            DockerClientFactory.instance().client().inspectImageCmd(image).exec();
            return Optional.empty();
        } catch (NotFoundException e) {
            return Optional.of("the image " + image + " is not present locally and tests never pull it"
                    + " (no public image registry is reachable from CI): build or load it first");
        } catch (RuntimeException e) {
            String hint = e.toString().contains("ryuk")
                    ? " (Testcontainers' reaper image cannot be pulled here: set TESTCONTAINERS_RYUK_DISABLED=true)"
                    : "";
            return Optional.of("the Docker API check failed: " + e + hint);
        }
    }

    @Override
    public void start() {
        GenericContainer<?> created = new GenericContainer<>(DockerImageName.parse(image))
                .withImagePullPolicy(name -> false)
                .withFileSystemBind(files.conf().toString(), CONF_MOUNT, BindMode.READ_ONLY)
                .withFileSystemBind(files.storage().toString(), STORAGE_MOUNT, BindMode.READ_WRITE)
                .withLogConsumer(this::appendToLog)
                .withCreateContainerCmdModifier(cmd -> {
                    ExposedPort exposed = ExposedPort.tcp(CONTAINER_PORT);
                    cmd.withExposedPorts(exposed);
                    cmd.getHostConfig().withPortBindings(
                            new PortBinding(Ports.Binding.bindIpAndPort("127.0.0.1", port), exposed));
                });
        created.start();
        container = created;
    }

    /** Frames come from two threads (stdout, stderr), a line each; one append per line keeps lines whole. */
    private synchronized void appendToLog(OutputFrame frame) {
        if (frame.getBytes() == null) {
            return; // the end-of-stream frame
        }
        try {
            Files.writeString(files.log(), frame.getUtf8StringWithoutLineEnding() + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + files.log(), e);
        }
    }

    @Override
    public void stop() {
        if (container != null) {
            container.stop();
            container = null;
        }
    }

    @Override
    public boolean isRunning() {
        return container != null && container.isRunning();
    }

    @Override
    public String describe() {
        return "container " + image + (container == null ? " (not running)" : " " + container.getContainerId());
    }
}
