package dev.launcher.unpack;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.error.UnsafeArchiveException;
import dev.launcher.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Small files are written by writer threads while the tar thread reads on. Each layer here puts
 * an operation that could meet a queued write right behind many queued writes; without the wait
 * in front of it, the outcome would depend on which thread came first.
 */
class ParallelWritesTest {
    /** Enough queued files that the writers are still busy when the next entry is read. */
    private static final int MANY = 400;
    private static final int BACKLOG_DIRS = 8;

    @TempDir
    Path tmp;

    Path target;

    @BeforeEach
    void createTarget() throws IOException {
        target = Files.createDirectory(tmp.resolve("target"));
    }

    @AfterEach
    void noWriterThreadOutlivesTheUnpack() {
        assertEquals(List.of(), ParallelFileWriterTest.liveWriterThreads());
    }

    @Test
    void symlinkReplacingADirectoryOfQueuedFilesWaitsForThem() {
        TarBuilder layer = new TarBuilder().dir("other", 0755);
        manyFiles(layer, "d");
        layer.symlink("d", "other");

        unpack(layer.tar());

        // A write still queued when d became a link would have landed in other/.
        assertEquals(Map.of("other", "dir 0755", "d", "link -> other"), TreeSnapshot.of(target));
    }

    @Test
    void fileThroughASymlinkThatReplacedADirectoryOfQueuedFilesIsRefused() {
        TarBuilder layer = new TarBuilder().dir("other", 0755);
        manyFiles(layer, "d");
        layer.symlink("d", "other").file("d/x", "via link");

        assertRefused(layer.tar(), "would be written through the symlink 'd'");
    }

    @Test
    void fileReplacingADirectoryOfQueuedFilesWaitsForThem() {
        TarBuilder layer = new TarBuilder();
        manyFiles(layer, "d");
        layer.file("d", "now a file");

        unpack(layer.tar());

        assertEquals(Map.of("d", "file 0644 " + sha("now a file")), TreeSnapshot.of(target));
    }

    @Test
    void directoryReplacingAQueuedFileWaitsForIt() {
        TarBuilder layer = new TarBuilder();
        busyWriters(layer);
        for (int i = 0; i < 50; i++) {
            layer.file("n" + i, "file").dir("n" + i, 0750).file("n" + i + "/x", "x");
        }

        unpack(layer.tar());

        Map<String, String> tree = new HashMap<>(TreeSnapshot.of(target));
        for (int i = 0; i < 50; i++) {
            assertEquals("dir 0750", tree.get("n" + i));
            assertEquals("file 0644 " + sha("x"), tree.get("n" + i + "/x"));
        }
        assertEquals(BACKLOG_DIRS + MANY + 2 * 50, tree.size());
    }

    /** A file, or a whiteout, below a file that a writer may not have created yet. */
    @ParameterizedTest
    @ValueSource(strings = {"w/below", "w/.wh.x"})
    void entryBelowAQueuedFileIsRefused(String below) {
        TarBuilder layer = new TarBuilder();
        busyWriters(layer);
        layer.file("w", "queued last").file(below, "");

        assertRefused(layer.tar(), "needs 'w' to be a directory, but an earlier entry made it a file");
    }

    @Test
    void duplicateNamesOfQueuedFilesKeepTheLastContent() throws IOException {
        TarBuilder layer = new TarBuilder();
        busyWriters(layer);
        for (int i = 0; i < MANY; i++) {
            // The file between moves on to another directory, so the second write may go to another thread.
            layer.file("a/f" + i, "first " + i).file("b/g" + i, "between").file("a/f" + i, "second " + i);
        }

        unpack(layer.tar());

        for (int i = 0; i < MANY; i++) {
            assertEquals("second " + i, Files.readString(target.resolve("a/f" + i)));
        }
    }

    @Test
    void hardLinkToAJustQueuedFileLinksItsContent() throws IOException {
        TarBuilder layer = new TarBuilder();
        for (int i = 0; i < MANY; i++) {
            String dir = "d" + (i % 8) + "/";
            layer.file(dir + "f" + i, "content " + i).hardlink(dir + "h" + i, dir + "f" + i);
        }

        unpack(layer.tar());

        for (int i = 0; i < MANY; i++) {
            Path dir = target.resolve("d" + (i % 8));
            assertEquals("content " + i, Files.readString(dir.resolve("h" + i)));
            assertEquals(fileKey(dir.resolve("f" + i)), fileKey(dir.resolve("h" + i)));
        }
    }

    @Test
    void whiteoutsAfterQueuedFilesAreKept() throws IOException {
        TarBuilder layer = new TarBuilder();
        manyFiles(layer, "d");
        layer.file("d/.wh..wh..opq", "").file("d/.wh.gone", "");

        unpack(layer.tar());

        assertEquals(0, Files.size(target.resolve("d/.wh..wh..opq")));
        assertEquals(0, Files.size(target.resolve("d/.wh.gone")));
        try (Stream<Path> files = Files.list(target.resolve("d"))) {
            assertEquals(MANY + 2, files.count());
        }
    }

    /**
     * A name longer than a file system allows is refused on the tar thread before it is queued, with the same
     * message whether writer threads are used or not. (A write that fails in a writer thread is
     * ParallelFileWriterTest's: names that long no longer reach one.)
     */
    @Test
    void aNameTooLongForTheFileSystemIsRefusedBeforeItIsQueued() throws IOException {
        TarBuilder builder = new TarBuilder();
        manyFiles(builder, "d");
        String tooLong = "d/" + "n".repeat(300);
        builder.file(tooLong, "x");
        manyFiles(builder, "e");
        byte[] layer = builder.tar();

        UnsafeArchiveException parallel = assertThrows(UnsafeArchiveException.class, () -> unpack(layer));
        assertTargetEmptyAndNothingOutside();
        UnsafeArchiveException inline = assertThrows(UnsafeArchiveException.class, () -> unpack(layer, 0));
        assertTargetEmptyAndNothingOutside();

        assertTrue(parallel.getMessage().contains("entry '" + tooLong + "' has a component of 300 bytes"), parallel.getMessage());
        assertEquals(inline.getMessage(), parallel.getMessage());
    }

    @Test
    void refusalWhileWritesAreQueuedEmptiesTheTarget() {
        TarBuilder layer = new TarBuilder();
        manyFiles(layer, "d");
        layer.file("../evil", "e");

        assertRefused(layer.tar(), "'..'");
    }

    @Test
    void moreThanTheQueueHoldsStillUnpacks() {
        TarBuilder layer = new TarBuilder();
        Map<String, String> expected = new HashMap<>();
        for (int i = 0; i < 40; i++) { // 40 MiB: above the bytes a queue may hold
            byte[] content = new byte[ParallelFileWriter.MAX_FILE_BYTES];
            Arrays.fill(content, (byte) i);
            layer.file("big/f" + i, content, 0644);
            expected.put("big/f" + i, "file 0644 " + Digest.sha256(content).shortForm());
        }
        for (int i = 0; i < 1000; i++) { // above the files a queue may hold
            layer.file("small/f" + i, "s" + i);
            expected.put("small/f" + i, "file 0644 " + sha("s" + i));
        }
        expected.put("big", "dir 0755");
        expected.put("small", "dir 0755");

        unpack(layer.tar());

        assertEquals(expected, TreeSnapshot.of(target));
    }

    @Test
    void parallelWritesGiveTheSameTreeAsTheTarThreadAlone() throws IOException {
        byte[] layer = mixedLayer(new Random(7));
        Path inline = Files.createDirectory(tmp.resolve("inline"));
        new LayerUnpacker(UnpackLimits.defaults(), 0).unpackTar(new ByteArrayInputStream(layer), inline, "test-layer");

        UnpackStats stats = unpack(layer);

        assertTrue(stats.entries() > 3000, String.valueOf(stats.entries()));
        assertSameTree(TreeSnapshot.of(inline, true), TreeSnapshot.of(target, true));
        assertSameTree(nanoMtimes(inline), nanoMtimes(target));
    }

    /**
     * A few thousand small files in nested directories with assorted modes, sizes and mtimes,
     * read-only directories, files above the queueing size, and links and duplicates in between.
     */
    private static byte[] mixedLayer(Random random) {
        int[] fileModes = {0644, 0755, 0600, 0444, 0400, 0640};
        TarBuilder layer = new TarBuilder();
        for (int a = 0; a < 6; a++) {
            // An implicit directory keeps the time its last child was made, which no two runs share.
            layer.add(withMtime(TarBuilder.entry("pkg" + a + "/", TarConstants.LF_DIR, 0755), a), null);
            for (int b = 0; b < 10; b++) {
                String dir = "pkg" + a + "/lib" + b + "/";
                layer.add(withMtime(TarBuilder.entry(dir, TarConstants.LF_DIR, b == 3 ? 0555 : 0755), a * 100 + b), null);
                for (int f = 0; f < 50; f++) {
                    byte[] content = new byte[random.nextInt(5000)];
                    random.nextBytes(content);
                    TarArchiveEntry file = TarBuilder.entry(dir + "f" + f, TarConstants.LF_NORMAL, fileModes[f % fileModes.length]);
                    file.setSize(content.length);
                    layer.add(withMtime(file, random.nextInt(1_000_000)), content);
                }
                layer.file(dir + "f3", "duplicate of a queued file")
                        .hardlink(dir + "h1", dir + "f1")
                        .symlink(dir + "s2", "f2");
            }
            byte[] big = new byte[ParallelFileWriter.MAX_FILE_BYTES + 1];
            random.nextBytes(big);
            layer.file("pkg" + a + "/big", big, 0644);
        }
        return layer.tar();
    }

    private static TarArchiveEntry withMtime(TarArchiveEntry entry, long secondsAfter) {
        entry.setLastModifiedTime(FileTime.from(TarBuilder.MTIME.toInstant().plusSeconds(secondsAfter)));
        return entry;
    }

    /** Names only the differing lines: a full tree of thousands would drown them. */
    private static void assertSameTree(Map<String, ?> expected, Map<String, ?> actual) {
        Map<String, String> differences = new TreeMap<>();
        for (String name : union(expected.keySet(), actual.keySet())) {
            if (!Objects.equals(expected.get(name), actual.get(name))) {
                differences.put(name, expected.get(name) + " != " + actual.get(name));
            }
        }
        assertEquals(Map.of(), differences);
        assertEquals(expected.size(), actual.size());
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    private static Map<String, FileTime> nanoMtimes(Path root) throws IOException {
        Map<String, FileTime> mtimes = new HashMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                mtimes.put(root.relativize(path).toString(), Files.getLastModifiedTime(path, NOFOLLOW_LINKS));
            }
        }
        mtimes.remove(""); // the root belongs to the test
        return mtimes;
    }

    // ---- helpers ------------------------------------------------------------------------

    /**
     * Queues {@link #MANY} files, each in another directory than the one before, so every writer
     * thread has a queue: the next file waits behind some of them, whichever thread it goes to.
     */
    private static void busyWriters(TarBuilder layer) {
        byte[] content = new byte[2048];
        for (int i = 0; i < MANY; i++) {
            layer.file("q" + (i % BACKLOG_DIRS) + "/f" + i, content, 0644);
        }
    }

    private static void manyFiles(TarBuilder layer, String dir) {
        layer.dir(dir, 0755);
        byte[] content = new byte[2048];
        for (int i = 0; i < MANY; i++) {
            layer.file(dir + "/f" + i, content, 0644);
        }
    }

    private UnpackStats unpack(byte[] layer) {
        return unpack(layer, ParallelFileWriter.THREADS);
    }

    private UnpackStats unpack(byte[] layer, int writerThreads) {
        return new LayerUnpacker(UnpackLimits.defaults(), writerThreads)
                .unpackTar(new ByteArrayInputStream(layer), target, "test-layer");
    }

    private void assertRefused(byte[] layer, String messageFragment) {
        UnsafeArchiveException e = assertThrows(UnsafeArchiveException.class, () -> unpack(layer));
        assertTrue(e.getMessage().contains(messageFragment), e.getMessage());
        assertTargetEmptyAndNothingOutside();
    }

    /** Threads first: a writer left running after the target was emptied could fill it again. */
    private void assertTargetEmptyAndNothingOutside() {
        assertEquals(List.of(), ParallelFileWriterTest.liveWriterThreads());
        assertEquals(Map.of(), TreeSnapshot.of(target));
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertEquals(List.of(target), siblings.toList());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW_LINKS).fileKey();
    }

    private static String sha(String content) {
        return Digest.sha256(content.getBytes(UTF_8)).shortForm();
    }
}
