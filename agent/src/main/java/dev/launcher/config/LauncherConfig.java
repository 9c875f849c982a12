package dev.launcher.config;

import dev.launcher.oci.Reference;
import dev.launcher.oci.RegistrySettings;
import dev.launcher.supervise.SupervisorSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Everything a launcher run needs, validated before any network traffic.
 *
 * @param artifact null when none is given: then the app dir must already hold an assembled app
 *     (an init container pulled it), which is run as it is
 */
public record LauncherConfig(
        Reference artifact,
        List<String> command,
        Path cacheRoot,
        Path appDir,
        RegistrySettings registries,
        LauncherMode mode,
        AssemblyMode assembly,
        SupervisorSettings supervision) {
    public LauncherConfig {
        command = List.copyOf(command);
    }

    public Optional<Reference> artifactToPull() {
        return Optional.ofNullable(artifact);
    }
}
