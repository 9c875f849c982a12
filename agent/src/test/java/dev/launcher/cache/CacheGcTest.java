package dev.launcher.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheGcTest {
    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    @TempDir
    Path dir;

    CacheStore store;
    Digest b1, b2, b3, tree;
    /** Bytes of the layer entry: its tree's 300 and its index. */
    long layerBytes;

    /** Blobs of 100 bytes used at T0+1h, +2h, +3h; a layer tree of 300 bytes (and its index) used at T0+4h. */
    @BeforeEach
    void fill() throws IOException {
        store = CacheStore.open(dir.resolve("cache"));
        b1 = blob(1, 1);
        b2 = blob(2, 2);
        b3 = blob(3, 3);
        tree = layer(4);
        layerBytes = Trees.size(store.paths().layer(tree));
        assertEquals(300 + Files.size(CachePaths.indexIn(store.paths().layer(tree))), layerBytes);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void evictsLeastRecentlyUsedUntilUnderTheLimit() {
        CacheGc.Result result = new CacheGc(store).collect(100 + layerBytes);

        assertEquals(new CacheGc.Result(2, 2, 0, 100 + layerBytes, 200), result);
        assertGone(b1, b2);
        assertTrue(store.blob(b3).isPresent());
        assertTrue(store.layer(tree).isPresent());
    }

    @Test
    void aRecentUseChangesTheOrder() throws IOException {
        touch(store.paths().blob(b1), 5);
        new CacheGc(store).collect(100 + layerBytes);
        assertGone(b2, b3);
        assertTrue(store.blob(b1).isPresent());
    }

    @Test
    void underTheLimitEvictsNothing() {
        assertEquals(new CacheGc.Result(4, 0, 0, 300 + layerBytes, 0), new CacheGc(store).collect(300 + layerBytes));
    }

    @Test
    void evictsTreesWithoutLeavingTraces() throws IOException {
        // Layer trees may contain read-only directories; eviction must still get rid of them.
        Files.setPosixFilePermissions(CachePaths.treeIn(store.paths().layer(tree)).resolve("d"),
                PosixFilePermissions.fromString("r-xr-xr-x"));
        assertEquals(4, new CacheGc(store).collect(0).evicted());
        assertFalse(Files.exists(store.paths().layer(tree)));
        assertEquals(0, CacheStoreTest.count(store.ownTempDir()), "the renamed tree was deleted");
        assertEquals(0, new CacheListing(store.paths()).contentEntries().size());
    }

    @Test
    void aLeaseBlocksGc() {
        try (Lease lease = store.lease(b1)) {
            CacheGc.Result result = new CacheGc(store).collect(0);
            assertEquals(new CacheGc.Result(1, 3, 1, 100, 200 + layerBytes), result);
            assertTrue(store.blob(b1).isPresent());
        }
        assertEquals(1, new CacheGc(store).collect(0).evicted());
        assertGone(b1);
    }

    @Test
    void aLeaseInAnotherProcessBlocksGcUntilThatProcessDies() throws Exception {
        try (ChildProcess child = ChildProcess.start(dir.resolve("logs"), "lease", dir.resolve("cache").toString(), tree.toString())) {
            child.awaitReady();
            CacheGc.Result result = new CacheGc(store).collect(0);
            assertEquals(1, result.busy());
            assertTrue(store.layer(tree).isPresent());

            child.kill();
            assertEquals(1, new CacheGc(store).collect(0).evicted());
            assertGone(tree);
        }
    }

    @Test
    void aDigestLockBlocksGc() {
        try (DigestLock lock = store.lock(b1)) {
            assertEquals(1, new CacheGc(store).collect(0).busy());
            assertTrue(store.blob(b1).isPresent());
        }
    }

    @Test
    void anEntryUsedSinceItWasListedIsKept() throws IOException {
        CacheEntry listed = new CacheListing(store.paths()).contentEntries().stream()
                .filter(e -> e.digest().equals(b1)).findFirst().orElseThrow();
        touch(store.paths().blob(b1), 9);
        assertEquals(CacheStore.Eviction.BUSY, store.evict(listed));
        assertTrue(store.blob(b1).isPresent());
    }

    @Test
    void anEntryAlreadyEvictedByAnotherGcIsGone() throws IOException {
        CacheEntry listed = new CacheListing(store.paths()).contentEntries().getFirst();
        assertEquals(CacheStore.Eviction.EVICTED, store.evict(listed));
        assertEquals(CacheStore.Eviction.GONE, store.evict(listed));
    }

    private Digest blob(int seed, int hoursAfterT0) throws IOException {
        byte[] content = new byte[100];
        java.util.Arrays.fill(content, (byte) seed);
        Digest digest = Digest.sha256(content);
        touch(store.publishBlob(Files.write(store.newTempFile(), content), digest), hoursAfterT0);
        return digest;
    }

    private Digest layer(int hoursAfterT0) throws IOException {
        Path temp = store.newLayerEntry();
        Path tree = CachePaths.treeIn(temp);
        Files.createDirectories(tree.resolve("d"));
        Files.write(tree.resolve("d/a"), new byte[200]);
        Files.write(tree.resolve("b"), new byte[100]);
        Files.createSymbolicLink(tree.resolve("link"), Path.of("b"));
        Digest digest = Digest.sha256("the layer".getBytes());
        touch(store.publishLayer(temp, digest), hoursAfterT0);
        return digest;
    }

    private static void touch(Path entry, int hoursAfterT0) throws IOException {
        Files.setLastModifiedTime(entry, FileTime.from(T0.plusSeconds(3600L * hoursAfterT0)));
    }

    private void assertGone(Digest... digests) {
        for (Digest d : List.of(digests)) {
            assertTrue(store.blob(d).isEmpty() && store.layer(d).isEmpty(), d + " should have been evicted");
        }
    }
}
