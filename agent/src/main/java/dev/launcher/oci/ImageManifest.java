package dev.launcher.oci;

import java.util.List;
import java.util.Map;

/** The parts of an OCI image manifest the launcher acts on; parsed from bytes whose digest was verified. */
public record ImageManifest(
        String mediaType, String artifactType, Descriptor config, List<Descriptor> layers, Map<String, String> annotations) {
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    public ImageManifest {
        layers = List.copyOf(layers);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    public long totalLayerBytes() {
        return layers.stream().mapToLong(Descriptor::size).sum();
    }
}
