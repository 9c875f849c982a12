package dev.launcher.it;

import dev.launcher.oci.Digest;
import dev.launcher.oci.Reference;
import dev.launcher.oci.ImageManifest;
import dev.launcher.oci.RegistryClient;
import dev.launcher.oci.RegistrySettings;
import dev.launcher.registry.RegistryWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Pushes hand-made layers and manifests, for layer formats `launcher push` does not produce. */
final class RawArtifact {
    record Layer(byte[] bytes, String mediaType, Map<String, String> annotations) {
        Digest digest() {
            return Digest.sha256(bytes);
        }
    }

    private final List<Layer> layers = new ArrayList<>();

    RawArtifact layer(byte[] bytes, String mediaType, Map<String, String> annotations) {
        layers.add(new Layer(bytes, mediaType, annotations));
        return this;
    }

    List<Layer> layers() {
        return layers;
    }

    /** Pushes to an insecure registry and returns "host/repo@sha256:…". */
    String push(String hostPort, String repoAndTag, Path work) throws IOException {
        var settings = new RegistrySettings(Set.of(hostPort), null, null);
        var client = new RegistryWriter(new RegistryClient(settings), settings);
        Reference ref = Reference.parse(hostPort + "/" + repoAndTag);
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + Digest.sha256("{}".getBytes()) + "\",\"size\":2},\"layers\":[");
        client.pushBlob(ref, Digest.sha256("{}".getBytes()), Files.writeString(Files.createTempFile(work, "config", ""), "{}"));
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            client.pushBlob(ref, layer.digest(), Files.write(Files.createTempFile(work, "layer", ""), layer.bytes()));
            json.append(i == 0 ? "" : ",").append("{\"mediaType\":\"").append(layer.mediaType()).append("\",\"digest\":\"")
                    .append(layer.digest()).append("\",\"size\":").append(layer.bytes().length);
            if (!layer.annotations().isEmpty()) {
                json.append(",\"annotations\":{").append(layer.annotations().entrySet().stream()
                        .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"").collect(Collectors.joining(","))).append("}");
            }
            json.append("}");
        }
        json.append("]}");
        Digest digest = client.pushManifest(ref, json.toString().getBytes(StandardCharsets.UTF_8), ImageManifest.OCI_MANIFEST);
        return ref.withDigest(digest).toString();
    }

    /** A tar(+gzip) built entry by entry; each entry is configured by the caller, so any header can be written. */
    static final class Tar {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final TarArchiveOutputStream tar;

        Tar(boolean gzip) throws IOException {
            this(gzip, StandardCharsets.UTF_8.name());
        }

        /** With ISO-8859-1, names given as raw names (one char per byte) are written as those very bytes. */
        Tar(boolean gzip, String encoding) throws IOException {
            tar = new TarArchiveOutputStream(gzip ? new GzipCompressorOutputStream(bytes) : bytes, encoding);
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        }

        Tar file(String name, String content, int mode) throws IOException {
            return file(name, content.getBytes(StandardCharsets.UTF_8), mode);
        }

        Tar file(String name, byte[] data, int mode) throws IOException {
            TarArchiveEntry entry = new TarArchiveEntry(name);
            entry.setSize(data.length);
            entry.setMode(mode);
            tar.putArchiveEntry(entry);
            tar.write(data);
            tar.closeArchiveEntry();
            return this;
        }

        Tar dir(String name) throws IOException {
            TarArchiveEntry entry = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
            entry.setMode(0755);
            tar.putArchiveEntry(entry);
            tar.closeArchiveEntry();
            return this;
        }

        Tar symlink(String name, String target) throws IOException {
            return link(name, target, TarArchiveEntry.LF_SYMLINK);
        }

        Tar hardlink(String name, String target) throws IOException {
            return link(name, target, TarArchiveEntry.LF_LINK);
        }

        private Tar link(String name, String target, byte type) throws IOException {
            TarArchiveEntry entry = new TarArchiveEntry(name, type);
            entry.setLinkName(target);
            tar.putArchiveEntry(entry);
            tar.closeArchiveEntry();
            return this;
        }

        byte[] bytes() throws IOException {
            tar.close();
            return bytes.toByteArray();
        }
    }
}
