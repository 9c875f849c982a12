package dev.launcher.oci;

import dev.launcher.error.LauncherException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Turns verified manifest bytes into records; our own parser so that untitled layers are never dropped. */
public final class ManifestParser {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ManifestParser() {}

    /** Either an image manifest or an index of per-platform manifests. */
    public sealed interface Parsed permits ManifestParser.Image, ManifestParser.Index {}

    public record Image(ImageManifest manifest) implements Parsed {}

    public record Index(List<PlatformManifest> manifests) implements Parsed {}

    public record PlatformManifest(Descriptor descriptor, String os, String architecture, String variant) {}

    public static Parsed parse(byte[] bytes, String where) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw LauncherException.integrity("manifest of " + where + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw LauncherException.integrity("manifest of " + where + " is not a JSON object");
        }
        String mediaType = text(root, "mediaType");
        if (root.has("manifests")) {
            List<PlatformManifest> entries = new ArrayList<>();
            for (JsonNode m : root.path("manifests")) {
                JsonNode p = m.path("platform");
                entries.add(new PlatformManifest(descriptor(m, where), text(p, "os"), text(p, "architecture"), text(p, "variant")));
            }
            return new Index(entries);
        }
        if (!root.has("layers")) {
            throw LauncherException.integrity("manifest of " + where + " has no 'layers': it is not an OCI image manifest");
        }
        if (root.path("schemaVersion").asInt() != 2) {
            throw LauncherException.integrity("manifest of " + where + " has schemaVersion "
                    + root.path("schemaVersion") + "; only schema 2 is supported");
        }
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode layer : root.path("layers")) {
            layers.add(descriptor(layer, where));
        }
        Descriptor config = root.has("config") ? descriptor(root.path("config"), where) : null;
        return new Image(new ImageManifest(
                mediaType == null ? ImageManifest.OCI_MANIFEST : mediaType,
                text(root, "artifactType"),
                config,
                layers,
                strings(root.path("annotations"))));
    }

    private static Descriptor descriptor(JsonNode node, String where) {
        String digest = text(node, "digest");
        if (digest == null || !node.path("size").canConvertToLong()) {
            throw LauncherException.integrity("manifest of " + where + " has a descriptor without digest or size: " + node);
        }
        return new Descriptor(text(node, "mediaType"), Digest.parse(digest), node.path("size").asLong(), strings(node.path("annotations")));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isString() ? value.asString() : null;
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> result = new LinkedHashMap<>();
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (e.getValue().isString()) {
                    result.put(e.getKey(), e.getValue().asString());
                }
            }
        }
        return result;
    }
}
