package dev.launcher.oci;

import java.nio.file.Path;
import java.util.Set;

/**
 * How to reach registries: which ones speak plain HTTP, an extra CA bundle, and where the docker
 * config.json lives (null means oras-java's default search: ~/.docker, REGISTRY_AUTH_FILE, podman's auth.json).
 */
public record RegistrySettings(Set<String> insecureRegistries, Path caFile, Path dockerConfigDir) {
    public RegistrySettings {
        insecureRegistries = Set.copyOf(insecureRegistries);
    }

    public boolean isInsecure(String registry) {
        return insecureRegistries.contains(registry);
    }
}
