package dev.launcher.cli;

import dev.launcher.Launcher;
import dev.launcher.cache.CacheStore;
import dev.launcher.config.ConfigResolver;
import dev.launcher.oci.Descriptor;
import dev.launcher.oci.Digest;
import dev.launcher.pack.DirectoryPacker;
import dev.launcher.push.ArtifactPusher;
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
 * cache holds only the classes a training run loaded, and a container start of a cached, digest-pinned
 * artifact parses its manifest (Jackson), unpacks a layer (commons-compress) and assembles the app dir.
 * A training run that only supervised an app dir left those to be loaded and linked at every start.
 *
 * <p>It puts a one-layer artifact into a fresh cache under DIR, as a pull would have left it, then starts it
 * twice the way the image's ENTRYPOINT does: first in init mode, which unpacks the layer and assembles the
 * app dir; then in run mode, which finds the layer's tree and supervises {@code true}. (Two run-mode starts
 * would share one reaper, and the second would see the first app's exit.) No registry is needed, so the
 * build stays offline.
 */
public final class AotTraining {
    private AotTraining() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: LAUNCHER_AOT=train launcher DIR");
            System.exit(64);
        }
        Path dir = Path.of(args[0]).toAbsolutePath();
        Path cache = dir.resolve("cache");
        Digest manifest = seedCache(dir, cache);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("ARTIFACT", "training.invalid/aot/app@" + manifest);
        env.put("RUNARGS", "[\"true\"]");
        env.put("LAUNCHER_CACHE", cache.toString());
        for (String mode : new String[] {"init", "run"}) {
            env.put("LAUNCHER_MODE", mode);
            env.put("LAUNCHER_APP_DIR", dir.resolve("app-" + mode).toString());
            var config = new ConfigResolver(env).resolve(ConfigResolver.Flags.NONE, ConfigResolver.Purpose.RUN);
            int exit = Launcher.create(config).run();
            if (exit != 0) {
                System.err.println("AOT training: the " + mode + " start exited " + exit);
                System.exit(exit);
            }
        }
        System.exit(0);
    }

    /** One directory layer as `launcher push` makes it, its config and manifest, published as verified blobs. */
    private static Digest seedCache(Path dir, Path cache) throws IOException {
        Path source = Files.createDirectories(dir.resolve("source"));
        Files.writeString(source.resolve("app.txt"), "an app for the AOT training run\n");
        ByteArrayOutputStream layer = new ByteArrayOutputStream();
        new DirectoryPacker(Instant.EPOCH).packContents(source, layer);
        Descriptor layerDescriptor = new Descriptor(ArtifactPusher.TAR_GZIP, Digest.sha256(layer.toByteArray()), layer.size(), Map.of());
        Descriptor config = ManifestWriter.emptyConfig();
        byte[] manifest = ManifestWriter.write(ArtifactPusher.ARTIFACT_TYPE, config, List.of(layerDescriptor));
        Digest manifestDigest = Digest.sha256(manifest);
        try (CacheStore store = CacheStore.open(cache)) {
            publish(store, layer.toByteArray(), layerDescriptor.digest());
            publish(store, ManifestWriter.EMPTY_CONFIG_CONTENT, config.digest());
            publish(store, manifest, manifestDigest);
        }
        return manifestDigest;
    }

    private static void publish(CacheStore store, byte[] content, Digest digest) throws IOException {
        Path temp = store.newTempFile();
        Files.write(temp, content);
        store.publishBlob(temp, digest);
    }
}
