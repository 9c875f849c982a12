package dev.launcher.push;

import dev.launcher.error.LauncherException;
import dev.launcher.oci.Descriptor;
import dev.launcher.oci.Digest;
import dev.launcher.oci.Reference;
import dev.launcher.oci.RegistryClient;
import dev.launcher.oci.RegistrySettings;
import dev.launcher.pack.DirectoryPacker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packages directories and files as an OCI artifact and pushes it. A directory becomes an ordinary
 * tar+gzip image layer whose contents land at the root of the app dir; a file becomes a layer titled
 * with its name, as the oras CLI pushes files.
 */
public final class ArtifactPusher {
    private static final Logger LOG = LoggerFactory.getLogger(ArtifactPusher.class);
    public static final String ARTIFACT_TYPE = "application/vnd.launcher.app.v1";
    public static final String TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String FILE_LAYER = "application/vnd.oci.image.layer.v1.tar";
    /** Which directory a layer was packed from; informational only. */
    public static final String SOURCE = "dev.launcher.source";

    private final RegistryClient registry;

    public ArtifactPusher(RegistrySettings settings) {
        this.registry = new RegistryClient(settings);
    }

    /** Pushes and returns the pinned reference (repository@digest). */
    public Reference push(Reference ref, List<Path> paths) {
        if (ref.isPinned()) {
            throw LauncherException.usage("push target " + ref + " has a digest: push to a tag, the digest is computed");
        }
        Path work = createWorkDir();
        try {
            List<Descriptor> layers = new ArrayList<>();
            for (Path path : paths) {
                layers.add(pushLayer(ref, path, work));
            }
            Path config = Files.write(work.resolve("config.json"), ManifestWriter.EMPTY_CONFIG_CONTENT);
            registry.pushBlob(ref, config);
            byte[] manifest = ManifestWriter.write(ARTIFACT_TYPE, ManifestWriter.emptyConfig(), layers);
            Digest digest = registry.pushManifest(ref, manifest);
            LOG.info("pushed {} ({} layers) as {}", ref, layers.size(), digest);
            return ref.withDigest(digest);
        } catch (IOException e) {
            throw LauncherException.cacheIo("cannot package the artifact in " + work + ": " + e.getMessage(), e);
        } finally {
            deleteTree(work);
        }
    }

    private Descriptor pushLayer(Reference ref, Path path, Path work) throws IOException {
        if (Files.isDirectory(path)) {
            Path tarball = Files.createTempFile(work, "layer", ".tar.gz");
            MessageDigest sha = Digest.newSha256();
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tarball), sha)) {
                DirectoryPacker.fromEnvironment().packContents(path, out);
            }
            registry.pushBlob(ref, tarball);
            return new Descriptor(TAR_GZIP, Digest.of(sha), Files.size(tarball),
                    Map.of(SOURCE, path.toAbsolutePath().normalize().getFileName().toString()));
        }
        if (Files.isRegularFile(path)) {
            registry.pushBlob(ref, path);
            return describe(path, FILE_LAYER, Map.of(Descriptor.TITLE, path.getFileName().toString()));
        }
        throw LauncherException.usage("cannot push " + path + ": it is neither a directory nor a regular file");
    }

    private static Descriptor describe(Path file, String mediaType, Map<String, String> annotations) throws IOException {
        MessageDigest sha = Digest.newSha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return new Descriptor(mediaType, Digest.of(sha), Files.size(file), annotations);
    }

    private static Path createWorkDir() {
        try {
            return Files.createTempDirectory("launcher-push");
        } catch (IOException e) {
            throw LauncherException.cacheIo("cannot create a temp dir to package the artifact: " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
