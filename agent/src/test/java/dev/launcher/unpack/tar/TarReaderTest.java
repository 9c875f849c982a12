package dev.launcher.unpack.tar;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.fs.FileNames;
import dev.launcher.unpack.tar.TarEntry.Kind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The reader against hand-made headers; scenarios after Go's archive/tar reader tests and GNU tar's behaviour. */
class TarReaderTest {
    private static final byte[] HELLO = "hello".getBytes(UTF_8);

    // ---- plain headers and numeric fields -------------------------------------------------------------------------

    @Test
    void readsAPlainFileAndItsContent() throws IOException {
        RawTar tar = new RawTar().file("a.txt", "hello").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals("a.txt", entry.name());
        assertEquals(Kind.FILE, entry.kind());
        assertFalse(entry.unknownType());
        assertEquals(5, entry.size());
        assertEquals(5, entry.dataSize());
        assertNull(entry.sparse());
        assertArrayEquals(HELLO, content(reader));
        assertNull(reader.next());
        assertNull(reader.next());
    }

    @Test
    void allNulUidAndGidFieldsReadFine() throws IOException {
        RawTar tar = new RawTar();
        tar.header().name("nil-uid").nulUid().nulGid().size(5).add().content(HELLO).end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals("nil-uid", entry.name());
        assertArrayEquals(HELLO, content(reader));
        assertNull(reader.next());
    }

    @Test
    void allNulNumericFieldsAreZero() throws IOException {
        RawTar tar = new RawTar();
        tar.header().name("zeros").fill(HeaderBlock.MTIME, 12, (byte) 0).sizeText("").add();
        tar.file("next", "hello").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals(FileTime.fromMillis(0), entry.mtime());
        assertEquals(0, entry.dataSize());
        assertEquals("next", reader.next().name());
    }

    @Test
    void octalSizeWithSpaceAndNulPaddingIsRead() throws IOException {
        RawTar tar = new RawTar();
        tar.header().name("spaced").sizeText("       5 \0").add().content(HELLO);
        tar.header().name("nul-padded").sizeText("5\0\0\0\0").add().content(HELLO);
        tar.file("next", "x").end();
        TarReader reader = reader(tar);
        assertEquals(5, reader.next().dataSize());
        assertArrayEquals(HELLO, content(reader));
        assertEquals(5, reader.next().dataSize());
        assertArrayEquals(HELLO, content(reader));
        assertEquals("next", reader.next().name());
    }

    @Test
    void base256SizeIsRead() throws IOException {
        RawTar tar = new RawTar();
        tar.header().name("big").sizeBase256(5).add().content(HELLO);
        tar.file("next", "x").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals(5, entry.dataSize());
        assertArrayEquals(HELLO, content(reader));
        assertEquals("next", reader.next().name());
    }

    @Test
    void negativeSizeIsRefused() {
        RawTar tar = new RawTar();
        tar.header().name("neg").sizeBase256(-1).add().end();
        TarFormatException e = assertThrows(TarFormatException.class, () -> reader(tar).next());
        assertTrue(e.getMessage().contains("negative"), e.getMessage());
    }

    @Test
    void modeKeepsPermissionBitsAndMtimeIsSeconds() throws IOException {
        RawTar tar = new RawTar();
        tar.header().name("f").mode(0104755).mtime(1234567890).add().end();
        TarEntry entry = reader(tar).next();
        assertEquals(04755, entry.mode());
        assertEquals(FileTime.from(Instant.ofEpochSecond(1234567890)), entry.mtime());
    }

    @Test
    void paxMtimeAndSizeOverrideTheHeader() throws IOException {
        RawTar tar = new RawTar().paxText("mtime", "1234567890.5", "size", "5");
        tar.header().name("f").mtime(7).size(0).add().content(HELLO);
        tar.file("next", "x").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals(FileTime.from(Instant.ofEpochSecond(1234567890, 500_000_000)), entry.mtime());
        assertEquals(5, entry.dataSize());
        assertArrayEquals(HELLO, content(reader));
        assertEquals("next", reader.next().name());
    }

    // ---- checksums ------------------------------------------------------------------------------------------------

    @Test
    void wrongChecksumIsRefused() {
        RawTar tar = new RawTar();
        tar.header().name("f").wrongChecksum(1).add().end();
        TarFormatException e = assertThrows(TarFormatException.class, () -> reader(tar).next());
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void signedChecksumIsAccepted() throws IOException {
        byte[] name = "caf\u00e9-\u00ff".getBytes(ISO_8859_1); // bytes >= 0x80 make the signed sum differ
        RawTar tar = new RawTar();
        RawTar.Header header = tar.header().name(name).signedChecksum();
        assertFalse(Arrays.equals(header.block(), tar.header().name(name).block()), "the sums must differ");
        header.add().end();
        TarEntry entry = reader(tar).next();
        assertArrayEquals(name, FileNames.bytes(entry.name()));
    }

    // ---- names ----------------------------------------------------------------------------------------------------

    @Test
    void nameFieldEndsAtItsFirstNul() throws IOException {
        RawTar tar = new RawTar();
        tar.header().name("foo\0bar".getBytes(UTF_8)).type('2').linkName("tgt\0junk".getBytes(UTF_8)).add().end();
        TarEntry entry = reader(tar).next();
        assertEquals("foo", entry.name());
        assertEquals("tgt", entry.linkName());
    }

    @Test
    void gnuLongNameEndsAtItsFirstNul() throws IOException {
        RawTar tar = new RawTar().longName('L', "0123456789\0junk after the nul\0".getBytes(UTF_8));
        tar.header().gnu().name("short").add().end();
        assertEquals("0123456789", reader(tar).next().name());
    }

    @Test
    void gnuLongNameWithoutNulIsTakenWhole() throws IOException {
        RawTar tar = new RawTar().longName('L', "no-nul-at-all".getBytes(UTF_8));
        tar.header().gnu().name("short").add().end();
        assertEquals("no-nul-at-all", reader(tar).next().name());
    }

    @Test
    void gnuLongNameAndLongLinkAreApplied() throws IOException {
        String longName = "d/".repeat(80) + "name";
        String longLink = "t/".repeat(80) + "target";
        RawTar tar = new RawTar().longName(longName);
        byte[] link = longLink.getBytes(UTF_8);
        tar.longName('K', Arrays.copyOf(link, link.length + 1));
        tar.header().gnu().name("short").type('2').linkName("short-link").add().end();
        TarEntry entry = reader(tar).next();
        assertEquals(longName, entry.name());
        assertEquals(longLink, entry.linkName());
        assertEquals(Kind.SYMLINK, entry.kind());
    }

    @Test
    void severalGnuLongNamesTheLastWins() throws IOException {
        RawTar tar = new RawTar().longName("GNU1/long-path-name").longName("GNU2/long-path-name");
        tar.longName('K', "GNU3/long-link\0".getBytes(UTF_8)).longName('K', "GNU4/long-link\0".getBytes(UTF_8));
        tar.header().gnu().name("bar").type('2').linkName("baz").add().end();
        TarEntry entry = reader(tar).next();
        assertEquals("GNU2/long-path-name", entry.name());
        assertEquals("GNU4/long-link", entry.linkName());
    }

    @Test
    void gnuLongNameOverOneMebibyteIsRefused() {
        byte[] name = new byte[(1 << 20) + 1];
        Arrays.fill(name, (byte) 'n');
        RawTar tar = new RawTar().longName('L', name);
        tar.header().gnu().name("short").add().end();
        assertThrows(TarFormatException.class, () -> reader(tar).next());
    }

    @Test
    void ustarPrefixIsJoinedToTheName() throws IOException {
        RawTar tar = new RawTar();
        tar.header().ustar().prefix("some/dir").name("file").add().end();
        assertEquals("some/dir/file", reader(tar).next().name());
    }

    @Test
    void oldGnuFormatHasNoPrefix() throws IOException {
        // In the old GNU format the ustar prefix area holds atime and ctime (GNU tar --incremental writes them).
        RawTar tar = new RawTar();
        byte[] times = new byte[24];
        RawTar.octal(times, 0, 12, 1441974501);
        RawTar.octal(times, 12, 12, 1441973436);
        tar.header().gnu().prefix(times).name("test2/foo").add().end();
        assertEquals("test2/foo", reader(tar).next().name());
    }

    @Test
    void v7FormatHasNoPrefix() throws IOException {
        RawTar tar = new RawTar();
        tar.header().v7().prefix("not-a-prefix").name("file").add().end();
        assertEquals("file", reader(tar).next().name());
    }

    @Test
    void nonUtf8NameBytesComeBackExact() throws IOException {
        byte[] name = bytes("hi", 0x80, 0x81, 0x82, 0x83, "bye");
        byte[] link = bytes("to", 0xff, 0xfe);
        RawTar tar = new RawTar();
        tar.header().name(name).type('2').linkName(link).add().end();
        TarEntry entry = reader(tar).next();
        assertArrayEquals(name, FileNames.bytes(entry.name()));
        assertArrayEquals(link, FileNames.bytes(entry.linkName()));
    }

    @Test
    void nonUtf8NameBytesComeBackExactFromGnuLongNameAndPaxPath() throws IOException {
        byte[] longName = bytes("long/", 0xc3, 0x28, "/", 0xa0, 0xa1);
        byte[] paxPath = bytes("pax/", 0xe2, 0x82, "/", 0xf0, 0x28, 0x8c, 0xbc);
        byte[] withNul = Arrays.copyOf(longName, longName.length + 1);
        RawTar tar = new RawTar().longName('L', withNul);
        tar.header().gnu().name("short1").add();
        tar.pax('x', RawTar.record("path", paxPath));
        tar.header().name("short2").add().end();
        TarReader reader = reader(tar);
        assertArrayEquals(longName, FileNames.bytes(reader.next().name()));
        assertArrayEquals(paxPath, FileNames.bytes(reader.next().name()));
    }

    @Test
    void utf8NameBytesComeBackExact() throws IOException {
        byte[] name = "caf\u00e9/\u263a/\u65e5\u672c/\uD83D\uDE00.txt".getBytes(UTF_8);
        RawTar tar = new RawTar();
        tar.header().name(name).add();
        tar.pax('x', RawTar.record("path", name));
        tar.header().name("short").add().end();
        TarReader reader = reader(tar);
        assertArrayEquals(name, FileNames.bytes(reader.next().name()));
        assertArrayEquals(name, FileNames.bytes(reader.next().name()));
    }

    @Test
    void namesDifferingOnlyInInvalidBytesStayDifferent() throws IOException {
        byte[] first = bytes("a", 0x80, "b");
        byte[] second = bytes("a", 0x81, "b");
        RawTar tar = new RawTar();
        tar.header().name(first).add();
        tar.header().name(second).add().end();
        TarReader reader = reader(tar);
        String one = reader.next().name();
        String two = reader.next().name();
        assertNotEquals(one, two);
        assertArrayEquals(first, FileNames.bytes(one));
        assertArrayEquals(second, FileNames.bytes(two));
    }

    // ---- kinds and content ----------------------------------------------------------------------------------------

    @Test
    void solarisAclTypeIsAFileWithItsContent() throws IOException {
        RawTar tar = new RawTar();
        tar.header().name("acl").type('A').size(5).add().content(HELLO);
        tar.file("next", "x").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals(Kind.FILE, entry.kind());
        assertEquals('A', entry.typeflag());
        assertTrue(entry.unknownType());
        assertEquals(5, entry.dataSize());
        assertArrayEquals(HELLO, content(reader));
        assertEquals("next", reader.next().name());
    }

    @Test
    void unknownTypeContentIsSkippedByNext() throws IOException {
        RawTar tar = new RawTar();
        tar.header().name("zzz").type('Z').size(700).add().content(new byte[700]);
        tar.file("next", "x").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertTrue(entry.unknownType());
        assertEquals(700, entry.dataSize());
        assertEquals("next", reader.next().name());
    }

    @Test
    void volumeLabelIsNothing() throws IOException {
        RawTar tar = new RawTar();
        tar.header().gnu().name("my volume").type('V').add();
        tar.file("next", "hello").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals(Kind.NOTHING, entry.kind());
        assertFalse(entry.unknownType());
        TarEntry next = reader.next();
        assertEquals("next", next.name());
        assertArrayEquals(HELLO, content(reader));
    }

    @ParameterizedTest
    @ValueSource(chars = {'1', '2', '3', '4', '5', '6'})
    void headerOnlyTypesConsumeNoContentWhateverTheirSize(char type) throws IOException {
        RawTar tar = new RawTar();
        tar.header().name("special").type(type).linkName("target").size(1024).add(); // no content follows
        tar.file("next", "hello").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertNotEquals(Kind.FILE, entry.kind());
        assertEquals(0, entry.dataSize());
        assertEquals(-1, reader.read(new byte[16], 0, 16));
        TarEntry next = reader.next();
        assertEquals("next", next.name());
        assertArrayEquals(HELLO, content(reader));
        assertNull(reader.next());
    }

    @Test
    void hardLinkWithSizeIsALinkAndTheNextMemberParses() throws IOException {
        RawTar tar = new RawTar();
        tar.header().name("hard").type('1').linkName("file").size(HELLO.length).add();
        tar.file("next", "hello").end();
        TarReader reader = reader(tar);
        TarEntry link = reader.next();
        assertEquals(Kind.HARD_LINK, link.kind());
        assertEquals("file", link.linkName());
        assertEquals(0, link.dataSize());
        assertEquals("next", reader.next().name());
        assertArrayEquals(HELLO, content(reader));
    }

    @Test
    void directoryWithSizeIsADirectoryAndTheNextMemberParses() throws IOException {
        RawTar tar = new RawTar();
        tar.header().name("dir/").type('5').size(512).add();
        tar.file("dir/next", "hello").end();
        TarReader reader = reader(tar);
        TarEntry dir = reader.next();
        assertEquals(Kind.DIRECTORY, dir.kind());
        assertEquals(0, dir.dataSize());
        assertEquals("dir/next", reader.next().name());
        assertArrayEquals(HELLO, content(reader));
    }

    @Test
    void oldStyleRegularHeaderWithTrailingSlashIsADirectory() throws IOException {
        RawTar tar = new RawTar();
        tar.header().v7().name("olddir/").type('\0').add();
        tar.header().v7().name("oldfile").type('\0').add().end();
        TarReader reader = reader(tar);
        assertEquals(Kind.DIRECTORY, reader.next().kind());
        assertEquals(Kind.FILE, reader.next().kind());
    }

    @Test
    void gnuDumpdirIsADirectoryAndItsListingIsSkipped() throws IOException {
        byte[] listing = "Yfoo\0Nbar\0Dsub\0\0".getBytes(UTF_8);
        RawTar tar = new RawTar();
        tar.header().gnu().name("test2/").type('D').mode(0755).size(listing.length).add().content(listing);
        tar.header().gnu().name("test2/foo").size(HELLO.length).add().content(HELLO).end();
        TarReader reader = reader(tar);
        TarEntry dir = reader.next();
        assertEquals(Kind.DIRECTORY, dir.kind());
        assertEquals("test2/", dir.name());
        TarEntry file = reader.next();
        assertEquals("test2/foo", file.name());
        assertEquals(Kind.FILE, file.kind());
        assertArrayEquals(HELLO, content(reader));
        assertNull(reader.next());
    }

    // ---- PAX headers ----------------------------------------------------------------------------------------------

    @Test
    void paxPathAndLinkpathAreApplied() throws IOException {
        String path = "p/".repeat(100) + "name";
        RawTar tar = new RawTar().paxText("path", path, "linkpath", "long/target");
        tar.header().name("short").type('2').linkName("short-target").add().end();
        TarEntry entry = reader(tar).next();
        assertEquals(path, entry.name());
        assertEquals("long/target", entry.linkName());
    }

    @Test
    void emptyPaxHeaderIsFine() throws IOException {
        RawTar tar = new RawTar().pax('x');
        tar.file("plain", "hello").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals("plain", entry.name());
        assertArrayEquals(HELLO, content(reader));
        assertNull(reader.next());
    }

    @Test
    void paxHeaderWithOnlyUnknownRecordsIsFine() throws IOException {
        RawTar tar = new RawTar().paxText("comment", "hi", "SCHILY.xattr.user.k", "v", "atime", "1389782991.41987522");
        tar.file("plain", "hello").end();
        TarReader reader = reader(tar);
        assertEquals("plain", reader.next().name());
        assertArrayEquals(HELLO, content(reader));
    }

    @Test
    void hugeUnknownPaxRecordIsSkipped() throws IOException {
        byte[] big = new byte[2 * 1024 * 1024];
        Arrays.fill(big, (byte) 'z');
        RawTar tar = new RawTar().pax('x', RawTar.record("comment", big), RawTar.record("path", "after-big"));
        tar.header().name("short").size(HELLO.length).add().content(HELLO).end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals("after-big", entry.name());
        assertArrayEquals(HELLO, content(reader));
        assertNull(reader.next());
    }

    @Test
    void keptPaxRecordOverOneMebibyteIsRefused() {
        byte[] path = new byte[(1 << 20) + 1];
        Arrays.fill(path, (byte) 'a');
        RawTar tar = new RawTar().pax('x', RawTar.record("path", path));
        tar.header().name("short").add().end();
        assertThrows(TarFormatException.class, () -> reader(tar).next());
    }

    @Test
    void paxPathHoldingNulIsRefused() {
        RawTar tar = new RawTar().pax('x', RawTar.record("path", "a\0b".getBytes(UTF_8)));
        tar.header().name("short").add().end();
        assertThrows(TarFormatException.class, () -> reader(tar).next());
    }

    @Test
    void paxRecordWithWrongLengthIsRefused() {
        RawTar tar = new RawTar().pax('x', "99 path=x\n".getBytes(UTF_8));
        tar.header().name("short").add().end();
        assertThrows(TarFormatException.class, () -> reader(tar).next());
    }

    @Test
    void laterPaxHeaderReplacesTheEarlierWhole() throws IOException {
        RawTar tar = new RawTar().paxText("path", "A").paxText("linkpath", "B");
        tar.header().name("bar").type('2').add().end();
        TarEntry entry = reader(tar).next();
        assertEquals("bar", entry.name());
        assertEquals("B", entry.linkName());
    }

    @Test
    void gnuLongNameAndDifferentPaxPathAreRefused() {
        RawTar tar = new RawTar().longName("gnu-name").paxText("path", "pax-name");
        tar.header().name("short").add().end();
        TarFormatException e = assertThrows(TarFormatException.class, () -> reader(tar).next());
        assertTrue(e.getMessage().contains("differ"), e.getMessage());
    }

    @Test
    void paxPathAndDifferentGnuLongNameAreRefusedInEitherOrder() {
        RawTar tar = new RawTar().paxText("path", "pax-name").longName("gnu-name");
        tar.header().gnu().name("short").add().end();
        assertThrows(TarFormatException.class, () -> reader(tar).next());
    }

    @Test
    void gnuLongLinkAndDifferentPaxLinkpathAreRefused() {
        RawTar tar = new RawTar().longName('K', "gnu-target\0".getBytes(UTF_8)).paxText("linkpath", "pax-target");
        tar.header().name("l").type('2').add().end();
        assertThrows(TarFormatException.class, () -> reader(tar).next());
    }

    @Test
    void gnuLongNameAndEqualPaxPathAreAccepted() throws IOException {
        RawTar tar = new RawTar().longName("same/name").paxText("path", "same/name");
        tar.header().name("short").add().end();
        assertEquals("same/name", reader(tar).next().name());
    }

    @Test
    void globalPaxHeaderAppliesToLaterMembersUnderTheirOwnRecords() throws IOException {
        RawTar tar = new RawTar().globalText("path", "global-name", "mtime", "100");
        tar.header().name("first").mtime(5).add();
        tar.paxText("path", "local-name");
        tar.header().name("second").add();
        tar.header().name("third").add().end();
        TarReader reader = reader(tar);
        TarEntry first = reader.next();
        assertEquals("global-name", first.name());
        assertEquals(FileTime.from(Instant.ofEpochSecond(100)), first.mtime());
        TarEntry second = reader.next();
        assertEquals("local-name", second.name());
        assertEquals(FileTime.from(Instant.ofEpochSecond(100)), second.mtime());
        assertEquals("global-name", reader.next().name());
        assertNull(reader.next());
    }

    @Test
    void loneGlobalHeaderIsAnEmptyArchive() throws IOException {
        RawTar tar = new RawTar().globalText("comment", "git archive writes this");
        assertEquals(List.of(), entries(new RawTar().raw(tar.bytes()).end()));
        assertEquals(List.of(), entries(tar)); // and without the end blocks
    }

    @Test
    void paxHeaderFollowedByEndOfArchiveIsRefused() {
        assertThrows(TarFormatException.class, () -> entries(new RawTar().paxText("path", "x").end()));
        assertThrows(TarFormatException.class, () -> entries(new RawTar().paxText("path", "x")));
    }

    @Test
    void gnuLongNameFollowedByEndOfArchiveIsRefused() {
        assertThrows(TarFormatException.class, () -> entries(new RawTar().longName("lonely").end()));
        assertThrows(TarFormatException.class,
                () -> entries(new RawTar().longName('K', "lonely\0".getBytes(UTF_8)).end()));
    }

    // ---- sparse files ---------------------------------------------------------------------------------------------

    // GNU tar reads the content of each run from a block of its own, other readers (Go, bsdtar, Python) one run right
    // after the other. They agree when every run but the last is a whole number of blocks, as GNU tar writes them; so
    // the archives below are all built that way.

    @Test
    void oldGnuSparseWithExtensionBlocks() throws IOException {
        List<SparseFragment> runs = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            runs.add(run(i * 2048L, 512));
        }
        long realSize = 25 * 2048L + 100;
        runs.add(run(25 * 2048L, 3));
        runs.add(run(realSize, 0)); // 27 runs: 4 in the header, 21 in a full extension block, 2 in a second
        byte[] data = pattern(25 * 512 + 3);
        RawTar tar = new RawTar();
        RawTar.Header header = tar.header().gnu().name("sparse").type('S').size(data.length).realSize(realSize)
                .sparseExtended(true);
        for (int i = 0; i < 4; i++) {
            header.sparseEntry(i, runs.get(i).offset(), runs.get(i).length());
        }
        header.add();
        tar.sparseExtension(true, pairs(runs.subList(4, 25)));
        tar.sparseExtension(false, pairs(runs.subList(25, 27)));
        tar.content(data);
        tar.file("next", "hello").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals("sparse", entry.name());
        assertEquals(Kind.FILE, entry.kind());
        assertFalse(entry.unknownType());
        assertEquals(runs, entry.sparse());
        assertEquals(realSize, entry.size());
        assertEquals(data.length, entry.dataSize());
        assertArrayEquals(data, content(reader));
        assertEquals("next", reader.next().name());
        assertArrayEquals(HELLO, content(reader));
    }

    @Test
    void oldGnuSparseWithOneExtensionBlock() throws IOException {
        byte[] data = pattern(4 * 512 + 7);
        RawTar tar = new RawTar();
        tar.header().gnu().name("five").type('S').size(data.length).realSize(10000)
                .sparseEntry(0, 0, 512).sparseEntry(1, 1024, 512).sparseEntry(2, 2048, 512).sparseEntry(3, 4096, 512)
                .sparseExtended(true).add();
        tar.sparseExtension(false, 9000, 7, 10000, 0);
        tar.content(data);
        tar.file("next", "hello").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals(List.of(run(0, 512), run(1024, 512), run(2048, 512), run(4096, 512), run(9000, 7), run(10000, 0)),
                entry.sparse());
        assertEquals(10000, entry.size());
        assertEquals(data.length, entry.dataSize());
        assertArrayEquals(data, content(reader));
        assertEquals("next", reader.next().name());
    }

    @Test
    void oldGnuSparseSkippedUnreadLeavesTheNextMemberReadable() throws IOException {
        RawTar tar = new RawTar();
        tar.header().gnu().name("sparse").type('S').size(812).realSize(10000)
                .sparseEntry(0, 0, 512).sparseEntry(1, 9700, 300).add();
        tar.content(pattern(812));
        tar.file("next", "hello").end();
        TarReader reader = reader(tar);
        assertEquals(2, reader.next().sparse().size());
        assertEquals("next", reader.next().name());
        assertArrayEquals(HELLO, content(reader));
    }

    @Test
    void paxSparse00() throws IOException {
        byte[] data = pattern(516);
        RawTar tar = new RawTar().paxText("GNU.sparse.size", "1024", "GNU.sparse.numblocks", "2",
                "GNU.sparse.offset", "0", "GNU.sparse.numbytes", "512",
                "GNU.sparse.offset", "1020", "GNU.sparse.numbytes", "4");
        tar.header().name("sparse00").size(data.length).add().content(data);
        tar.file("next", "hello").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals("sparse00", entry.name());
        assertEquals(List.of(run(0, 512), run(1020, 4)), entry.sparse());
        assertEquals(1024, entry.size());
        assertEquals(516, entry.dataSize());
        assertArrayEquals(data, content(reader));
        assertEquals("next", reader.next().name());
    }

    @Test
    void paxSparse01() throws IOException {
        byte[] data = pattern(516);
        RawTar tar = new RawTar().paxText("GNU.sparse.major", "0", "GNU.sparse.minor", "1",
                "GNU.sparse.name", "real/sparse01", "GNU.sparse.size", "1536", "GNU.sparse.numblocks", "3",
                "GNU.sparse.map", "0,512,1020,4,1536,0");
        tar.header().name("GNUSparseFile.0/sparse01").size(data.length).add().content(data);
        tar.file("next", "hello").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals("real/sparse01", entry.name());
        assertEquals(Kind.FILE, entry.kind());
        assertEquals(List.of(run(0, 512), run(1020, 4), run(1536, 0)), entry.sparse());
        assertEquals(1536, entry.size());
        assertEquals(516, entry.dataSize());
        assertArrayEquals(data, content(reader));
        assertEquals("next", reader.next().name());
    }

    @Test
    void paxSparse10MapAtTheStartOfTheContent() throws IOException {
        byte[] data = pattern(1028);
        byte[] map = Arrays.copyOf("3\n0\n512\n1024\n512\n2044\n4\n".getBytes(UTF_8), RawTar.BLOCK);
        RawTar tar = new RawTar().paxText("GNU.sparse.major", "1", "GNU.sparse.minor", "0",
                "GNU.sparse.name", "real/sparse10", "GNU.sparse.realsize", "2048");
        tar.header().name("GNUSparseFile.0/sparse10").size(RawTar.BLOCK + data.length).add();
        tar.raw(map).content(data);
        tar.file("next", "hello").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals("real/sparse10", entry.name());
        assertEquals(List.of(run(0, 512), run(1024, 512), run(2044, 4)), entry.sparse());
        assertEquals(2048, entry.size());
        assertEquals(1028, entry.dataSize());
        assertArrayEquals(data, content(reader));
        assertEquals("next", reader.next().name());
        assertArrayEquals(HELLO, content(reader));
    }

    @Test
    void paxSparse10MapOverSeveralBlocks() throws IOException {
        StringBuilder text = new StringBuilder("201\n");
        List<SparseFragment> runs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            text.append(i * 1024L).append("\n512\n");
            runs.add(run(i * 1024L, 512));
        }
        text.append("205000\n0\n"); // a hole at the end: GNU tar writes a last, empty run there
        runs.add(run(205000, 0));
        byte[] data = pattern(200 * 512);
        byte[] mapText = text.toString().getBytes(UTF_8);
        int mapSize = (mapText.length + RawTar.BLOCK - 1) / RawTar.BLOCK * RawTar.BLOCK;
        assertTrue(mapSize > RawTar.BLOCK);
        RawTar tar = new RawTar().paxText("GNU.sparse.major", "1", "GNU.sparse.minor", "0",
                "GNU.sparse.name", "many", "GNU.sparse.realsize", "205000");
        tar.header().name("GNUSparseFile.0/many").size(mapSize + data.length).add();
        tar.raw(Arrays.copyOf(mapText, mapSize)).content(data);
        tar.file("next", "hello").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals(runs, entry.sparse());
        assertEquals(205000, entry.size());
        assertEquals(data.length, entry.dataSize());
        assertArrayEquals(data, content(reader));
        assertEquals("next", reader.next().name());
    }

    @Test
    void oldGnuSparseHoleOnly() throws IOException {
        RawTar tar = new RawTar();
        tar.header().gnu().name("hole").type('S').size(0).realSize(1000).sparseEntry(0, 1000, 0).add();
        tar.file("next", "hello").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals(List.of(run(1000, 0)), entry.sparse());
        assertEquals(1000, entry.size());
        assertEquals(0, entry.dataSize());
        assertEquals(-1, reader.read(new byte[8], 0, 8));
        assertEquals("next", reader.next().name());
    }

    @Test
    void paxSparse10HoleOnly() throws IOException {
        RawTar tar = new RawTar().paxText("GNU.sparse.major", "1", "GNU.sparse.minor", "0",
                "GNU.sparse.name", "hole", "GNU.sparse.realsize", "1000");
        tar.header().name("GNUSparseFile.0/hole").size(RawTar.BLOCK).add();
        tar.content("1\n1000\n0\n".getBytes(UTF_8));
        tar.file("next", "hello").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals("hole", entry.name());
        assertEquals(List.of(run(1000, 0)), entry.sparse());
        assertEquals(1000, entry.size());
        assertEquals(0, entry.dataSize());
        assertEquals(-1, reader.read(new byte[8], 0, 8));
        assertEquals("next", reader.next().name());
    }

    @Test
    void sparseMapWithOverlappingRunsIsRefused() {
        byte[] data = new byte[20];
        RawTar tar = new RawTar().paxText("GNU.sparse.major", "0", "GNU.sparse.minor", "1",
                "GNU.sparse.size", "30", "GNU.sparse.map", "0,10,5,10");
        tar.header().name("overlap").size(data.length).add().content(data).end();
        assertThrows(TarFormatException.class, () -> reader(tar).next());
    }

    @Test
    void sparseMapWithRunsOutOfOrderIsRefused() {
        byte[] data = new byte[4];
        RawTar tar = new RawTar();
        tar.header().gnu().name("backwards").type('S').size(4).realSize(100)
                .sparseEntry(0, 50, 2).sparseEntry(1, 10, 2).add();
        tar.content(data).end();
        assertThrows(TarFormatException.class, () -> reader(tar).next());
    }

    @Test
    void sparseMapPastTheFileLengthIsRefused() {
        byte[] data = new byte[10];
        RawTar tar = new RawTar().paxText("GNU.sparse.major", "0", "GNU.sparse.minor", "1",
                "GNU.sparse.size", "20", "GNU.sparse.map", "0,5,18,5");
        tar.header().name("past").size(data.length).add().content(data).end();
        assertThrows(TarFormatException.class, () -> reader(tar).next());
    }

    @Test
    void oldGnuSparseMapPastTheRealSizeIsRefused() {
        RawTar tar = new RawTar();
        tar.header().gnu().name("past").type('S').size(4).realSize(10).sparseEntry(0, 8, 4).add();
        tar.content(new byte[4]).end();
        assertThrows(TarFormatException.class, () -> reader(tar).next());
    }

    @Test
    void sparseMapAccountingForMoreDataThanPresentIsRefused() {
        byte[] data = new byte[8];
        RawTar tar = new RawTar().paxText("GNU.sparse.major", "0", "GNU.sparse.minor", "1",
                "GNU.sparse.size", "2000", "GNU.sparse.map", "0,512,1000,5,2000,0");
        tar.header().name("more").size(data.length).add().content(data).end();
        TarFormatException e = assertThrows(TarFormatException.class, () -> reader(tar).next());
        assertTrue(e.getMessage().contains("accounts for"), e.getMessage());
    }

    @Test
    void sparseMapAccountingForLessDataThanPresentIsRefused() {
        byte[] data = new byte[600];
        RawTar tar = new RawTar();
        tar.header().gnu().name("less").type('S').size(data.length).realSize(2000)
                .sparseEntry(0, 0, 512).sparseEntry(1, 1000, 5).sparseEntry(2, 2000, 0).add();
        tar.content(data).end();
        TarFormatException e = assertThrows(TarFormatException.class, () -> reader(tar).next());
        assertTrue(e.getMessage().contains("accounts for"), e.getMessage());
    }

    @Test
    void paxSparse10MapRunningPastTheContentIsRefused() {
        // A map of 300 runs takes more than a block, but the member's content is that one block.
        StringBuilder text = new StringBuilder("300\n");
        for (int i = 0; i < 300; i++) {
            text.append(i * 10).append("\n1\n");
        }
        byte[] map = Arrays.copyOf(text.toString().getBytes(UTF_8), RawTar.BLOCK);
        RawTar tar = new RawTar().paxText("GNU.sparse.major", "1", "GNU.sparse.minor", "0",
                "GNU.sparse.realsize", "3000");
        tar.header().name("short-map").size(RawTar.BLOCK).add().raw(map).end();
        TarFormatException e = assertThrows(TarFormatException.class, () -> reader(tar).next());
        assertTrue(e.getMessage().contains("runs past"), e.getMessage());
    }

    @Test
    void paxSparse10MapWithANulInsideIsRefused() {
        // The map says 3 runs but holds one; the NULs padding its block are not numbers.
        byte[] map = Arrays.copyOf("3\n0\n1\n".getBytes(UTF_8), RawTar.BLOCK);
        RawTar tar = new RawTar().paxText("GNU.sparse.major", "1", "GNU.sparse.minor", "0",
                "GNU.sparse.realsize", "100");
        tar.header().name("short-map").size(2 * RawTar.BLOCK + 1).add().raw(map).content(new byte[RawTar.BLOCK + 1]);
        tar.end();
        assertThrows(TarFormatException.class, () -> reader(tar).next());
    }

    @Test
    void paxSparseNumblocksDisagreeingWithTheMapIsRefused() {
        RawTar tar = new RawTar().paxText("GNU.sparse.major", "0", "GNU.sparse.minor", "1",
                "GNU.sparse.size", "100", "GNU.sparse.numblocks", "3", "GNU.sparse.map", "0,5,50,5");
        tar.header().name("count").size(10).add().content(new byte[10]).end();
        assertThrows(TarFormatException.class, () -> reader(tar).next());
    }

    @Test
    void sparseRunThatIsNotWholeBlocksBeforeTheLastIsRefused() {
        // GNU tar 1.34 extracts "abc" at 0 and then the first bytes of the header of "next" at 500, and skips "next".
        RawTar tar = new RawTar();
        tar.header().gnu().name("unaligned").type('S').size(6).realSize(1000)
                .sparseEntry(0, 0, 3).sparseEntry(1, 500, 3).add();
        tar.content("abcdef".getBytes(UTF_8));
        tar.file("next", "hello").end();
        assertThrows(TarFormatException.class, () -> entries(tar));
    }

    @Test
    void oldGnuSparseExtensionAfterAnEndedMapIsRefused() {
        // Map ended inside the header (two entries of four), yet the header says an extension block follows.
        RawTar inHeader = new RawTar();
        inHeader.header().gnu().name("a").type('S').size(1536).realSize(10000)
                .sparseEntry(0, 0, 512).sparseEntry(1, 2048, 512).sparseExtended(true).add();
        inHeader.sparseExtension(false, 8192, 512).content(pattern(1536)).file("next", "hello").end();
        assertThrows(TarFormatException.class, () -> entries(inHeader));
        // Map ended inside a first extension block (one entry of 21) that says a second one follows.
        RawTar inExtension = new RawTar();
        inExtension.header().gnu().name("b").type('S').size(6 * 512).realSize(40000)
                .sparseEntry(0, 0, 512).sparseEntry(1, 2048, 512).sparseEntry(2, 4096, 512).sparseEntry(3, 8192, 512)
                .sparseExtended(true).add();
        inExtension.sparseExtension(true, 16384, 512).sparseExtension(false, 32768, 512);
        inExtension.content(pattern(6 * 512)).file("next", "hello").end();
        assertThrows(TarFormatException.class, () -> entries(inExtension));
    }

    @Test
    void oldGnuSparseEndedMapWithNoContentAndAZeroBlockNextEndsTheArchive() throws IOException {
        // As libarchive's test_read_format_gtar_sparse_reuse: GNU tar sees an empty file and then the end of the
        // archive; Go, Python and bsdtar an empty file with an empty extension block. Both read one empty file.
        RawTar tar = new RawTar();
        tar.header().gnu().name("sparse").type('S').size(0).realSize(0).sparseEntry(0, 0, 0).sparseExtended(true).add();
        tar.zeroBlock().end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals("sparse", entry.name());
        assertEquals(List.of(run(0, 0)), entry.sparse());
        assertEquals(0, entry.size());
        assertArrayEquals(new byte[0], content(reader));
        assertNull(reader.next());
        assertNull(reader.next());
    }

    @Test
    void memberAfterAnEndedMapThatGnuTarReadsAsTheEndIsRefused() throws IOException {
        // GNU tar stops at the zero block; the others read it as map and go on to "next".
        RawTar tar = new RawTar();
        tar.header().gnu().name("sparse").type('S').size(0).realSize(0).sparseEntry(0, 0, 0).sparseExtended(true).add();
        tar.zeroBlock().file("next", "hello").end();
        TarReader reader = reader(tar);
        assertEquals("sparse", reader.next().name());
        assertThrows(TarFormatException.class, reader::next);
    }

    // ---- what the review of the reader found: each a case tar readers disagree on, or a bound ----------------------

    @Test
    void paxSparse00MapOfMoreRunsThanTheBoundIsRefusedWhileReadingIt() {
        // Held as Strings, half a million records of a 15 MB header would take more heap than the launcher has.
        int runs = TarReader.MAX_SPARSE_FRAGMENTS + 1;
        byte[][] records = new byte[2 * runs + 1][];
        records[0] = RawTar.record("GNU.sparse.size", "0");
        for (int i = 0; i < runs; i++) {
            records[1 + 2 * i] = RawTar.record("GNU.sparse.offset", "0");
            records[2 + 2 * i] = RawTar.record("GNU.sparse.numbytes", "0");
        }
        RawTar tar = new RawTar().pax('x', records);
        tar.header().name("many").size(0).add().end();
        TarFormatException e = assertThrows(TarFormatException.class, () -> entries(tar));
        assertTrue(e.getMessage().contains("more than " + TarReader.MAX_SPARSE_FRAGMENTS + " runs"), e.getMessage());
    }

    @Test
    void paxSparse00NumberLongerThanAnyLongIsRefused() {
        RawTar tar = new RawTar().paxText("GNU.sparse.size", "10", "GNU.sparse.offset", "1".repeat(100_000),
                "GNU.sparse.numbytes", "0");
        tar.header().name("long").size(0).add().end();
        assertThrows(TarFormatException.class, () -> entries(tar));
    }

    @ParameterizedTest
    @ValueSource(strings = {"size", "GNU.sparse.map", "GNU.sparse.size", "GNU.sparse.major"})
    void globalHeaderSettingWhereContentEndsIsRefused(String key) {
        // Python reads the content by the header's own size and applies a global size after; Go ignores globals.
        RawTar tar = new RawTar().globalText(key, key.equals("GNU.sparse.map") ? "0,0" : "0");
        tar.file("one", "1").end();
        TarFormatException e = assertThrows(TarFormatException.class, () -> entries(tar));
        assertTrue(e.getMessage().contains("'" + key + "'"), e.getMessage());
    }

    @Test
    void globalPathStillAppliesAsGnuTarAndPythonRead() throws IOException {
        // node-tar's global-header.tar: GNU tar and Python name the file "ab"; only Go, which ignores globals, not.
        RawTar tar = new RawTar().globalText("path", "ab").file("one-byte.txt", "1").end();
        assertEquals(List.of("ab"), entries(tar).stream().map(TarEntry::name).toList());
    }

    @ParameterizedTest
    @ValueSource(chars = {'0', '7'})
    void fileTypeNamedAsADirectoryWithContentIsRefused(char type) {
        // GNU tar makes a directory and reads the content as headers; Go and Python make a file and skip it.
        RawTar tar = new RawTar();
        tar.header().name("dir/").type(type).size(512).add().content(new byte[512]);
        tar.file("hidden", "x").end();
        TarFormatException e = assertThrows(TarFormatException.class, () -> entries(tar));
        assertTrue(e.getMessage().contains("named as a directory"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(chars = {'0', '7', '\0'})
    void fileTypeNamedAsADirectoryWithoutContentIsADirectory(char type) throws IOException {
        RawTar tar = new RawTar();
        tar.header().name("dir/").type(type).size(0).add();
        tar.file("dir/f", "x").end();
        List<TarEntry> entries = entries(tar);
        assertEquals(Kind.DIRECTORY, entries.get(0).kind());
        assertEquals("dir/f", entries.get(1).name());
    }

    @Test
    void oldGnuSparseEntryWithAnOffsetAndNoLengthIsRefused() {
        // GNU tar ends the map at the empty length (a 512-byte file); Go and bsdtar read the entry and go on.
        RawTar tar = new RawTar();
        tar.header().gnu().name("half").type('S').size(1024).realSize(4096)
                .sparseEntry(0, 0, 512).sparseEntry(1, 1024, 0).sparseEntry(2, 2048, 512).sparseEntry(3, 4096, 0)
                .field(HeaderBlock.GNU_SPARSE + 24 + 12, 12, new byte[0]) // entry 1: an offset, no length
                .add();
        tar.content(new byte[1024]).end();
        TarFormatException e = assertThrows(TarFormatException.class, () -> entries(tar));
        assertTrue(e.getMessage().contains("only one of offset and length"), e.getMessage());
    }

    @Test
    void sparseMapEndingBeforeTheFileLengthIsRefused() {
        // GNU tar's file ends with the last run (512 bytes), Go's and Python's at the real size (4096).
        RawTar tar = new RawTar();
        tar.header().gnu().name("short").type('S').size(512).realSize(4096).sparseEntry(0, 0, 512).add();
        tar.content(new byte[512]).end();
        TarFormatException e = assertThrows(TarFormatException.class, () -> entries(tar));
        assertTrue(e.getMessage().contains("not at the file's length 4096"), e.getMessage());
    }

    @Test
    void sizeNoStreamCanHoldIsRefused() {
        // remaining + padding would overflow: nothing would be skipped and the content read as headers.
        RawTar tar = new RawTar().paxText("size", String.valueOf(Long.MAX_VALUE));
        tar.header().name("huge").size(0).add().end();
        TarFormatException e = assertThrows(TarFormatException.class, () -> entries(tar));
        assertTrue(e.getMessage().contains("more than any stream holds"), e.getMessage());
    }

    // ---- the end of the archive and truncation --------------------------------------------------------------------

    @Test
    void emptyStreamIsAnEmptyArchive() throws IOException {
        assertEquals(List.of(), entries(new RawTar()));
        assertEquals(List.of(), entries(new RawTar().end()));
    }

    @Test
    void firstZeroBlockEndsTheArchiveEvenIfAHeaderFollows() throws IOException {
        RawTar tar = new RawTar().file("one", "1").zeroBlock().file("two", "2").end();
        TarReader reader = reader(tar);
        assertEquals("one", reader.next().name());
        assertNull(reader.next());
        assertNull(reader.next());
    }

    @Test
    void streamEndingAtAHeaderBoundaryEndsTheArchive() throws IOException {
        RawTar tar = new RawTar().file("one", "hello");
        assertEquals(List.of("one"), entries(tar).stream().map(TarEntry::name).toList());
    }

    @Test
    void truncationInsideAHeaderIsRefused() {
        byte[] whole = new RawTar().file("one", "hello").file("two", "x").bytes();
        assertTruncated(() -> entries(Arrays.copyOf(whole, 100)));
        assertTruncated(() -> entries(Arrays.copyOf(whole, 2 * RawTar.BLOCK + 300)));
    }

    @Test
    void truncationInsideContentIsRefusedOnRead() throws IOException {
        RawTar tar = new RawTar();
        tar.header().name("cut").size(1000).add().raw(new byte[600]);
        TarReader reader = reader(tar);
        assertEquals(1000, reader.next().dataSize());
        assertTruncated(() -> content(reader));
    }

    @Test
    void truncationInsideContentIsRefusedOnNext() throws IOException {
        RawTar tar = new RawTar();
        tar.header().name("cut").size(1000).add().raw(new byte[600]);
        TarReader reader = reader(tar);
        reader.next();
        assertTruncated(reader::next);
    }

    @Test
    void truncationInsideContentPaddingIsRefused() throws IOException {
        RawTar tar = new RawTar();
        tar.header().name("cut").size(5).add().raw(HELLO);
        TarReader reader = reader(tar);
        reader.next();
        assertArrayEquals(HELLO, content(reader));
        assertTruncated(reader::next);
    }

    @Test
    void truncationInsideAPaxHeaderIsRefused() {
        byte[] whole = new RawTar().paxText("path", "p".repeat(300), "comment", "c".repeat(300)).bytes();
        assertTruncated(() -> entries(Arrays.copyOf(whole, RawTar.BLOCK + 100))); // inside the path record
        assertTruncated(() -> entries(Arrays.copyOf(whole, RawTar.BLOCK + 500))); // inside the skipped comment
    }

    @Test
    void truncationInsideAGnuLongNameIsRefused() {
        byte[] whole = new RawTar().longName("n".repeat(300)).bytes();
        assertTruncated(() -> entries(Arrays.copyOf(whole, RawTar.BLOCK + 100)));
    }

    @Test
    void truncationInsideAnOldGnuSparseExtensionIsRefused() {
        RawTar tar = new RawTar();
        // A full header map (four runs), so that the extension block it announces is really read.
        tar.header().gnu().name("sparse").type('S').size(2048).realSize(10000).sparseEntry(0, 0, 512)
                .sparseEntry(1, 1024, 512).sparseEntry(2, 2048, 512).sparseEntry(3, 4096, 512)
                .sparseExtended(true).add();
        tar.raw(new byte[200]);
        assertTruncated(() -> entries(tar));
    }

    @Test
    void garbageInsteadOfAHeaderIsRefused() {
        byte[] garbage = "garbage ".repeat(64).getBytes(UTF_8);
        RawTar tar = new RawTar().file("one", "hello").raw(garbage);
        assertThrows(TarFormatException.class, () -> entries(tar));
    }

    @Test
    void positionCountsTheBytesConsumed() throws IOException {
        RawTar tar = new RawTar().paxText("path", "x").file("one", "hello").end();
        TarReader reader = reader(tar);
        TarEntry entry = reader.next();
        assertEquals(0, entry.offset());
        assertEquals(3 * RawTar.BLOCK, reader.position());
        assertNull(reader.next());
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private static TarReader reader(RawTar tar) {
        return new TarReader(new ByteArrayInputStream(tar.bytes()));
    }

    private static List<TarEntry> entries(RawTar tar) throws IOException {
        return entries(tar.bytes());
    }

    private static List<TarEntry> entries(byte[] bytes) throws IOException {
        TarReader reader = new TarReader(new ByteArrayInputStream(bytes));
        List<TarEntry> entries = new ArrayList<>();
        for (TarEntry entry = reader.next(); entry != null; entry = reader.next()) {
            entries.add(entry);
        }
        return entries;
    }

    /** The rest of the current member's content, read in small pieces. */
    private static byte[] content(TarReader reader) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[7];
        for (int n = reader.read(buffer, 0, buffer.length); n >= 0; n = reader.read(buffer, 0, buffer.length)) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static void assertTruncated(Executable executable) {
        TarFormatException e = assertThrows(TarFormatException.class, executable);
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    /** {@code length} bytes that differ from block to block, so that a run read from the wrong place shows. */
    private static byte[] pattern(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) ('a' + (i / RawTar.BLOCK + i) % 26);
        }
        return bytes;
    }

    private static long[] pairs(List<SparseFragment> runs) {
        long[] pairs = new long[2 * runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            pairs[2 * i] = runs.get(i).offset();
            pairs[2 * i + 1] = runs.get(i).length();
        }
        return pairs;
    }

    private static SparseFragment run(long offset, long length) {
        return new SparseFragment(offset, length);
    }

    /** Bytes from strings (as UTF-8) and single byte values. */
    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof String s) {
                out.writeBytes(s.getBytes(UTF_8));
            } else {
                out.write((Integer) part);
            }
        }
        return out.toByteArray();
    }
}
