package dev.launcher.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.cache.tree.IndexEdits;
import dev.launcher.cache.tree.PublishedTrees;
import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheStoreTest {
    @TempDir
    Path dir;

    CacheStore store;

    @BeforeEach
    void open() {
        store = CacheStore.open(dir.resolve("cache"));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void openCreatesTheLayoutAndAPrivateTempDir() {
        CachePaths paths = store.paths();
        for (Path each : List.of(paths.blobsDir(), paths.treesDir(), paths.refsDir(), paths.tmpDir(), paths.locksDir())) {
            assertTrue(Files.isDirectory(each), each + " missing");
        }
        assertTrue(Files.isDirectory(paths.ownerDir(store.ownerId())));
        assertTrue(Files.isRegularFile(paths.ownerLock(store.ownerId())));
        assertTrue(store.newTempFile().startsWith(paths.ownerDir(store.ownerId())));
    }

    @Test
    void closeRemovesOurTempDirAndLock() throws IOException {
        Files.writeString(store.newTempFile(), "x");
        Files.writeString(store.newTempDir().resolve("f"), "x");
        Path own = store.paths().ownerDir(store.ownerId());
        Path lock = store.paths().ownerLock(store.ownerId());
        store.close();
        assertFalse(Files.exists(own));
        assertFalse(Files.exists(lock));
        assertThrows(IllegalStateException.class, store::newTempFile);
    }

    @Test
    void publishBlobMovesTheVerifiedFileUnderItsDigest() throws IOException {
        byte[] content = "blob content".getBytes();
        Digest digest = Digest.sha256(content);
        assertTrue(store.blob(digest).isEmpty());

        Path temp = store.newTempFile();
        Files.write(temp, content);
        Path published = store.publishBlob(temp, digest);

        assertEquals(store.paths().blob(digest), published);
        assertArrayEquals(content, Files.readAllBytes(published));
        assertFalse(Files.exists(temp));
        assertEquals(published, store.blob(digest).orElseThrow());
        // Other uids on the volume must be able to read it.
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(published)));
    }

    @Test
    void publishLayerMovesTheTreeWithItsIndex() throws IOException {
        Digest digest = Digest.sha256("layer".getBytes());
        Path entry = store.newLayerEntry();
        Path tree = CachePaths.treeIn(entry);
        Files.createDirectories(tree.resolve("bin"));
        Files.writeString(tree.resolve("bin/app"), "#!/bin/sh\n");

        Path published = store.publishLayer(entry, digest);

        assertEquals(store.paths().layer(digest), published);
        assertEquals("#!/bin/sh\n", Files.readString(CachePaths.treeIn(published).resolve("bin/app")));
        assertEquals(List.of(".", "bin", "bin/app"), PublishedTrees.indexedPaths(published));
        assertEquals(store.bootId(), IndexEdits.recordedBoot(published));
        assertFalse(Files.exists(entry));
        assertEquals(published, store.layer(digest).orElseThrow());
        assertTrue(store.blob(digest).isEmpty(), "a layer tree is not a blob");
    }

    @Test
    void publishLayerRefusesAnEntryWithoutATree() throws IOException {
        Path entry = store.newTempDir();
        Files.writeString(entry.resolve("f"), "a bare tree, as earlier versions published");
        assertThrows(IllegalArgumentException.class, () -> store.publishLayer(entry, Digest.sha256("x".getBytes())));
    }

    @Test
    void discardLayerRemovesTheEntryThroughOurTempDir() throws IOException {
        Digest digest = Digest.sha256("damaged".getBytes());
        Path entry = store.newLayerEntry();
        Files.createDirectories(CachePaths.treeIn(entry).resolve("ro"));
        Files.setPosixFilePermissions(CachePaths.treeIn(entry).resolve("ro"), java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
        store.publishLayer(entry, digest);

        assertTrue(store.discardLayer(digest));

        assertFalse(Files.exists(store.paths().layer(digest)));
        assertEquals(0, count(store.ownTempDir()), "renamed out and deleted");
        assertFalse(store.discardLayer(digest), "gone already");
    }

    @Test
    void openRemovesUnusedTreesOfEarlierVersionsAndKeepsLeasedOnes() throws IOException {
        Digest unused = Digest.sha256("unused".getBytes());
        Digest leased = Digest.sha256("leased".getBytes());
        for (Digest d : List.of(unused, leased)) {
            Files.createDirectories(store.paths().legacyLayer(d).resolve("bin"));
            Files.writeString(store.paths().legacyLayer(d).resolve("bin/app"), "an earlier version's bare tree");
        }
        try (Lease lease = store.lease(leased);
                CacheStore next = CacheStore.open(dir.resolve("cache"))) {
            assertFalse(Files.exists(next.paths().legacyLayer(unused)));
            assertTrue(Files.exists(next.paths().legacyLayer(leased)), "an earlier launcher may be reading it");
            assertTrue(next.layer(unused).isEmpty() && next.layer(leased).isEmpty(), "never used as a tree");
        }
    }

    @Test
    void publishOnlyAcceptsOurOwnTempFiles() throws IOException {
        Path elsewhere = Files.writeString(dir.resolve("outside"), "x");
        Digest digest = Digest.sha256("x".getBytes());
        assertThrows(IllegalArgumentException.class, () -> store.publishBlob(elsewhere, digest));
        assertThrows(IllegalArgumentException.class, () -> store.publishLayer(dir, digest));
        assertThrows(IllegalArgumentException.class, () -> store.publishLayer(store.paths().tmpDir(), digest));
    }

    @Test
    void publishingAnExistingBlobKeepsTheExistingOne() throws IOException {
        byte[] content = "same".getBytes();
        Digest digest = Digest.sha256(content);
        Path first = store.publishBlob(Files.write(store.newTempFile(), content), digest);
        Path second = Files.write(store.newTempFile(), content);
        assertEquals(first, store.publishBlob(second, digest));
        assertFalse(Files.exists(second));
    }

    @Test
    void publishFailureIsCacheIoNamingThePath() throws IOException {
        byte[] content = "x".getBytes();
        Digest digest = Digest.sha256(content);
        Files.writeString(store.paths().blobsDir().resolve("sha256"), "a file where a directory belongs");
        Path temp = Files.write(store.newTempFile(), content);
        LauncherException e = assertThrows(LauncherException.class, () -> store.publishBlob(temp, digest));
        assertEquals(ExitCode.CACHE_IO, e.exitCode());
        assertTrue(e.getMessage().startsWith("cannot publish blob " + digest + " as " + store.paths().blob(digest)),
                e.getMessage());
    }

    @Test
    void anEntryOfTheWrongTypeIsReportedNotReturned() throws IOException {
        Digest digest = Digest.sha256("x".getBytes());
        Files.createDirectories(store.paths().layer(digest).getParent());
        Files.writeString(store.paths().layer(digest), "not a tree");
        assertTrue(store.layer(digest).isEmpty());
        LauncherException e = assertThrows(LauncherException.class, () -> store.publishLayer(store.newLayerEntry(), digest));
        assertEquals(ExitCode.CACHE_IO, e.exitCode());
        assertTrue(e.getMessage().contains(store.paths().layer(digest) + " exists but is not a directory"), e.getMessage());
    }

    /** FileChannel I/O on an interrupted thread throws ClosedByInterruptException; it must end as exit 74. */
    @Test
    void publishingOnAnInterruptedThreadIsACleanFailure() throws IOException {
        byte[] content = "x".getBytes();
        Digest digest = Digest.sha256(content);
        Path temp = Files.write(store.newTempFile(), content);
        Thread.currentThread().interrupt();
        try {
            LauncherException e = assertThrows(LauncherException.class, () -> store.publishBlob(temp, digest));
            assertEquals(ExitCode.CACHE_IO, e.exitCode());
            assertTrue(e.getMessage().contains(": interrupted;"), e.getMessage());
        } finally {
            Thread.interrupted();
        }
        assertTrue(store.blob(digest).isEmpty());
        assertEquals(digest, Digest.sha256(Files.readAllBytes(store.publishBlob(temp, digest))), "retry works");
    }

    /** Two processes finishing the same download at once: both succeed, one file results, no temp is left. */
    @Test
    void publishRaceOfBlobs() throws Exception {
        try (CacheStore other = CacheStore.open(dir.resolve("cache"));
                ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 50; round++) {
                byte[] content = ("blob " + round).getBytes();
                Digest digest = Digest.sha256(content);
                Path mine = Files.write(store.newTempFile(), content);
                Path theirs = Files.write(other.newTempFile(), content);
                CyclicBarrier start = new CyclicBarrier(2);
                Future<Path> a = pool.submit(() -> { start.await(); return store.publishBlob(mine, digest); });
                Future<Path> b = pool.submit(() -> { start.await(); return other.publishBlob(theirs, digest); });

                assertEquals(store.paths().blob(digest), a.get());
                assertEquals(a.get(), b.get());
                assertArrayEquals(content, Files.readAllBytes(a.get()));
                assertFalse(Files.exists(mine));
                assertFalse(Files.exists(theirs));
            }
            assertEquals(50, count(store.paths().blobsDir().resolve("sha256")));
            assertEquals(0, count(store.ownTempDir()));
            assertEquals(0, count(other.ownTempDir()));
        }
    }

    /** For trees the race is real: rename(2) refuses to replace a non-empty directory, and the loser must cope. */
    @Test
    void publishRaceOfLayers() throws Exception {
        try (CacheStore other = CacheStore.open(dir.resolve("cache"));
                ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 50; round++) {
                Digest digest = Digest.sha256(("layer " + round).getBytes());
                Path mine = tree(store.newLayerEntry(), round);
                Path theirs = tree(other.newLayerEntry(), round);
                CyclicBarrier start = new CyclicBarrier(2);
                Future<Path> a = pool.submit(() -> { start.await(); return store.publishLayer(mine, digest); });
                Future<Path> b = pool.submit(() -> { start.await(); return other.publishLayer(theirs, digest); });

                assertEquals(store.paths().layer(digest), a.get());
                assertEquals(a.get(), b.get());
                assertEquals("file " + round, Files.readString(CachePaths.treeIn(a.get()).resolve("sub/file")));
                assertEquals(2, count(CachePaths.treeIn(a.get())), "no nested copy of the loser's tree");
                assertEquals(2, count(a.get()), "the tree and its index");
                assertFalse(Files.exists(mine));
                assertFalse(Files.exists(theirs));
            }
            assertEquals(0, count(store.ownTempDir()));
            assertEquals(0, count(other.ownTempDir()));
        }
    }

    /**
     * A reader polling while a writer slowly produces an entry sees nothing, then the whole entry: the bytes are
     * written under tmp/ and only a rename makes them visible.
     */
    @Test
    void noHalfWrittenBlobIsEverVisible() throws Exception {
        byte[] content = new byte[4 << 20];
        new java.util.Random(1).nextBytes(content);
        Digest digest = Digest.sha256(content);
        Path temp = store.newTempFile();
        try (ExecutorService pool = Executors.newSingleThreadExecutor()) {
            Future<Path> writer = pool.submit(() -> {
                try (var out = Files.newOutputStream(temp)) {
                    for (int off = 0; off < content.length; off += 64 << 10) {
                        out.write(content, off, 64 << 10);
                        out.flush();
                        Thread.sleep(1);
                    }
                }
                return store.publishBlob(temp, digest);
            });
            int seenAbsent = 0;
            while (true) {
                var blob = store.blob(digest);
                if (blob.isPresent()) {
                    assertArrayEquals(content, Files.readAllBytes(blob.get()), "visible blob is incomplete");
                    break;
                }
                seenAbsent++;
                try (Stream<Path> entries = Files.list(store.paths().blobsDir().resolve("sha256"))) {
                    entries.forEach(e -> assertEquals(digest.hex(), e.getFileName().toString(),
                            "something other than the final blob appeared"));
                } catch (java.nio.file.NoSuchFileException e) {
                    // blobs/sha256 is created at the first publish
                }
            }
            writer.get();
            assertTrue(seenAbsent > 0, "the reader never looked while the writer wrote");
        }
    }

    @Test
    void noHalfWrittenLayerIsEverVisible() throws Exception {
        int files = 300;
        Digest digest = Digest.sha256("big layer".getBytes());
        Path temp = store.newLayerEntry();
        try (ExecutorService pool = Executors.newSingleThreadExecutor()) {
            Future<Path> writer = pool.submit(() -> {
                for (int i = 0; i < files; i++) {
                    Files.writeString(CachePaths.treeIn(temp).resolve("f" + i), "content " + i);
                }
                return store.publishLayer(temp, digest);
            });
            while (true) {
                var layer = store.layer(digest);
                if (layer.isPresent()) {
                    assertEquals(files, count(CachePaths.treeIn(layer.get())), "visible tree is incomplete");
                    assertEquals(files + 1, PublishedTrees.indexedPaths(layer.get()).size(),
                            "visible index is incomplete");
                    break;
                }
            }
            writer.get();
        }
    }

    @Test
    void lookupsStampLastUseAtMinuteResolution() throws IOException {
        MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
        try (CacheStore clocked = CacheStore.open(dir.resolve("cache"), clock)) {
            byte[] content = "stamped".getBytes();
            Digest digest = Digest.sha256(content);
            Path blob = clocked.publishBlob(Files.write(clocked.newTempFile(), content), digest);
            Path layer = clocked.newLayerEntry();
            // Archives often carry epoch mtimes: publishing must stamp anyway.
            Files.setLastModifiedTime(layer, FileTime.from(Instant.EPOCH));
            layer = clocked.publishLayer(layer, digest);
            assertEquals(clock.instant(), mtime(blob));
            assertEquals(clock.instant(), mtime(layer));

            clock.advance(Duration.ofSeconds(30));
            clocked.blob(digest);
            assertEquals(Instant.parse("2030-01-01T00:00:00Z"), mtime(blob), "within a minute: no write");

            clock.advance(Duration.ofHours(2));
            clocked.blob(digest);
            clocked.layer(digest);
            assertEquals(clock.instant(), mtime(blob));
            assertEquals(clock.instant(), mtime(layer));
        }
    }

    @Test
    void refsRoundTrip() throws IOException {
        Digest first = Digest.sha256("one".getBytes());
        Digest second = Digest.sha256("two".getBytes());
        assertTrue(store.readRef("127.0.0.1:5000", "team/app", "v1").isEmpty());

        store.writeRef("127.0.0.1:5000", "team/app", "v1", first);
        assertEquals(first, store.readRef("127.0.0.1:5000", "team/app", "v1").orElseThrow());

        store.writeRef("127.0.0.1:5000", "team/app", "v1", second);
        assertEquals(second, store.readRef("127.0.0.1:5000", "team/app", "v1").orElseThrow());

        // A repository nested in another, and the same tag elsewhere, are separate refs.
        store.writeRef("127.0.0.1:5000", "team/app/v1", "latest", first);
        store.writeRef("other.example.com", "team/app", "v1", first);
        assertEquals(second, store.readRef("127.0.0.1:5000", "team/app", "v1").orElseThrow());
        assertEquals(first, store.readRef("127.0.0.1:5000", "team/app/v1", "latest").orElseThrow());
        assertEquals(0, count(store.ownTempDir()), "ref temp files are renamed away");
    }

    @Test
    void corruptRefReadsAsAbsent() throws IOException {
        Path ref = store.paths().ref("r.io", "app", "v1");
        Files.createDirectories(ref.getParent());
        Files.writeString(ref, "garbage");
        assertTrue(store.readRef("r.io", "app", "v1").isEmpty());
    }

    @Test
    void refsRejectEscapes() {
        Digest d = Digest.sha256("x".getBytes());
        LauncherException e = assertThrows(LauncherException.class, () -> store.writeRef("r.io", "../../etc", "v1", d));
        assertEquals(ExitCode.USAGE, e.exitCode());
    }

    /** Fills the tree of a layer entry from {@link CacheStore#newLayerEntry()}; returns the entry. */
    static Path tree(Path entry, int round) throws IOException {
        Path root = CachePaths.treeIn(entry);
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/file"), "file " + round);
        Files.writeString(root.resolve("top"), "top " + round);
        return entry;
    }

    static long count(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.count();
        }
    }

    static Instant mtime(Path path) throws IOException {
        return Files.getLastModifiedTime(path).toInstant();
    }
}
