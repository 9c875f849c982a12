package dev.launcher.pack;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.fs.FileNames;
import dev.launcher.oci.Digest;
import dev.launcher.unpack.LayerUnpacker;
import dev.launcher.unpack.PosixModes;
import dev.launcher.unpack.TreeSnapshot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryPackerTest {
    private static final Instant FIXED = Instant.parse("2023-11-14T22:13:20Z");

    @TempDir
    Path tmp;

    Path app;

    private final DirectoryPacker packer = new DirectoryPacker(FIXED);

    @BeforeEach
    void createTree() throws IOException {
        app = Files.createDirectory(tmp.resolve("myapp"));
        Files.createDirectories(app.resolve("bin"));
        Files.writeString(app.resolve("bin/run"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(app.resolve("bin/run"), PosixModes.permissions(0755));
        Files.writeString(app.resolve("secret.key"), "k");
        Files.setPosixFilePermissions(app.resolve("secret.key"), PosixModes.permissions(0600));
        Files.createLink(app.resolve("bin/run-again"), app.resolve("bin/run"));
        Files.createSymbolicLink(app.resolve("current"), Path.of("bin/run"));
        Files.createSymbolicLink(app.resolve("bin/up"), Path.of("../secret.key"));
        Files.createDirectories(app.resolve("empty"));
        Files.createDirectories(app.resolve("readonly"));
        Files.writeString(app.resolve("readonly/data"), "d");
        Files.setPosixFilePermissions(app.resolve("readonly"), PosixModes.permissions(0555));
        // Made through the launcher's raw names: the tests run without a UTF-8 locale, as containers often do.
        Files.writeString(FileNames.resolve(app, FileNames.fromText("ünïcödé.txt")), "u");
        Path deep = app.resolve("a".repeat(60)).resolve("b".repeat(60));
        Files.createDirectories(deep);
        Files.writeString(deep.resolve("c".repeat(60)), "long name");
    }

    @Test
    void sameTreeGivesTheSameBytesEvenWithOtherMtimes() throws IOException {
        byte[] first = pack(app);
        try (Stream<Path> paths = Files.walk(app)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                if (!Files.isSymbolicLink(path)) {
                    Files.setLastModifiedTime(path, FileTime.from(Instant.now()));
                }
            }
        }
        assertArrayEquals(first, pack(app));
    }

    @Test
    void aNameThatIsNotUtf8IsRefusedWithItsName() throws IOException {
        Files.writeString(FileNames.resolve(app, "latin1-caf\u00e9.txt"), "l"); // the byte E9 alone
        LauncherException e = assertThrows(LauncherException.class, () -> pack(app));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("'latin1-caf\\xE9.txt' is not valid UTF-8"), e.getMessage());
    }

    @Test
    void roundTripThroughTheUnpackerGivesTheSameTree() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("unpacked"));

        new LayerUnpacker().unpackTar(new ByteArrayInputStream(pack(app)), target, "packed");

        Path copy = target.resolve("myapp");
        assertEquals(List.of(copy), Files.list(target).toList());
        assertEquals(TreeSnapshot.of(app), TreeSnapshot.of(copy));
        assertEquals(fileKey(copy.resolve("bin/run")), fileKey(copy.resolve("bin/run-again")));
        for (Map.Entry<String, String> entry : TreeSnapshot.of(copy, true).entrySet()) {
            assertTrue(entry.getValue().endsWith("@" + FIXED.getEpochSecond()), entry.toString());
        }
    }

    @Test
    void entriesAreSortedPrefixedWithTheDirectoryNameAndCarryNoOwnerOrTime() throws IOException {
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(
                new ByteArrayInputStream(pack(app))))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                names.add(entry.getName());
                assertEquals(0, entry.getLongUserId());
                assertEquals(0, entry.getLongGroupId());
                assertEquals("", entry.getUserName());
                assertEquals("", entry.getGroupName());
                assertEquals(FIXED, entry.getLastModifiedTime().toInstant());
            }
        }
        String deep = "myapp/" + "a".repeat(60) + "/";
        assertEquals(List.of(
                "myapp/",
                deep,
                deep + "b".repeat(60) + "/",
                deep + "b".repeat(60) + "/" + "c".repeat(60),
                "myapp/bin/",
                "myapp/bin/run",
                "myapp/bin/run-again",
                "myapp/bin/up",
                "myapp/current",
                "myapp/empty/",
                "myapp/readonly/",
                "myapp/readonly/data",
                "myapp/secret.key",
                "myapp/ünïcödé.txt"), names);
    }

    @Test
    void gzipHeaderHasNoTimestampNameOrOs() throws IOException {
        byte[] bytes = pack(app);
        assertEquals(0x1f, bytes[0] & 0xff);
        assertEquals(0x8b, bytes[1] & 0xff);
        assertEquals(0, bytes[3] & 0x08, "FNAME flag");
        assertArrayEquals(new byte[4], new byte[] {bytes[4], bytes[5], bytes[6], bytes[7]}, "MTIME");
        assertEquals(255, bytes[9] & 0xff, "OS");
    }

    @Test
    void reportsTitleAndDigestOfTheUncompressedTar() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PackResult result = packer.pack(app, out);

        byte[] tar;
        try (InputStream in = new GzipCompressorInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            tar = in.readAllBytes();
        }
        assertEquals("myapp", result.title());
        assertEquals(Digest.sha256(tar), result.tarDigest());
        assertEquals(14, result.entries());
        assertEquals(18 + 1 + 1 + 1 + 9, result.contentBytes()); // run (hard link counted once), key, data, ü, long
    }

    @Test
    void leavesTheCallersStreamOpen() throws IOException {
        ByteArrayOutputStream target = new ByteArrayOutputStream();
        boolean[] closed = {false};
        OutputStream out = new FilterOutputStream(target) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        packer.pack(app, out);
        assertEquals(false, closed[0]);
    }

    @Test
    void symlinkLeavingTheDirectoryIsRefusedAtPackTime() throws IOException {
        Files.createSymbolicLink(app.resolve("escape"), tmp.toAbsolutePath());
        LauncherException e = assertThrows(LauncherException.class, () -> pack(app));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("'escape'"), e.getMessage());
    }

    @Test
    void socketsAreLeftOut() throws IOException {
        Path socket = app.resolve("control.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Path target = Files.createDirectory(tmp.resolve("unpacked"));
            new LayerUnpacker().unpackTar(new ByteArrayInputStream(pack(app)), target, "packed");
            assertTrue(Files.notExists(target.resolve("myapp/control.sock"), NOFOLLOW_LINKS));
        }
    }

    @Test
    void notADirectoryIsAUsageError() {
        LauncherException e = assertThrows(LauncherException.class, () -> pack(app.resolve("secret.key")));
        assertEquals(ExitCode.USAGE, e.exitCode());
    }

    @Test
    void mtimeComesFromSourceDateEpochOrIsTheEpoch() {
        assertEquals(Instant.EPOCH, DirectoryPacker.mtimeFrom(null));
        assertEquals(Instant.EPOCH, DirectoryPacker.mtimeFrom(" "));
        assertEquals(Instant.ofEpochSecond(1700000000), DirectoryPacker.mtimeFrom("1700000000"));
        for (String bad : new String[] {"yesterday", "-1", "1.5"}) {
            LauncherException e = assertThrows(LauncherException.class, () -> DirectoryPacker.mtimeFrom(bad));
            assertEquals(ExitCode.USAGE, e.exitCode());
        }
    }

    private byte[] pack(Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        packer.pack(dir, out);
        return out.toByteArray();
    }

    private static Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW_LINKS).fileKey();
    }
}
