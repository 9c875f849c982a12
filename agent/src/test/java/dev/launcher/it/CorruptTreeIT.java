package dev.launcher.it;

import static dev.launcher.it.LauncherProcess.launcher;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.cache.tree.IndexEdits;
import dev.launcher.oci.Digest;
import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A layer tree damaged in the cache after it was published is found and fetched again: at the next start when the
 * metadata shows it (any change made through the file system), at the first start after a reboot when only the
 * content shows it (a power cut), and by {@code cache verify} in any case. A tree whose files were only re-owned
 * (new ctimes, group bits) and whose content matches is kept.
 */
class CorruptTreeIT {
    private static final String DATA = "data.bin";

    @Test
    void aTruncatedFileIsFoundAtTheNextStartAndFetchedAgain(@TempDir Path tmp) throws IOException {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            Cached app = runOnce(registry, tmp, "corrupt/truncated:1");
            try (RandomAccessFile file = new RandomAccessFile(app.tree().resolve(DATA).toFile(), "rw")) {
                file.setLength(100);
            }

            var again = Apps.run(registry, app.pinned(), app.cache(), tmp.resolve("app2")).run();

            assertFetchedAgain(registry, app, again, tmp.resolve("app2"), "' has 100 bytes, had "
                    + app.data().length + " when cached; removing it and fetching the layer again");
            assertArrayEquals(app.data(), Files.readAllBytes(app.tree().resolve(DATA)), "the cache holds the whole tree again");
        }
    }

    /** What a power cut leaves: the size and ctime the index expects, other bytes. Only reading them back shows it. */
    @Test
    void aSameSizeChangeUnseenByMetadataIsFoundAtTheFirstStartAfterAReboot(@TempDir Path tmp) throws IOException {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            Cached app = runOnce(registry, tmp, "corrupt/reboot:1");
            IndexEdits.flipByteUnseenByMetadata(app.entry(), DATA);
            IndexEdits.publishedInAnotherBoot(app.entry());

            var again = Apps.run(registry, app.pinned(), app.cache(), tmp.resolve("app2")).run();

            assertFetchedAgain(registry, app, again, tmp.resolve("app2"), "' has other content than when it was cached (CRC32C");

            var third = Apps.run(registry, app.pinned(), app.cache(), tmp.resolve("app3")).run();
            assertEquals(0, third.exitCode(), third.toString());
            assertFalse(third.stderr().contains("damaged") || third.stderr().contains("read back"), third.stderr());
            assertEquals(2, registry.blobGets(app.layer()), "the new tree was trusted");
        }
    }

    /**
     * The documented limit: within the boot a tree was published in, content is not read at start, so a change
     * that bypassed the file system goes unseen there. `cache verify` reads everything and removes the tree.
     */
    @Test
    void aSameSizeChangeUnseenByMetadataInTheSameBootIsLeftToCacheVerify(@TempDir Path tmp) throws IOException {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            Cached app = runOnce(registry, tmp, "corrupt/sameboot:1");
            IndexEdits.flipByteUnseenByMetadata(app.entry(), DATA);

            var unseen = Apps.run(registry, app.pinned(), app.cache(), tmp.resolve("app2")).run();
            assertEquals(0, unseen.exitCode(), unseen.toString());
            assertFalse(unseen.stderr().contains("damaged"), unseen.stderr());
            assertEquals(1, registry.blobGets(app.layer()), "not found at start: the limit");

            var verify = launcher("cache", "verify", "--cache", app.cache().toString()).run();

            assertEquals(65, verify.exitCode(), verify.toString());
            assertTrue(verify.stdout().contains("damaged layer tree " + app.layer() + ": '" + DATA
                    + "' has other content than when it was cached"), verify.stdout());
            assertTrue(verify.stdout().contains("verified 1 layer trees: 0 whole, 1 damaged"), verify.stdout());
            assertEquals(List.of(), Apps.layerTreeDigestsIn(app.cache()), "the damaged tree was removed");

            var fetched = Apps.run(registry, app.pinned(), app.cache(), tmp.resolve("app3")).run();
            assertEquals(0, fetched.exitCode(), fetched.toString());
            assertArrayEquals(app.data(), Files.readAllBytes(tmp.resolve("app3").resolve(DATA)));
            assertEquals(2, registry.blobGets(app.layer()));
            assertEquals(0, launcher("cache", "verify", "--cache", app.cache().toString()).run().exitCode());
        }
    }

    /**
     * The same flip made through the file system moves the file's ctime: found at the next start, no reboot needed.
     * A moved ctime alone could be re-owning, so the content is read back, and it tells.
     */
    @Test
    void aSameSizeWriteInTheSameBootIsFoundAtTheNextStart(@TempDir Path tmp) throws IOException {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            Cached app = runOnce(registry, tmp, "corrupt/write:1");
            IndexEdits.flipByte(app.tree().resolve(DATA));

            var again = Apps.run(registry, app.pinned(), app.cache(), tmp.resolve("app2")).run();

            assertFetchedAgain(registry, app, again, tmp.resolve("app2"), "' has other content than when it was cached (CRC32C");
        }
    }

    /**
     * Kubernetes re-owns a volume for a pod's fsGroup at every mount (fsGroupChangePolicy Always): every ctime
     * moves and group bits are added. The content, read back, matches: the tree is re-indexed, not fetched again;
     * the start after is quiet, and cache verify, meeting the next re-owning, calls the tree whole.
     */
    @Test
    void aTreeReownedForAnFsGroupIsReindexedNotFetchedAgain(@TempDir Path tmp) throws IOException {
        String reindexed = "file metadata changed (ctime/group bits, e.g. a volume re-owned by fsGroup) but content matches; re-indexed";
        try (TestRegistry registry = TestRegistry.builder().start()) {
            Cached app = runOnce(registry, tmp, "corrupt/reowned:1");
            IndexEdits.reownLikeFsGroup(app.tree());

            var again = Apps.run(registry, app.pinned(), app.cache(), tmp.resolve("app2")).run();

            assertEquals(0, again.exitCode(), again.toString());
            assertTrue(again.stderr().contains("layer " + app.layer() + ": " + reindexed), again.stderr());
            assertFalse(again.stderr().contains("damaged"), again.stderr());
            assertArrayEquals(app.data(), Files.readAllBytes(tmp.resolve("app2").resolve(DATA)));
            assertEquals(1, registry.blobGets(app.layer()), "the layer blob was served once in all");

            var third = Apps.run(registry, app.pinned(), app.cache(), tmp.resolve("app3")).run();
            assertEquals(0, third.exitCode(), third.toString());
            assertFalse(third.stderr().contains("re-indexed") || third.stderr().contains("read back"), third.stderr());

            IndexEdits.reownLikeFsGroup(app.tree());
            var verify = launcher("cache", "verify", "--cache", app.cache().toString()).run();
            assertEquals(0, verify.exitCode(), verify.toString());
            assertTrue(verify.stdout().contains("verified 1 layer trees: 1 whole, 0 damaged"), verify.stdout());
            assertTrue(verify.stderr().contains(reindexed), verify.stderr());
            assertEquals(List.of(app.layer()), Apps.layerTreeDigestsIn(app.cache()));
            assertEquals(1, registry.blobGets(app.layer()));
        }
    }

    /** The start found the damage, said so in one warning, fetched the layer again and assembled the whole app. */
    private static void assertFetchedAgain(TestRegistry registry, Cached app, LauncherProcess.Result again, Path appDir,
            String damage) throws IOException {
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.stderr().contains("layer " + app.layer() + ": the cached tree is damaged: '" + DATA + damage),
                again.stderr());
        assertArrayEquals(app.data(), Files.readAllBytes(appDir.resolve(DATA)), "the app got the whole file");
        assertEquals(2, registry.blobGets(app.layer()), "the layer blob was served twice");
    }

    /** An app run once from a fresh cache; its one layer tree is in the cache. */
    private record Cached(String pinned, Path cache, Digest layer, byte[] data) {
        Path entry() {
            return Apps.layerEntry(cache, layer);
        }

        Path tree() {
            return entry().resolve("tree");
        }
    }

    private static Cached runOnce(TestRegistry registry, Path tmp, String repoAndTag) throws IOException {
        Path src = Apps.smallApp(tmp.resolve("src"), "ran");
        byte[] data = new byte[64 * 1024];
        new Random(5).nextBytes(data);
        Files.write(src.resolve(DATA), data);
        String pinned = Apps.push(registry, repoAndTag, src);
        Path cache = tmp.resolve("cache");
        var first = Apps.run(registry, pinned, cache, tmp.resolve("app1")).run();
        assertEquals(0, first.exitCode(), first.toString());
        List<Digest> layers = Apps.layerTreeDigestsIn(cache);
        assertEquals(1, layers.size(), layers.toString());
        assertEquals(1, registry.blobGets(layers.getFirst()));
        return new Cached(pinned, cache, layers.getFirst(), data);
    }
}
