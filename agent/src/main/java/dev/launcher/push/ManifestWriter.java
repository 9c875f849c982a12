package dev.launcher.push;

import dev.launcher.oci.Descriptor;
import dev.launcher.oci.ImageManifest;
import dev.launcher.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Writes an OCI image manifest with a stable field order, so the same content gives the same digest. */
public final class ManifestWriter {
    static final String EMPTY_CONFIG = "application/vnd.oci.empty.v1+json";
    /** The content of the empty config blob every artifact we write refers to. */
    public static final byte[] EMPTY_CONFIG_CONTENT = "{}".getBytes(StandardCharsets.UTF_8);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ManifestWriter() {}

    public static Descriptor emptyConfig() {
        return new Descriptor(EMPTY_CONFIG, Digest.sha256(EMPTY_CONFIG_CONTENT), EMPTY_CONFIG_CONTENT.length, Map.of());
    }

    public static byte[] write(String artifactType, Descriptor config, List<Descriptor> layers) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", ImageManifest.OCI_MANIFEST);
        root.put("artifactType", artifactType);
        root.set("config", descriptor(config));
        var array = root.putArray("layers");
        layers.forEach(l -> array.add(descriptor(l)));
        return JSON.writeValueAsBytes(root);
    }

    private static ObjectNode descriptor(Descriptor d) {
        ObjectNode node = JSON.createObjectNode();
        node.put("mediaType", d.mediaType());
        node.put("digest", d.digest().toString());
        node.put("size", d.size());
        if (!d.annotations().isEmpty()) {
            ObjectNode annotations = node.putObject("annotations");
            d.annotations().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                    .forEach(e -> annotations.put(e.getKey(), e.getValue()));
        }
        return node;
    }
}
