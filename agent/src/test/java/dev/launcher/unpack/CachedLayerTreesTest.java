package dev.launcher.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.assemble.AppAssembler;
import dev.launcher.cache.CachePaths;
import dev.launcher.cache.CacheStore;
import dev.launcher.cache.tree.IndexEdits;
import dev.launcher.oci.Descriptor;
import dev.launcher.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A damaged published tree is never handed out: it is removed and the layer unpacked again from its bytes. */
class CachedLayerTreesTest {
    private static final byte[] DATA = new byte[3000];

    static {
        new java.util.Random(11).nextBytes(DATA);
    }

    /** Hard links, a symlink, a read-only directory: what node_modules trees and images carry. */
    private static final byte[] TAR = new TarBuilder()
            .dir("bin", 0555)
            .file("bin/tool", "#!/bin/sh\necho tool\n".getBytes(), 0755)
            .hardlink("bin/tool-again", "bin/tool")
            .dir("lib", 0755)
            .file("lib/data.bin", DATA, 0644)
            .symlink("current", "lib")
            .tar();
    private static final Descriptor LAYER = new Descriptor("application/vnd.oci.image.layer.v1.tar", Digest.sha256(TAR), TAR.length, Map.of());

    @TempDir
    Path dir;

    CacheStore store;
    final AtomicInteger feeds = new AtomicInteger();

    @BeforeEach
    void open() {
        store = CacheStore.open(dir.resolve("cache"));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aWholeTreeIsUsedAsItIs() {
        Path first = ensure(store);
        Path again = ensure(store);
        assertEquals(first, again);
        assertEquals(1, feeds.get(), "unpacked once");
        assertWhole(again);
    }

    @Test
    void aTruncatedTreeFileIsRemovedAndTheLayerUnpackedAgain() throws IOException {
        Path tree = ensure(store);
        try (RandomAccessFile file = new RandomAccessFile(tree.resolve("lib/data.bin").toFile(), "rw")) {
            file.setLength(10);
        }

        Path again = ensure(store);

        assertEquals(2, feeds.get(), "unpacked again");
        assertWhole(again);
        assertNoDebris();
    }

    @Test
    void aSameSizeChangeUnseenByMetadataIsFoundAfterAReboot() {
        Path tree = ensure(store);
        IndexEdits.flipByteUnseenByMetadata(tree.getParent(), "lib/data.bin");
        ensure(store);
        assertEquals(1, feeds.get(), "the limit: within the boot it was cached in, content is not read at use");

        IndexEdits.publishedInAnotherBoot(tree.getParent());
        Path again = ensure(store);

        assertEquals(2, feeds.get());
        assertWhole(again);
        assertEquals(store.bootId(), IndexEdits.recordedBoot(again.getParent()), "indexed anew in this boot");
    }

    @Test
    void aChmodOrAnExtraFileOrARemovedFileOrARetargetedLinkIsFoundAtUse() throws IOException {
        List<IoEdit> damage = List.of(
                tree -> Files.setPosixFilePermissions(tree.resolve("lib/data.bin"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx")),
                tree -> Files.writeString(tree.resolve("lib/extra"), "x"),
                tree -> Files.delete(tree.resolve("lib/data.bin")),
                tree -> {
                    Files.delete(tree.resolve("current"));
                    Files.createSymbolicLink(tree.resolve("current"), Path.of("bin"));
                });
        for (int i = 0; i < damage.size(); i++) {
            damage.get(i).apply(ensure(store));
            assertWhole(ensure(store));
            assertEquals(i + 2, feeds.get(), "damage " + i + " was found and the layer unpacked again");
        }
    }

    /**
     * Kubernetes re-owns a volume for a pod's fsGroup at every mount, moving every ctime and adding group bits: the
     * content is read back once, matches, and the tree is re-indexed and used; the start after is the cheap one.
     */
    @Test
    void aTreeReownedForAnFsGroupIsReadBackOnceReindexedAndUsed() throws IOException {
        Path tree = ensure(store);
        IndexEdits.reownLikeFsGroup(tree);

        Path again = ensure(store);

        assertEquals(tree, again);
        assertEquals(1, feeds.get(), "not fetched again");
        assertWhole(again);
        assertEquals(0664, IndexEdits.mode(again.resolve("lib/data.bin")));
        IndexEdits.flipByteUnseenByMetadata(tree.getParent(), "lib/data.bin");
        ensure(store);
        assertEquals(1, feeds.get(), "the next start checks metadata only, as after publishing");
    }

    @Test
    void aReownedTreeWithASameSizeWriteIsFetchedAgain() throws IOException {
        Path tree = ensure(store);
        IndexEdits.flipByte(tree.resolve("lib/data.bin"));
        IndexEdits.reownLikeFsGroup(tree);

        assertWhole(ensure(store));

        assertEquals(2, feeds.get(), "the content decided");
    }

    /** A file that became world-writable or executable is not taken for re-owning, whatever its content. */
    @Test
    void aReownedTreeWithAFileMadeWorldWritableOrExecutableIsFetchedAgain() throws IOException {
        List<Integer> modes = List.of(0646, 0744);
        for (int i = 0; i < modes.size(); i++) {
            Path tree = ensure(store);
            IndexEdits.reownLikeFsGroup(tree);
            IndexEdits.chmod(tree.resolve("lib/data.bin"), modes.get(i));
            assertWhole(ensure(store));
            assertEquals(0644, IndexEdits.mode(tree.resolve("lib/data.bin")), "unpacked anew with the layer's mode");
            assertEquals(i + 2, feeds.get(), String.format("mode %04o", modes.get(i)));
        }
    }

    @Test
    void aTreeOfAnEarlierVersionIsRemovedAndTheLayerUnpackedOnce() throws IOException {
        Path legacy = store.paths().legacyLayer(LAYER.digest());
        Files.createDirectories(legacy.resolve("lib"));
        Files.write(legacy.resolve("lib/data.bin"), DATA);
        store.close();
        store = CacheStore.open(dir.resolve("cache"));

        assertFalse(Files.exists(legacy), "removed when the cache is opened");
        assertWhole(ensure(store));
        assertWhole(ensure(store));
        assertEquals(1, feeds.get(), "fetched again once");
    }

    @Test
    void anEntryWithoutIndexOrWithoutTreeIsUnpackedAgain() throws IOException {
        Files.delete(CachePaths.indexIn(ensure(store).getParent()));
        assertWhole(ensure(store));
        assertEquals(2, feeds.get());

        TreeCleaner.deleteTree(ensure(store));
        assertWhole(ensure(store));
        assertEquals(3, feeds.get());
    }

    /** Many launchers meeting one damaged tree: one removes it and unpacks it again, the others use the result. */
    @Test
    void launchersMeetingADamagedTreeTogetherUnpackItOnce() throws Exception {
        Path tree = ensure(store);
        Files.write(tree.resolve("lib/data.bin"), new byte[0]);
        int launchers = 4;
        List<CacheStore> stores = new java.util.ArrayList<>();
        for (int i = 0; i < launchers; i++) {
            stores.add(CacheStore.open(dir.resolve("cache")));
        }
        CyclicBarrier start = new CyclicBarrier(launchers);
        try (ExecutorService pool = Executors.newFixedThreadPool(launchers)) {
            List<Future<Path>> trees = new java.util.ArrayList<>();
            for (CacheStore each : stores) {
                trees.add(pool.submit(() -> {
                    start.await();
                    return ensure(each);
                }));
            }
            for (Future<Path> each : trees) {
                assertWhole(each.get());
            }
        } finally {
            stores.forEach(CacheStore::close);
        }
        assertEquals(2, feeds.get(), "unpacked once more, not once per launcher");
    }

    /**
     * Nothing legitimate touches a published tree: the hard link inside it was made before the index, and
     * assembling an app copies files out and links the copies to each other, never to the cache.
     */
    @Test
    void assemblingAppsFromATreeLeavesItMatchingItsIndex() throws IOException {
        Path tree = ensure(store);
        new AppAssembler().assemble(List.of(tree), dir.resolve("app1"));
        new AppAssembler().assemble(List.of(ensure(store)), dir.resolve("app2"));
        IndexEdits.publishedInAnotherBoot(tree.getParent());
        new AppAssembler().assemble(List.of(ensure(store)), dir.resolve("app3"));
        assertWhole(ensure(store));
        assertEquals(1, feeds.get(), "never taken for damaged");
        assertEquals(Files.readString(dir.resolve("app3/bin/tool")), Files.readString(dir.resolve("app3/bin/tool-again")));
    }

    @FunctionalInterface
    private interface IoEdit {
        void apply(Path tree) throws IOException;
    }

    private Path ensure(CacheStore on) {
        return new CachedLayerTrees(on).ensure(LAYER, unpack -> {
            feeds.incrementAndGet();
            unpack.accept(new ByteArrayInputStream(TAR));
        });
    }

    private static void assertWhole(Path tree) {
        try {
            assertTrue(tree.endsWith("tree") && tree.getParent().getFileName().toString().equals(LAYER.digest().hex()), tree.toString());
            assertEquals(List.of("bin", "current", "lib"), list(tree));
            assertEquals("#!/bin/sh\necho tool\n", Files.readString(tree.resolve("bin/tool-again")));
            assertTrue(java.util.Arrays.equals(DATA, Files.readAllBytes(tree.resolve("lib/data.bin"))), "data whole");
            assertEquals(Path.of("lib"), Files.readSymbolicLink(tree.resolve("current")));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> children = Files.list(dir)) {
            return children.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private void assertNoDebris() throws IOException {
        try (Stream<Path> temp = Files.walk(store.paths().tmpDir())) {
            assertTrue(temp.noneMatch(p -> p.getFileName().toString().equals("data.bin")), "the damaged tree was deleted");
        }
    }
}
