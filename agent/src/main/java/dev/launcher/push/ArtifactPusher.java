package dev.launcher.push;

import dev.launcher.error.LauncherException;
import dev.launcher.oci.Descriptor;
import dev.launcher.oci.Digest;
import dev.launcher.oci.ImageManifest;
import dev.launcher.oci.Reference;
import dev.launcher.oci.RegistryClient;
import dev.launcher.oci.RegistrySettings;
import dev.launcher.pack.DirectoryPacker;
import dev.launcher.registry.RegistryWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packages directories and files as an OCI artifact and pushes it. A directory becomes an ordinary
 * tar+gzip image layer whose contents land at the root of the app dir; a file becomes a layer titled
 * with its name, as the oras CLI pushes files.
 *
 * <p>Only what changed costs anything: a directory whose {@link TreeFingerprint} matches its {@link PackRecords
 * record} is not packed again when the registry has its layer, and no blob the registry has is uploaded again. The
 * result is byte for byte what packing everything gives, since packing is deterministic.
 */
public final class ArtifactPusher {
    private static final Logger LOG = LoggerFactory.getLogger(ArtifactPusher.class);
    public static final String ARTIFACT_TYPE = "application/vnd.launcher.app.v1";
    public static final String TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String FILE_LAYER = "application/vnd.oci.image.layer.v1.tar";
    /** Which directory a layer was packed from; informational only. */
    public static final String SOURCE = "dev.launcher.source";

    private final RegistryWriter registry;
    private final PackRecords records;
    private final DirectoryPacker packer = DirectoryPacker.fromEnvironment();

    public ArtifactPusher(RegistrySettings settings, PackRecords records) {
        this.registry = new RegistryWriter(new RegistryClient(settings), settings);
        this.records = records;
    }

    /** Pushes and returns the pinned reference (repository@digest). */
    public Reference push(Reference ref, List<Path> paths) {
        if (ref.isPinned()) {
            throw LauncherException.usage("push target " + ref + " has a digest: push to a tag, the digest is computed");
        }
        Path work = createWorkDir();
        // The directories are looked at while the registry's routes and the HTTP client are set up: about 0.15 s each.
        Map<Path, Future<Taken>> fingerprints = new HashMap<>();
        try (ExecutorService lookers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Path path : paths) {
                if (Files.isDirectory(path)) {
                    Instant taken = Instant.now();
                    fingerprints.put(path, lookers.submit(() -> new Taken(TreeFingerprint.of(path, packer.identity()), taken)));
                }
            }
            Descriptor config = ManifestWriter.emptyConfig();
            registry.prepare(ref, config.digest());
            List<Descriptor> layers = new ArrayList<>();
            for (Path path : paths) {
                layers.add(pushLayer(ref, path, work, fingerprints.get(path)));
            }
            registry.pushBlob(ref, config.digest(), Files.write(work.resolve("config.json"), ManifestWriter.EMPTY_CONFIG_CONTENT));
            byte[] manifest = ManifestWriter.write(ARTIFACT_TYPE, config, layers);
            Digest digest = registry.pushManifest(ref, manifest, ImageManifest.OCI_MANIFEST);
            LOG.info("pushed {} ({} layers) as {}", ref, layers.size(), digest);
            return ref.withDigest(digest);
        } catch (IOException e) {
            throw LauncherException.cacheIo("cannot package the artifact in " + work + ": " + e.getMessage(), e);
        } finally {
            deleteTree(work);
        }
    }

    /** A fingerprint and when its taking began. */
    private record Taken(TreeFingerprint fingerprint, Instant at) {}

    private Descriptor pushLayer(Reference ref, Path path, Path work, Future<Taken> fingerprint) throws IOException {
        if (fingerprint != null) {
            return pushDirectory(ref, path, work, await(fingerprint));
        }
        if (Files.isRegularFile(path)) {
            Descriptor file = describe(path, FILE_LAYER, Map.of(Descriptor.TITLE, path.getFileName().toString()));
            upload(ref, file.digest(), path, path.toString());
            return file;
        }
        throw LauncherException.usage("cannot push " + path + ": it is neither a directory nor a regular file");
    }

    private static Taken await(Future<Taken> fingerprint) throws IOException {
        try {
            return fingerprint.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while looking at the directories to push");
        }
    }

    private Descriptor pushDirectory(Reference ref, Path dir, Path work, Taken taken) throws IOException {
        Map<String, String> annotations = Map.of(SOURCE, dir.toAbsolutePath().normalize().getFileName().toString());
        TreeFingerprint before = taken.fingerprint();
        Optional<PackRecords.Layer> known = records.lookup(dir, before);
        if (known.isPresent() && registry.hasBlob(ref, known.get().digest())) {
            LOG.info("{}: unchanged since it was packed as {}, which {} has: not packed again", dir,
                    known.get().digest().shortForm(), ref.repositoryName());
            return new Descriptor(TAR_GZIP, known.get().digest(), known.get().size(), annotations);
        }
        Path tarball = Files.createTempFile(work, "layer", ".tar.gz");
        MessageDigest sha = Digest.newSha256();
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tarball), sha)) {
            packer.packContents(dir, out);
        }
        PackRecords.Layer layer = new PackRecords.Layer(Digest.of(sha), Files.size(tarball));
        // Recorded only if nothing changed while packing, nor so shortly before that a change could hide in the
        // timestamps' granularity: the record must never name bytes the tree no longer gives.
        if (before.settledBefore(taken.at()) && TreeFingerprint.of(dir, packer.identity()).equals(before)) {
            records.remember(dir, before, layer);
        }
        upload(ref, layer.digest(), tarball, dir.toString());
        return new Descriptor(TAR_GZIP, layer.digest(), layer.size(), annotations);
    }

    private void upload(Reference ref, Digest digest, Path file, String source) {
        if (!registry.pushBlob(ref, digest, file)) {
            LOG.info("{}: {} has its layer {} already: not uploaded", source, ref.repositoryName(), digest.shortForm());
        }
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
