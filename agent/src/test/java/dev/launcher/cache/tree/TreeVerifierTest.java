package dev.launcher.cache.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.cache.CacheListing;
import dev.launcher.cache.CachePaths;
import dev.launcher.cache.CacheStore;
import dev.launcher.cache.DigestLock;
import dev.launcher.cache.Lease;
import dev.launcher.oci.Digest;
import dev.launcher.unpack.TreeCleaner;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each way a published tree can differ from its index, and what is found at use and by a full check. */
class TreeVerifierTest {
    private static final Digest KEY = Digest.sha256("the layer".getBytes());

    @TempDir
    Path dir;

    CacheStore store;
    TreeVerifier verifier;
    Path entry;
    Path tree;

    /** A small layer: a script with a second hard-linked name, 1000 bytes of data, a symlink, an empty dir. */
    @BeforeEach
    void publish() throws IOException {
        store = CacheStore.open(dir.resolve("cache"));
        verifier = new TreeVerifier(store);
        Path temp = store.newLayerEntry();
        Path t = CachePaths.treeIn(temp);
        Files.createDirectories(t.resolve("bin"));
        Files.createDirectories(t.resolve("lib"));
        Files.createDirectories(t.resolve("empty"));
        Files.writeString(t.resolve("bin/app"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(t.resolve("bin/app"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createLink(t.resolve("bin/alias"), t.resolve("bin/app"));
        byte[] data = new byte[1000];
        new java.util.Random(7).nextBytes(data);
        Files.write(t.resolve("lib/data.bin"), data);
        Files.setPosixFilePermissions(t.resolve("lib/data.bin"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.createSymbolicLink(t.resolve("current"), Path.of("lib"));
        entry = store.publishLayer(temp, KEY);
        tree = CachePaths.treeIn(entry);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aWholeTreeMatches() {
        assertEquals(Optional.empty(), verifier.check(entry, TreeVerifier.Depth.AT_USE));
        assertEquals(Optional.empty(), verifier.check(entry, TreeVerifier.Depth.FULL));
    }

    @Test
    void aTruncatedFileIsFoundAtUse() throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(tree.resolve("lib/data.bin").toFile(), "rw")) {
            file.setLength(400);
        }
        assertDamage("lib/data.bin", "has 400 bytes, had 1000 when cached", TreeVerifier.Depth.AT_USE);
    }

    @Test
    void aFileEmptiedLikeAfterAPowerCutIsFoundAtUse() throws IOException {
        Files.write(tree.resolve("lib/data.bin"), new byte[0]);
        assertDamage("lib/data.bin", "has 0 bytes, had 1000 when cached", TreeVerifier.Depth.AT_USE);
    }

    /** Written through the file system, a same-size change moves the ctime: found at use without reading content. */
    @Test
    void aSameSizeWriteIsFoundAtUseByItsCtime() {
        IndexEdits.flipByte(tree.resolve("lib/data.bin"));
        Optional<TreeDamage> damage = verifier.check(entry, TreeVerifier.Depth.AT_USE);
        assertTrue(damage.isPresent());
        assertEquals("lib/data.bin", damage.get().path());
        assertTrue(damage.get().what().startsWith("was changed after the tree was cached (inode change time"), damage.get().what());
    }

    /**
     * The documented limit: a same-size change the metadata does not show (a power cut, a write to the block
     * device) is not found at use within the boot the tree was published in, only by reading the content: at the
     * first use in another boot, or by a full check.
     */
    @Test
    void aSameSizeChangeUnseenByMetadataIsFoundByTheContentCheckOnly() {
        IndexEdits.flipByteUnseenByMetadata(entry, "lib/data.bin");

        assertEquals(Optional.empty(), verifier.check(entry, TreeVerifier.Depth.AT_USE), "same boot: content not read");
        assertContentDamage(TreeVerifier.Depth.FULL);

        IndexEdits.publishedInAnotherBoot(entry);
        assertContentDamage(TreeVerifier.Depth.AT_USE);
        assertFalse(Files.exists(CachePaths.verifiedIn(entry)), "a damaged tree is not marked as verified");
    }

    @Test
    void aTreeFromAnotherBootIsReadBackOnceInThisBoot() throws IOException {
        IndexEdits.publishedInAnotherBoot(entry);

        assertEquals(Optional.empty(), verifier.check(entry, TreeVerifier.Depth.AT_USE));

        assertEquals(List.of(store.bootId()), Files.readAllLines(CachePaths.verifiedIn(entry)));
        // Read back once: damage unseen by metadata from now on waits for the next boot or a full check.
        IndexEdits.flipByteUnseenByMetadata(entry, "lib/data.bin");
        assertEquals(Optional.empty(), verifier.check(entry, TreeVerifier.Depth.AT_USE));
        assertContentDamage(TreeVerifier.Depth.FULL);
    }

    @Test
    void theMarkerKeepsTheLastFewBoots() throws IOException {
        List<String> earlier = java.util.stream.IntStream.range(0, VerifiedBoots.KEPT + 2).mapToObj(i -> "boot-" + i).toList();
        Files.write(CachePaths.verifiedIn(entry), earlier);
        IndexEdits.publishedInAnotherBoot(entry);
        Files.write(CachePaths.verifiedIn(entry), earlier);

        assertEquals(Optional.empty(), verifier.check(entry, TreeVerifier.Depth.AT_USE));

        List<String> kept = Files.readAllLines(CachePaths.verifiedIn(entry));
        assertEquals(VerifiedBoots.KEPT, kept.size());
        assertEquals(store.bootId(), kept.getLast());
        assertEquals("boot-" + (earlier.size() - VerifiedBoots.KEPT + 1), kept.getFirst());
    }

    @Test
    void aChmodIsFoundAtUse() throws IOException {
        Files.setPosixFilePermissions(tree.resolve("lib/data.bin"), PosixFilePermissions.fromString("rw-------"));
        assertDamage("lib/data.bin", "has mode 0600, had 0644 when cached", TreeVerifier.Depth.AT_USE);
    }

    @Test
    void anExtraFileIsFoundAtUse() throws IOException {
        Files.writeString(tree.resolve("lib/new.txt"), "x");
        assertDamage("lib/new.txt", "was added after the tree was cached", TreeVerifier.Depth.AT_USE);
    }

    @Test
    void aRemovedFileIsFoundAtUse() throws IOException {
        Files.delete(tree.resolve("lib/data.bin"));
        assertDamage("lib/data.bin", "is missing", TreeVerifier.Depth.AT_USE);
    }

    @Test
    void aRetargetedSymlinkIsFoundAtUse() throws IOException {
        Files.delete(tree.resolve("current"));
        Files.createSymbolicLink(tree.resolve("current"), Path.of("bin"));
        assertDamage("current", "links to 'bin', linked to 'lib' when cached", TreeVerifier.Depth.AT_USE);
    }

    @Test
    void aDirectoryReplacedByAFileIsFoundAtUse() throws IOException {
        Files.delete(tree.resolve("empty"));
        Files.writeString(tree.resolve("empty"), "");
        assertDamage("empty", "is a file, was a directory when cached", TreeVerifier.Depth.AT_USE);
    }

    /** Publishing is one rename of tree and index together, so these only come from outside; never trusted. */
    @Test
    void anEntryWithoutItsIndexIsNotTrusted() throws IOException {
        Files.delete(CachePaths.indexIn(entry));
        assertDamage("", "it has no index", TreeVerifier.Depth.AT_USE);
    }

    @Test
    void anIndexWithoutItsTreeIsNotTrusted() throws IOException {
        TreeCleaner.deleteTree(tree);
        assertDamage(".", "is missing", TreeVerifier.Depth.AT_USE);
    }

    /**
     * Only a crash tears a file, and a crash means another boot: the first use there parses the whole index for
     * the content check. Within the boot, the tree still matches the metadata sum in the index's header.
     */
    @Test
    void aTornIndexIsNotTrustedAfterAReboot() throws IOException {
        IndexEdits.publishedInAnotherBoot(entry);
        byte[] index = Files.readAllBytes(CachePaths.indexIn(entry));
        Files.write(CachePaths.indexIn(entry), java.util.Arrays.copyOf(index, index.length - 10));
        Optional<TreeDamage> damage = verifier.check(entry, TreeVerifier.Depth.AT_USE);
        assertTrue(damage.isPresent() && damage.get().what().startsWith("it has an unreadable index"), damage.toString());
        assertEquals(damage, verifier.check(entry, TreeVerifier.Depth.FULL));
    }

    @Test
    void anIndexWhoseSumDisagreesWithItsEntriesIsNotTrusted() throws IOException {
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(CachePaths.indexIn(entry)));
        lines.set(2, "metadata 8-0-0");
        Files.write(CachePaths.indexIn(entry), lines);
        assertDamage("", "it has an index whose metadata sum does not match its entries", TreeVerifier.Depth.AT_USE);
    }

    @Test
    void anIndexOfZerosIsNotTrusted() throws IOException {
        Files.write(CachePaths.indexIn(entry), new byte[(int) Files.size(CachePaths.indexIn(entry))]);
        Optional<TreeDamage> damage = verifier.check(entry, TreeVerifier.Depth.AT_USE);
        assertTrue(damage.isPresent() && damage.get().what().startsWith("it has an unreadable index"), damage.toString());
    }

    /** What the cache itself does to a published entry must never look like damage. */
    @Test
    void leasesLocksUseStampsAndListingsLeaveTheTreeAlone() throws IOException {
        try (Lease lease = store.lease(KEY); DigestLock lock = store.lock(KEY)) {
            Files.setLastModifiedTime(entry, java.nio.file.attribute.FileTime.fromMillis(0));
            assertTrue(store.layer(KEY).isPresent()); // stamps the entry as used
            new CacheListing(store.paths()).entries();
            IndexEdits.publishedInAnotherBoot(entry);
            assertEquals(Optional.empty(), verifier.check(entry, TreeVerifier.Depth.AT_USE)); // writes the marker
        }
        assertEquals(Optional.empty(), verifier.check(entry, TreeVerifier.Depth.FULL));
    }

    /**
     * A restore or {@code cp -a} gives every entry a new ctime: the read-only check calls that a difference, and
     * under the lock the content decides. It matches, so the index is rewritten for the tree as it is now and for
     * this boot, and from then on the check is the cheap one again: a change only reading would find goes unseen.
     */
    @Test
    void newCtimesOnEveryEntryAreReindexedOnceTheContentMatches() throws IOException {
        IndexEdits.publishedInAnotherBoot(entry); // a restore is often onto another machine
        byte[] before = Files.readAllBytes(CachePaths.indexIn(entry));
        IndexEdits.touchEveryCtime(tree);
        Optional<TreeDamage> seen = verifier.check(entry, TreeVerifier.Depth.AT_USE);
        assertTrue(seen.isPresent() && seen.get().what().startsWith("was changed after the tree was cached"), seen.toString());

        assertEquals(Optional.empty(), verifier.checkOrReindex(entry, TreeVerifier.Depth.AT_USE, "test"));

        assertFalse(java.util.Arrays.equals(before, Files.readAllBytes(CachePaths.indexIn(entry))), "index rewritten");
        assertEquals(Optional.empty(), PublishedTrees.mismatchWithIndex(entry), "the new index describes the tree");
        assertEquals(store.bootId(), IndexEdits.recordedBoot(entry));
        assertEquals(Optional.empty(), verifier.check(entry, TreeVerifier.Depth.AT_USE));
        IndexEdits.flipByteUnseenByMetadata(entry, "lib/data.bin");
        assertEquals(Optional.empty(), verifier.check(entry, TreeVerifier.Depth.AT_USE), "cheap again: content not read");
    }

    /** What Kubernetes does at each mount for fsGroup: group (and owner) rw on files, rwx and setgid on dirs. */
    @Test
    void aTreeReownedForAnFsGroupIsKeptWithItsNewModes() throws IOException {
        IndexEdits.reownLikeFsGroup(tree);
        assertEquals(02775, IndexEdits.mode(tree.resolve("lib")));
        assertEquals(0664, IndexEdits.mode(tree.resolve("lib/data.bin")));

        assertEquals(Optional.empty(), verifier.checkOrReindex(entry, TreeVerifier.Depth.AT_USE, "test"));

        assertEquals(Optional.empty(), PublishedTrees.mismatchWithIndex(entry));
        assertTrue(Files.readString(CachePaths.indexIn(entry)).contains("d\t2775\t-\t".translateEscapes()), "new modes indexed");
        assertEquals(Optional.empty(), verifier.check(entry, TreeVerifier.Depth.AT_USE));
    }

    /** Re-owned, and one file's content changed without its size: the content check finds it, nothing is re-indexed. */
    @Test
    void aReownedTreeWithOtherContentIsNotReindexed() throws IOException {
        IndexEdits.flipByte(tree.resolve("lib/data.bin"));
        IndexEdits.reownLikeFsGroup(tree);
        byte[] before = Files.readAllBytes(CachePaths.indexIn(entry));

        Optional<TreeDamage> damage = verifier.checkOrReindex(entry, TreeVerifier.Depth.AT_USE, "test");

        assertTrue(damage.isPresent() && damage.get().path().equals("lib/data.bin")
                && damage.get().what().startsWith("has other content than when it was cached"), damage.toString());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(CachePaths.indexIn(entry))), "index untouched");
    }

    /**
     * Beside re-owning, a file that became world-writable or executable, or lost a bit, is damage however whole
     * its content: path, mode, the mode the index holds.
     */
    @ParameterizedTest
    @CsvSource({
        "lib/data.bin, 0646, 0644", // o+w
        "lib/data.bin, 0744, 0644", // u+x
        "lib/data.bin, 0654, 0644", // g+x
        "bin/app, 04755, 0755", // setuid
        "lib, 0757, 0755", // o+w on a directory
        "bin/app, 0744, 0755", // g+x taken away
    })
    void modeChangesBeyondReowningAreDamageEvenWithTheContentWhole(String path, String mode, String cached) {
        IndexEdits.reownLikeFsGroup(tree);
        int reownedMode = IndexEdits.mode(tree.resolve(path));
        IndexEdits.chmod(tree.resolve(path), Integer.parseInt(mode, 8) | (reownedMode & 02000));
        String now = String.format("%04o", IndexEdits.mode(tree.resolve(path)));

        assertEquals(Optional.of(new TreeDamage(path, "has mode " + now + ", had " + cached + " when cached")),
                verifier.checkOrReindex(entry, TreeVerifier.Depth.AT_USE, "test"));

        IndexEdits.chmod(tree.resolve(path), reownedMode);
        assertEquals(Optional.empty(), verifier.checkOrReindex(entry, TreeVerifier.Depth.AT_USE, "test"),
                "the same tree with only the re-owning is accepted");
    }

    /** Killed after the new index was written to its temp file, before the rename: the old index stays, and works. */
    @Test
    void aKillBeforeTheRenameLeavesTheOldIndexWhichIsReindexedNextTime() throws IOException {
        IndexEdits.reownLikeFsGroup(tree);
        byte[] before = Files.readAllBytes(CachePaths.indexIn(entry));
        final class Killed extends Error {}
        verifier.beforeIndexReplaced = () -> {
            throw new Killed();
        };

        org.junit.jupiter.api.Assertions.assertThrows(Killed.class,
                () -> verifier.checkOrReindex(entry, TreeVerifier.Depth.AT_USE, "test"));

        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(CachePaths.indexIn(entry))), "the old index is in place");
        try (java.util.stream.Stream<Path> temp = Files.walk(store.paths().tmpDir())) {
            assertTrue(temp.anyMatch(p -> Files.isRegularFile(p) && readsAsIndex(p)), "the new one was written to a temp file (removed with the dead owner's temp dir)");
        }
        TreeVerifier next = new TreeVerifier(store);
        assertTrue(next.check(entry, TreeVerifier.Depth.AT_USE).isPresent(), "still differs");
        assertEquals(Optional.empty(), next.checkOrReindex(entry, TreeVerifier.Depth.AT_USE, "test"));
        assertEquals(Optional.empty(), next.check(entry, TreeVerifier.Depth.AT_USE));
    }

    private static boolean readsAsIndex(Path p) {
        try {
            return TreeIndex.readHeader(p) != null;
        } catch (IOException e) {
            return false;
        }
    }

    private void assertContentDamage(TreeVerifier.Depth depth) {
        Optional<TreeDamage> damage = verifier.check(entry, depth);
        assertTrue(damage.isPresent(), depth + " finds the changed content");
        assertEquals("lib/data.bin", damage.get().path());
        assertTrue(damage.get().what().startsWith("has other content than when it was cached (CRC32C"), damage.get().what());
    }

    private void assertDamage(String path, String what, TreeVerifier.Depth depth) {
        assertEquals(Optional.of(new TreeDamage(path, what)), verifier.check(entry, depth));
    }
}
