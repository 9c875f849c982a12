package dev.launcher.cache.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.launcher.cache.CachePaths;
import dev.launcher.cache.CacheStore;
import dev.launcher.oci.Digest;
import dev.launcher.unpack.FileLayerWriter;
import dev.launcher.unpack.LayerUnpacker;
import dev.launcher.unpack.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index takes the CRC32C the unpacker computed while writing; a sum that outlived its content would make a
 * whole tree look damaged after the next reboot. Every sum in the index must be that of the file on disk.
 */
class ContentSumsTest {
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
    void sumsRecordedWhileUnpackingAreThoseOfTheFilesOnDisk() throws IOException {
        byte[] big = new byte[3 << 20]; // above ParallelFileWriter.MAX_FILE_BYTES: written by the tar thread
        new Random(3).nextBytes(big);
        byte[] tar = new TarBuilder()
                .file("a", "first a")
                .file("a", "second a") // a duplicate replaces the file
                .hardlink("h", "a") // h: "second a"
                .file("a", "third a") // a new inode: h keeps "second a"
                .dir("d", 0755)
                .file("d/x", "below d")
                .file("d", "d is a file now") // replaces the directory and what was below it
                .dir("d", 0755)
                .file("d/x", "below d again")
                .symlink("s", "a")
                .file("s", "a file where a symlink was")
                .file("big.bin", big, 0644)
                .hardlink("big-again", "big.bin")
                .file("was-a-file", "summed, then replaced by a link")
                .hardlink("was-a-file", "big.bin")
                .file(".wh.gone", "")
                .tar();
        ContentSums sums = new ContentSums();
        Path entry = store.newLayerEntry();
        new LayerUnpacker().unpackTar(new ByteArrayInputStream(tar), CachePaths.treeIn(entry), "tricky", sums);

        for (String recorded : List.of("a", "h", "d/x", "s", "big.bin", "big-again", "was-a-file")) {
            assertNotNull(sums.get(recorded), recorded + " was summed while written, not left to a read-back");
        }
        assertEverySumMatchesTheDisk(store.publishLayer(entry, Digest.sha256(tar), sums));
    }

    @Test
    void aSingleFileLayerIsSummedWhileWritten() throws IOException {
        byte[] content = new byte[200_000];
        new Random(4).nextBytes(content);
        ContentSums sums = new ContentSums();
        Path entry = store.newLayerEntry();
        new FileLayerWriter().write(new ByteArrayInputStream(content), CachePaths.treeIn(entry), "lib/app.jar", sums);
        assertEquals(ContentSums.of(content), sums.get("lib/app.jar"));
        assertEverySumMatchesTheDisk(store.publishLayer(entry, Digest.sha256(content), sums));
    }

    private static void assertEverySumMatchesTheDisk(Path entry) throws IOException {
        for (TreeEntry e : TreeIndex.read(CachePaths.indexIn(entry)).entries()) {
            if (e.type() == TreeEntry.Type.FILE) {
                assertEquals(ContentSum.of(CachePaths.treeIn(entry).resolve(e.path())), e.crc(), e.path());
            }
        }
    }
}
