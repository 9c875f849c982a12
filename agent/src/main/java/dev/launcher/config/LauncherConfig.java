package dev.launcher.config;

import dev.launcher.oci.Reference;
import dev.launcher.oci.RegistrySettings;
import java.nio.file.Path;
import java.util.List;

/** Everything a launcher run needs, validated before any network traffic. */
public record LauncherConfig(
        Reference artifact,
        List<String> command,
        Path cacheRoot,
        Path appDir,
        RegistrySettings registries,
        boolean requireDigest) {
    public LauncherConfig {
        command = List.copyOf(command);
    }
}
