package dev.launcher.resolve;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.oci.Digest;
import dev.launcher.oci.ManifestParser;
import dev.launcher.oci.Reference;
import java.util.Locale;

/** Picks this machine's entry from a multi-platform index, as a container runtime would. */
public record PlatformSelector(String os, String architecture) {
    public static PlatformSelector current() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String oci = switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch;
        };
        return new PlatformSelector("linux", oci);
    }

    public Digest choose(ManifestParser.Index index, Reference ref) {
        return index.manifests().stream()
                .filter(m -> os.equals(m.os()) && architecture.equals(m.architecture()))
                .findFirst()
                .map(m -> m.descriptor().digest())
                .orElseThrow(() -> new LauncherException(ExitCode.NOT_FOUND, ref + " is a multi-platform index with no "
                        + describe() + " entry: push one for this platform or reference a platform manifest by digest"));
    }

    public String describe() {
        return os + "/" + architecture;
    }
}
