package dev.launcher.unpack;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.launcher.error.UnsafeArchiveException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Byte-level fuzzing of the tar reader through the unpacker: an archive with every kind of header (PAX with a
 * sparse map, GNU long names, links, a directory, a global header) has bytes of its headers overwritten, their
 * checksums made right again so the damage reaches the parsers, and may be cut short. Whatever comes of it, the
 * layer unpacks or is refused with exit 65 and an empty target: never another exception, which the launcher would
 * report as a crash (70) with a stack trace.
 */
class HeaderFuzzTest {
    private static final byte[] BASE = base();
    private static final int BLOCKS = BASE.length / 512;

    private record Damage(int block, int offset, int value) {}

    @Property
    void damagedHeadersGiveATreeOrARefusalNeverACrash(@ForAll("damages") List<Damage> damages,
            @ForAll("cuts") int cut) throws IOException {
        byte[] layer = BASE.clone();
        for (Damage d : damages) {
            layer[d.block() * 512 + d.offset()] = (byte) d.value();
            fixChecksum(layer, d.block() * 512);
        }
        if (cut > 0) {
            layer = Arrays.copyOf(layer, layer.length - cut);
        }
        Path target = Files.createTempDirectory("header-fuzz");
        try {
            new LayerUnpacker().unpackTar(new ByteArrayInputStream(layer), target, "fuzz");
        } catch (UnsafeArchiveException e) {
            try (var left = Files.list(target)) {
                assertEquals(0, left.count(), "a refused layer leaves nothing");
            }
        } finally {
            TreeCleaner.deleteTree(target);
        }
    }

    @Provide
    Arbitrary<List<Damage>> damages() {
        // Numbers, names, type, magic and the sparse area: the fields parsers read.
        Arbitrary<Integer> offsets = Arbitraries.oneOf(
                Arbitraries.integers().between(0, 511),
                Arbitraries.integers().between(100, 147),
                Arbitraries.integers().between(156, 156),
                Arbitraries.integers().between(257, 264),
                Arbitraries.integers().between(386, 494));
        Arbitrary<Integer> values = Arbitraries.oneOf(
                Arbitraries.integers().between(0, 255),
                Arbitraries.of((int) '0', (int) '7', (int) ' ', 0, 0x80, 0xff, (int) '\n', (int) '=', (int) 'x', (int) 'L',
                        (int) 'S', (int) 'g', (int) 'D', (int) '1', (int) '2', (int) '5', (int) '9'));
        return Combinators.combine(Arbitraries.integers().between(0, BLOCKS - 1), offsets, values)
                .as(Damage::new).list().ofMinSize(1).ofMaxSize(6);
    }

    @Provide
    Arbitrary<Integer> cuts() {
        return Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(1, BASE.length - 1));
    }

    private static void fixChecksum(byte[] tar, int header) {
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += i >= 148 && i < 156 ? ' ' : tar[header + i] & 0xff;
        }
        byte[] octal = String.format("%06o", sum).getBytes(UTF_8);
        System.arraycopy(octal, 0, tar, header + 148, 6);
        tar[header + 154] = 0;
        tar[header + 155] = ' ';
    }

    private static byte[] base() {
        try {
            byte[] sparsePax = (TarBuilder.paxRecord("GNU.sparse.size", "9000") + TarBuilder.paxRecord("GNU.sparse.map", "0,3,8000,2")
                    + TarBuilder.paxRecord("GNU.sparse.numblocks", "2")).getBytes(UTF_8);
            TarArchiveEntry sparseHeader = TarBuilder.entry("PaxHeaders/s", TarConstants.LF_PAX_EXTENDED_HEADER_LC, 0644);
            sparseHeader.setSize(sparsePax.length);
            byte[] global = TarBuilder.paxRecord("comment", "fuzz").getBytes(UTF_8);
            TarArchiveEntry globalHeader = TarBuilder.entry("pax_global_header", TarConstants.LF_PAX_EXTENDED_HEADER_LC, 0644);
            globalHeader.setSize(global.length);
            byte[] longName = "dir/a-name-given-by-a-gnu-long-name-header".getBytes(UTF_8);
            TarArchiveEntry longHeader = TarBuilder.entry("././@LongLink", TarConstants.LF_GNUTYPE_LONGNAME, 0644);
            longHeader.setSize(longName.length);
            byte[] tar = new TarBuilder()
                    .add(globalHeader, global)
                    .dir("dir", 0755)
                    .file("dir/f", "content")
                    .add(longHeader, longName)
                    .file("short", "long-named content")
                    .add(sparseHeader, sparsePax)
                    .file("s", "abcde".getBytes(UTF_8), 0644)
                    .symlink("dir/l", "f")
                    .hardlink("dir/h", "dir/f")
                    .tar().clone();
            tar[156] = 'g'; // the writer makes a global header's records itself; this one is ours
            fixChecksum(tar, 0);
            return tar;
        } catch (RuntimeException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
