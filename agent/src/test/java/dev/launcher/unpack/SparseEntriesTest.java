package dev.launcher.unpack;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.assemble.AppAssembler;
import dev.launcher.cache.CacheStore;
import dev.launcher.cache.CachePaths;
import dev.launcher.cache.tree.TreeVerifier;
import dev.launcher.fs.NativeFiles;
import dev.launcher.oci.Descriptor;
import dev.launcher.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sparse file stays sparse: in the layer tree (its holes are never written), in the index (its CRC is that of
 * the content with the holes read as zeros) and in the app dir (the copy skips them too). The layer's bound counts
 * what is written, the entry's bound the file's length.
 */
class SparseEntriesTest {
    private static final long MIB = 1 << 20;
    /**
     * 64 MiB long: a block starting with "head" at 0, "middle" at 32 MiB, then a hole to the end. Runs before the
     * last are whole blocks and the map ends with an empty run at the length, as GNU tar writes them (and as tar
     * readers agree on).
     */
    private static final long LENGTH = 64 * MIB;
    private static final byte[] LAYER = sparseLayer("db", LENGTH, "0,512," + 32 * MIB + ",6," + LENGTH + ",0",
            "head" + "\0".repeat(508) + "middle");

    @TempDir
    Path tmp;

    /** CachedLayerTrees points zstd-jni's unpack folder into this test's cache; later tests must not inherit it. */
    @org.junit.jupiter.api.AfterEach
    void forgetTheZstdFolder() {
        System.clearProperty("ZstdTempFolder");
    }

    @Test
    void theHolesOfASparseEntryAreNotWrittenInTheLayerTree() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("tree"));
        UnpackStats stats = new LayerUnpacker().unpackTar(new ByteArrayInputStream(LAYER), target, "layer");

        Path db = target.resolve("db");
        assertEquals(LENGTH, Files.size(db));
        assertTrue(NativeFiles.allocatedBytes(db) <= 64 * 1024, "allocated " + NativeFiles.allocatedBytes(db));
        assertContent(db);
        assertEquals(518, stats.bytes(), "the layer counts the bytes written, not the holes");
    }

    @Test
    void theLayerBoundCountsWhatIsWrittenAndTheEntryBoundTheLength() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("tree"));
        // 1 MiB for the layer: the 64 MiB file writes 518 bytes, so it fits.
        new LayerUnpacker(new UnpackLimits(MIB, 10, 128 * MIB)).unpackTar(new ByteArrayInputStream(LAYER), target, "layer");
        assertEquals(LENGTH, Files.size(target.resolve("db")));
        // 32 MiB per entry: a 64 MiB file is too long, holes or not.
        Path other = Files.createDirectory(tmp.resolve("other"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.launcher.error.UnsafeArchiveException.class, () ->
                new LayerUnpacker(new UnpackLimits(MIB, 10, 32 * MIB)).unpackTar(new ByteArrayInputStream(LAYER), other, "layer"));
        assertTrue(e.getMessage().contains("declares " + LENGTH + " bytes"), e.getMessage());
    }

    @Test
    void theHolesOfALayerHaveABoundOfTheirOwn() throws IOException {
        // Every later reader of the files reads holes as zeros: a million hole-only files of 4 GiB would take hours.
        UnpackLimits limits = new UnpackLimits(MIB, 10, 128 * MIB, 2 * LENGTH);
        byte[] twoFiles = sparseLayers(2);
        new LayerUnpacker(limits).unpackTar(new ByteArrayInputStream(twoFiles), Files.createDirectory(tmp.resolve("two")), "two");
        Path other = Files.createDirectory(tmp.resolve("three"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.launcher.error.UnsafeArchiveException.class, () ->
                new LayerUnpacker(limits).unpackTar(new ByteArrayInputStream(sparseLayers(3)), other, "three"));
        assertTrue(e.getMessage().contains("holes of the layer's sparse files above the limit of " + 2 * LENGTH),
                e.getMessage());
    }

    /** {@code count} copies of the 64 MiB sparse file of {@link #LAYER}, named db0, db1, ... */
    private static byte[] sparseLayers(int count) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            byte[] one = sparseLayer("db" + i, LENGTH, "0,512," + 32 * MIB + ",6," + LENGTH + ",0",
                    "head" + "\0".repeat(508) + "middle");
            out.write(one, 0, one.length - 1024); // without its end blocks
        }
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    @Test
    void theIndexHoldsTheSumOfTheContentWithItsHolesAndTheAppDirCopyStaysSparse() throws IOException {
        Descriptor descriptor = new Descriptor("application/vnd.oci.image.layer.v1.tar", Digest.sha256(LAYER), LAYER.length, Map.of());
        try (CacheStore store = CacheStore.open(tmp.resolve("cache"))) {
            Path tree = new CachedLayerTrees(store).ensure(descriptor, unpack -> unpack.accept(new ByteArrayInputStream(LAYER)));
            // Reading the whole tree back compares every file with the CRC recorded while it was written.
            assertEquals(java.util.Optional.empty(), new TreeVerifier(store).check(tree.getParent(), TreeVerifier.Depth.FULL));
            assertEquals(tree, CachePaths.treeIn(tree.getParent()));

            Path app = tmp.resolve("app");
            new AppAssembler().assemble(List.of(tree), app);
            Path db = app.resolve("db");
            assertEquals(LENGTH, Files.size(db));
            assertTrue(NativeFiles.allocatedBytes(db) <= 64 * 1024, "allocated in the app dir " + NativeFiles.allocatedBytes(db));
            assertContent(db);
            assertEquals(Files.getLastModifiedTime(tree.resolve("db")), Files.getLastModifiedTime(db));
            assertEquals(Files.getPosixFilePermissions(tree.resolve("db")), Files.getPosixFilePermissions(db));
        }
    }

    @Test
    void aFileOfOnlyAHoleHasItsLengthAndNoBlocks() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("tree"));
        // As GNU tar writes it: one empty run at the end.
        byte[] layer = sparseLayer("empty", 8 * MIB, 8 * MIB + ",0", "");
        new LayerUnpacker().unpackTar(new ByteArrayInputStream(layer), target, "layer");
        assertEquals(8 * MIB, Files.size(target.resolve("empty")));
        assertEquals(0, NativeFiles.allocatedBytes(target.resolve("empty")));
    }

    private static void assertContent(Path db) throws IOException {
        try (InputStream in = Files.newInputStream(db)) {
            assertArrayEquals("head".getBytes(UTF_8), in.readNBytes(4));
            assertArrayEquals(new byte[508], in.readNBytes(508));
            in.skipNBytes(32 * MIB - 512);
            assertArrayEquals("middle".getBytes(UTF_8), in.readNBytes(6));
            byte[] rest = in.readAllBytes();
            assertEquals(LENGTH - 32 * MIB - 6, rest.length);
            for (byte b : rest) {
                if (b != 0) {
                    throw new AssertionError("a hole reads as something other than zeros");
                }
            }
        }
    }

    /** A PAX 0.1 sparse file, as GNU tar 1.15 wrote them. */
    private static byte[] sparseLayer(String name, long length, String map, String data) {
        String records = TarBuilder.paxRecord("GNU.sparse.size", String.valueOf(length)) + TarBuilder.paxRecord("GNU.sparse.map", map)
                + TarBuilder.paxRecord("GNU.sparse.numblocks", String.valueOf(map.split(",").length / 2));
        byte[] pax = records.getBytes(UTF_8);
        TarArchiveEntry header = TarBuilder.entry("PaxHeaders/" + name, TarConstants.LF_PAX_EXTENDED_HEADER_LC, 0644);
        header.setSize(pax.length);
        return new TarBuilder().add(header, pax).file(name, data.getBytes(UTF_8), 0640).tar();
    }

}
