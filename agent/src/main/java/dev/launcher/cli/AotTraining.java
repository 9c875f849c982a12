package dev.launcher.cli;

import dev.launcher.Launcher;
import dev.launcher.config.ConfigResolver;
import dev.launcher.oci.Descriptor;
import dev.launcher.oci.Digest;
import dev.launcher.oci.ImageManifest;
import dev.launcher.pack.DirectoryPacker;
import dev.launcher.oci.Reference;
import dev.launcher.push.ArtifactPusher;
import dev.launcher.push.PackRecords;
import dev.launcher.push.ManifestWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The workload of the build's AOT training run ({@code LAUNCHER_AOT=train bin/launcher DIR}): the JDK's AOT
 * cache holds only the classes a training run loaded and linked, and every other class costs each start
 * its loading. So the run does what containers do, each the way the image's ENTRYPOINT does it:
 * <ol>
 *   <li>a cold pull of a tag from a registry ({@link TrainingRegistry} on loopback) in init mode: oras-java,
 *       the JDK's HTTP client, Jackson, hashing, the streaming unpack (commons-compress) and the assembly;
 *   <li>a warm start of the same artifact, now cached and pinned by digest, in run mode: no registry, the
 *       cached manifest and tree, a fresh app dir, and supervising {@code true};
 *   <li>two pushes of a directory, the second of it unchanged, and the parsing of a push's command line.
 * </ol>
 * (Two run-mode starts would share one reaper, and the second would see the first app's exit.) The build
 * stays offline: the registry is in this process.
 */
public final class AotTraining {
    private AotTraining() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: LAUNCHER_AOT=train launcher DIR");
            System.exit(64);
        }
        Path dir = Path.of(args[0]).toAbsolutePath();
        Artifact artifact = artifact(dir);
        try (var registry = new TrainingRegistry(artifact.blobs(), "1", artifact.manifest(), ImageManifest.OCI_MANIFEST)) {
            String repository = registry.hostPort() + "/aot/app";
            Map<String, String> env = new HashMap<>(System.getenv());
            env.put("RUNARGS", "[\"true\"]");
            env.put("LAUNCHER_CACHE", dir.resolve("cache").toString());
            env.put("LAUNCHER_INSECURE", registry.hostPort());
            start(env, "init", repository + ":1", dir.resolve("app-pull"));
            start(env, "run", repository + "@" + artifact.manifest(), dir.resolve("app-run"));
            push(registry.hostPort(), dir);
        }
        System.exit(0);
    }

    private static void start(Map<String, String> env, String mode, String ref, Path appDir) {
        env.put("ARTIFACT", ref);
        env.put("LAUNCHER_MODE", mode);
        env.put("LAUNCHER_APP_DIR", appDir.toString());
        var config = new ConfigResolver(env).resolve(ConfigResolver.Flags.NONE, ConfigResolver.Purpose.RUN);
        int exit = Launcher.supervisingInThisJvm(config).run();
        if (exit != 0) {
            System.err.println("AOT training: the " + mode + " start of " + ref + " exited " + exit);
            System.exit(exit);
        }
    }

    /**
     * A push of a directory, as the developer loop makes it, twice: the first packs and uploads, the second finds the
     * directory unchanged. The command line is parsed too: building picocli's model is most of a push's start.
     */
    private static void push(String hostPort, Path dir) throws IOException {
        Path source = Files.createDirectories(dir.resolve("push/app/lib"));
        Files.writeString(source.resolve("index.js"), "console.log('pushed by the AOT training run')\n");
        // A directory changed within the last 2 s is never taken for unchanged (TreeFingerprint): let it settle, so
        // that the second push takes the path of an unchanged one.
        try {
            Thread.sleep(2_100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Path records = dir.resolve("push-records");
        String ref = hostPort + "/aot/pushed:1";
        Main.commandLine("push").parseArgs("push", "--insecure", hostPort, ref, source.getParent().toString());
        var settings = new ConfigResolver(Map.of("LAUNCHER_INSECURE", hostPort)).registrySettings(ConfigResolver.Flags.NONE);
        for (int i = 0; i < 2; i++) {
            new ArtifactPusher(settings, PackRecords.in(records)).push(Reference.parse(ref), List.of(source.getParent()));
        }
    }

    private record Artifact(Digest manifest, Map<Digest, byte[]> blobs) {}

    /** One directory layer as `launcher push` makes it, with its config and manifest. */
    private static Artifact artifact(Path dir) throws IOException {
        Path source = Files.createDirectories(dir.resolve("source"));
        Files.writeString(source.resolve("app.txt"), "an app for the AOT training run\n");
        ByteArrayOutputStream layer = new ByteArrayOutputStream();
        new DirectoryPacker(Instant.EPOCH).packContents(source, layer);
        Descriptor layerDescriptor = new Descriptor(ArtifactPusher.TAR_GZIP, Digest.sha256(layer.toByteArray()), layer.size(), Map.of());
        Descriptor config = ManifestWriter.emptyConfig();
        byte[] manifest = ManifestWriter.write(ArtifactPusher.ARTIFACT_TYPE, config, List.of(layerDescriptor));
        Digest manifestDigest = Digest.sha256(manifest);
        return new Artifact(manifestDigest, Map.of(
                layerDescriptor.digest(), layer.toByteArray(),
                config.digest(), ManifestWriter.EMPTY_CONFIG_CONTENT,
                manifestDigest, manifest));
    }
}
