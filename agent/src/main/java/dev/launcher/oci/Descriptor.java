package dev.launcher.oci;

import java.util.Map;
import java.util.Optional;

/** An OCI content descriptor: what a manifest says about one blob. */
public record Descriptor(String mediaType, Digest digest, long size, Map<String, String> annotations) {
    public static final String TITLE = "org.opencontainers.image.title";
    /** Set by the oras CLI on a directory it packed as tar+gzip. */
    public static final String UNPACK = "io.deis.oras.content.unpack";

    public Descriptor {
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        if (size < 0) {
            throw dev.launcher.error.LauncherException.integrity(
                    "descriptor for " + digest + " has negative size " + size);
        }
    }

    public Optional<String> title() {
        return Optional.ofNullable(annotations.get(TITLE));
    }

    public boolean isPackedDirectory() {
        return "true".equalsIgnoreCase(annotations.get(UNPACK));
    }
}
