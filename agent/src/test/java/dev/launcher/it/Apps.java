package dev.launcher.it;

import static dev.launcher.it.LauncherProcess.launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.oci.Digest;
import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Test apps made on the fly and pushed with the real `launcher push`. */
final class Apps {
    private Apps() {}

    /** A small app whose run.sh prints a line and leaves a marker file, so a test can tell it ran. */
    static Path smallApp(Path dir, String message) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("run.sh"), "#!/bin/sh\necho \"" + message + "\"\n[ -n \"$MARKER\" ] && touch \"$MARKER\"\nexit 0\n");
        Files.setPosixFilePermissions(dir.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    /** An app with a large incompressible file, so a pull takes long enough to be interrupted. */
    static Path bigApp(Path dir, int megabytes) throws IOException {
        smallApp(dir, "big app");
        byte[] chunk = new byte[1 << 20];
        Random random = new Random(42);
        try (OutputStream out = Files.newOutputStream(dir.resolve("payload.bin"))) {
            for (int i = 0; i < megabytes; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
        return dir;
    }

    static String push(TestRegistry registry, String repoAndTag, Path... paths) {
        List<String> args = new ArrayList<>(List.of("push", "--insecure", registry.hostPort(), registry.hostPort() + "/" + repoAndTag));
        for (Path p : paths) {
            args.add(p.toString());
        }
        var result = launcher(args.toArray(String[]::new)).run();
        assertEquals(0, result.exitCode(), result.toString());
        return result.stdout().strip();
    }

    /** Digests of the blobs in the cache: manifests and configs (layers are kept as trees only). */
    static List<Digest> blobsIn(Path cache) throws IOException {
        return sha256NamesIn(cache.resolve("blobs/sha256"));
    }

    /** Keys of the published layer trees; for a tar layer, its blob digest. */
    static List<Digest> layerTreeDigestsIn(Path cache) throws IOException {
        return sha256NamesIn(cache.resolve("trees/sha256"));
    }

    /** The published layer entry of a key: its tree is {@code tree/}, beside its {@code index}. */
    static Path layerEntry(Path cache, Digest key) {
        return cache.resolve("trees/sha256/" + key.hex());
    }

    private static List<Digest> sha256NamesIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> new Digest("sha256", p.getFileName().toString())).toList();
        }
    }

    /** Every blob published in the cache hashes to its name: none is partial. */
    static void assertEveryCachedBlobVerifies(Path cache, String context) throws IOException {
        for (Digest blob : blobsIn(cache)) {
            Path file = cache.resolve("blobs/sha256/" + blob.hex());
            assertEquals(blob, Digest.sha256(Files.readAllBytes(file)), "published blob " + file + " is whole (" + context + ")");
        }
    }

    /** No partial download or unpack of a dead launcher is left in the cache's tmp dir (lock files are tiny). */
    static void assertNoTempDebris(Path cache) throws IOException {
        try (Stream<Path> debris = Files.walk(cache.resolve("tmp"))) {
            assertTrue(debris.noneMatch(p -> Files.isRegularFile(p) && p.toFile().length() > 1024),
                    "the dead launchers' partial files were cleaned up");
        }
    }

    /** Number of published layer trees (trees/<algorithm>/<hex>). */
    static long layerTreesIn(Path cache) throws IOException {
        Path layers = cache.resolve("trees");
        if (!Files.isDirectory(layers)) {
            return 0;
        }
        try (Stream<Path> trees = Files.walk(layers, 2)) {
            return trees.filter(p -> layers.relativize(p).getNameCount() == 2).count();
        }
    }

    static Digest digestOf(String pinnedRef) {
        Matcher m = Pattern.compile("@(sha256:[a-f0-9]{64})$").matcher(pinnedRef);
        if (!m.find()) {
            throw new AssertionError("not a pinned reference: " + pinnedRef);
        }
        return Digest.parse(m.group(1));
    }

    static LauncherProcess run(TestRegistry registry, String artifact, Path cache, Path appDir) {
        return launcher().env("ARTIFACT", artifact).env("RUNARGS", "./run.sh")
                .env("LAUNCHER_CACHE", cache.toString()).env("LAUNCHER_APP_DIR", appDir.toString())
                .env("LAUNCHER_INSECURE", registry.hostPort());
    }
}
