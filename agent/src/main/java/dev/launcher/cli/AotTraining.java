package dev.launcher.cli;

import dev.launcher.Launcher;
import dev.launcher.cache.CacheStore;
import dev.launcher.config.ConfigResolver;
import dev.launcher.oci.Digest;
import dev.launcher.pack.DirectoryPacker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
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
    private static final String TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

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

    /** A tar+gzip layer of one small app dir, an empty config and their manifest, published as verified blobs. */
    private static Digest seedCache(Path dir, Path cache) throws IOException {
        Path source = Files.createDirectories(dir.resolve("source"));
        Files.writeString(source.resolve("app.txt"), "an app for the AOT training run\n");
        ByteArrayOutputStream layer = new ByteArrayOutputStream();
        new DirectoryPacker(Instant.EPOCH).packContents(source, layer);
        byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
        Digest layerDigest = Digest.sha256(layer.toByteArray());
        Digest configDigest = Digest.sha256(config);
        String manifest = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
                "artifactType":"application/vnd.unknown.artifact.v1",\
                "config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":%d},\
                "layers":[{"mediaType":"%s","digest":"%s","size":%d,\
                "annotations":{"io.deis.oras.content.unpack":"true","org.opencontainers.image.title":"app"}}]}"""
                .formatted(configDigest, config.length, TAR_GZIP, layerDigest, layer.size());
        byte[] manifestBytes = manifest.getBytes(StandardCharsets.UTF_8);
        Digest manifestDigest = Digest.sha256(manifestBytes);
        try (CacheStore store = CacheStore.open(cache)) {
            publish(store, layer.toByteArray(), layerDigest);
            publish(store, config, configDigest);
            publish(store, manifestBytes, manifestDigest);
        }
        return manifestDigest;
    }

    private static void publish(CacheStore store, byte[] content, Digest digest) throws IOException {
        Path temp = store.newTempFile();
        Files.write(temp, content);
        store.publishBlob(temp, digest);
    }
}
