package dev.launcher.oci;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * How to reach registries: which ones speak plain HTTP, an extra CA bundle, where the docker config.json
 * lives (null means oras-java's default search: ~/.docker, REGISTRY_AUTH_FILE, podman's auth.json), how
 * long failures are retried (the deadline) and how long a transfer may send nothing (the idle timeout).
 */
public record RegistrySettings(Set<String> insecureRegistries, Path caFile, Path dockerConfigDir,
        Duration pullDeadline, Duration idleTimeout) {
    public static final Duration DEFAULT_PULL_DEADLINE = Duration.ofMinutes(5);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

    public RegistrySettings {
        insecureRegistries = Set.copyOf(insecureRegistries);
    }

    public RegistrySettings(Set<String> insecureRegistries, Path caFile, Path dockerConfigDir) {
        this(insecureRegistries, caFile, dockerConfigDir, DEFAULT_PULL_DEADLINE, DEFAULT_IDLE_TIMEOUT);
    }

    public boolean isInsecure(String registry) {
        return insecureRegistries.contains(registry);
    }
}
