package dev.launcher.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.oci.Digest;
import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A blob altered inside the registry's own storage: exit 65, nothing run, nothing cached. */
class TamperIT {
    @Test
    void tamperedBlobIsRefused(@TempDir Path tmp) throws IOException {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            String ref = Apps.push(registry, "tamper/app:1", Apps.smallApp(tmp.resolve("src"), "should never run"));
            // The app layer is the only blob besides the config and manifest that is larger than a few bytes.
            Path storage = registry.storageRoot().resolve("docker/registry/v2/blobs/sha256");
            Path layerData;
            try (Stream<Path> data = Files.walk(storage)) {
                layerData = data.filter(p -> p.getFileName().toString().equals("data"))
                        .filter(p -> !p.getParent().getFileName().toString().equals(Apps.digestOf(ref).hex()))
                        .max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length())).orElseThrow();
            }
            Digest layer = new Digest("sha256", layerData.getParent().getFileName().toString());
            try (RandomAccessFile file = new RandomAccessFile(layerData.toFile(), "rw")) {
                file.seek(file.length() / 2);
                int b = file.read();
                file.seek(file.length() / 2);
                file.write(b ^ 0xff);
            }

            Path marker = tmp.resolve("ran");
            var result = Apps.run(registry, ref, tmp.resolve("cache"), tmp.resolve("app")).env("MARKER", marker.toString()).run();

            assertEquals(65, result.exitCode(), result.toString());
            assertTrue(result.stderr().contains(layer.toString()), "the message names the blob: " + result.stderr());
            // The unpacker met the damage first (gzip fails on it); the message still blames the bytes, not the archive.
            assertTrue(result.stderr().contains("does not match its digest"), result.stderr());
            assertFalse(Files.exists(marker), "nothing ran");
            assertFalse(Apps.blobsIn(tmp.resolve("cache")).contains(layer), "the tampered blob is not cached");
            assertEquals(0, Apps.layerTreesIn(tmp.resolve("cache")), "no layer tree was published");
            assertFalse(Files.exists(tmp.resolve("app/run.sh")), "the app dir was not assembled");
        }
    }

    /**
     * Unpacking and verifying are one pass: here the damage keeps the archive valid (a byte of a file in an
     * uncompressed tar), so the unpack succeeds and only the digest, checked at the end, catches it.
     */
    @Test
    void tamperedLayerThatStillUnpacksIsNotPublished(@TempDir Path tmp) throws IOException {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            String content = "echo never\n".repeat(200);
            byte[] tar = new RawArtifact.Tar(false).file("run.sh", content, 0755).bytes();
            RawArtifact artifact = new RawArtifact().layer(tar, "application/vnd.oci.image.layer.v1.tar", java.util.Map.of());
            String ref = artifact.push(registry.hostPort(), "tamper/plain:1", Files.createDirectories(tmp.resolve("work")));
            Digest layer = artifact.layers().getFirst().digest();
            Path data = registry.blobFile(layer);
            byte[] stored = Files.readAllBytes(data);
            int inContent = new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("echo never") + 5;
            stored[inContent] = 'N';
            Files.write(data, stored);

            var result = Apps.run(registry, ref, tmp.resolve("cache"), tmp.resolve("app")).run();

            assertEquals(65, result.exitCode(), result.toString());
            assertTrue(result.stderr().contains(layer.toString()) && result.stderr().contains("does not match its digest"), result.stderr());
            assertEquals(0, Apps.layerTreesIn(tmp.resolve("cache")), "no layer tree was published");
            try (Stream<Path> temp = Files.walk(tmp.resolve("cache/tmp"))) {
                assertTrue(temp.noneMatch(p -> p.getFileName().toString().equals("run.sh")), "the unpacked files were removed");
            }
            assertFalse(Files.exists(tmp.resolve("app/run.sh")), "the app dir was not assembled");
        }
    }

    /** A cached manifest is re-hashed at every start: one altered on disk is not trusted but fetched again. */
    @Test
    void corruptedCachedManifestIsDetectedAndFetchedAgain(@TempDir Path tmp) throws IOException {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            String pinned = Apps.push(registry, "tamper/cached:1", Apps.smallApp(tmp.resolve("src"), "ran from a good manifest"));
            Path cache = tmp.resolve("cache");
            assertEquals(0, Apps.run(registry, pinned, cache, tmp.resolve("app1")).run().exitCode());
            Path cached = cache.resolve("blobs/sha256/" + Apps.digestOf(pinned).hex());
            String json = Files.readString(cached);
            Files.writeString(cached, json.replace("\"schemaVersion\":2", "\"schemaVersion\": 2"));
            long manifestGets = manifestGets(registry);

            var again = Apps.run(registry, pinned, cache, tmp.resolve("app2")).run();

            assertEquals(0, again.exitCode(), again.toString());
            assertTrue(again.stdout().contains("ran from a good manifest"), again.toString());
            assertTrue(again.stderr().contains("cached manifest " + Apps.digestOf(pinned) + " is corrupt"), again.stderr());
            assertEquals(manifestGets + 1, manifestGets(registry), "fetched again from the registry");
            assertEquals(json, Files.readString(cached), "the cache holds the good manifest again");
        }
    }

    /** Layer blobs are only in caches made by earlier versions; such a blob is hashed before it is used. */
    @Test
    void corruptedLayerBlobLeftByAnOlderCacheIsFetchedAgainAndAnIntactOneIsUsed(@TempDir Path tmp) throws IOException {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            byte[] tar = new RawArtifact.Tar(false).file("run.sh", "#!/bin/sh\necho from the layer\n", 0755).bytes();
            RawArtifact artifact = new RawArtifact().layer(tar, "application/vnd.oci.image.layer.v1.tar", java.util.Map.of());
            String ref = artifact.push(registry.hostPort(), "tamper/oldcache:1", Files.createDirectories(tmp.resolve("work")));
            Digest layer = artifact.layers().getFirst().digest();
            byte[] damaged = tar.clone();
            damaged[600] ^= 0x01;
            Path corrupt = Files.createDirectories(tmp.resolve("old/blobs/sha256")).resolve(layer.hex());
            Files.write(corrupt, damaged);

            var fetched = Apps.run(registry, ref, tmp.resolve("old"), tmp.resolve("app1")).run();

            assertEquals(0, fetched.exitCode(), fetched.toString());
            assertTrue(fetched.stdout().contains("from the layer"), fetched.toString());
            assertTrue(fetched.stderr().contains("cached blob " + layer + " is corrupt"), fetched.stderr());
            assertEquals(1, registry.blobGets(layer), "the corrupt blob was downloaded again");
            assertFalse(Files.exists(corrupt), "the corrupt blob was deleted");

            Files.write(Files.createDirectories(tmp.resolve("intact/blobs/sha256")).resolve(layer.hex()), tar);
            var cached = Apps.run(registry, ref, tmp.resolve("intact"), tmp.resolve("app2")).run();

            assertEquals(0, cached.exitCode(), cached.toString());
            assertTrue(cached.stdout().contains("from the layer"), cached.toString());
            assertEquals(1, registry.blobGets(layer), "the intact cached blob was used, not downloaded");
        }
    }

    private static long manifestGets(TestRegistry registry) {
        return registry.requests().stream()
                .filter(r -> r.method().equals("GET") && r.path().contains("/manifests/") && r.status() == 200).count();
    }

    @Test
    void manifestThatDoesNotMatchItsPinnedDigestIsRefused(@TempDir Path tmp) throws IOException {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            String ref = Apps.push(registry, "tamper/manifest:1", Apps.smallApp(tmp.resolve("src"), "should never run"));
            Path manifest = registry.blobFile(Apps.digestOf(ref));
            String json = Files.readString(manifest);
            // Still valid JSON naming the same layer, so only the digest check can catch it.
            Files.writeString(manifest, json.replace("\"schemaVersion\":2", "\"schemaVersion\": 2"));

            Path marker = tmp.resolve("ran");
            var result = Apps.run(registry, ref, tmp.resolve("cache"), tmp.resolve("app")).env("MARKER", marker.toString()).run();
            assertEquals(65, result.exitCode(), result.toString());
            assertTrue(result.stderr().contains("does not match its pinned digest"), result.stderr());
            assertFalse(Files.exists(marker), "nothing ran");
            assertTrue(Apps.blobsIn(tmp.resolve("cache")).isEmpty(), "nothing cached");
        }
    }
}
