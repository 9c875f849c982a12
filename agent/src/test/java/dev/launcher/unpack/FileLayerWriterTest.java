package dev.launcher.unpack;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.error.UnsafeArchiveException;
import dev.launcher.fs.FileNames;
import dev.launcher.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileLayerWriterTest {
    @TempDir
    Path tmp;

    Path target;

    @BeforeEach
    void createTarget() throws IOException {
        target = Files.createDirectory(tmp.resolve("target"));
    }

    @Test
    void writesTheTitledFileWithMode0644() {
        UnpackStats stats = write("lib/app.jar", "jar bytes");

        assertEquals(new UnpackStats(1, 9), stats);
        assertEquals(Map.of(
                "lib", "dir 0755",
                "lib/app.jar", "file 0644 " + Digest.sha256("jar bytes".getBytes(UTF_8)).shortForm()),
                TreeSnapshot.of(target));
    }

    @Test
    void leadingSlashAndDotSlashAreDropped() {
        write("./config.yaml", "c");
        assertTrue(Files.isRegularFile(target.resolve("config.yaml")));
    }

    @Test
    void aTitleOutsideAsciiNamesTheFileByItsUtf8BytesInAnyLocale() throws IOException {
        // The tests run with LC_ALL=C: the JDK cannot turn such a title into a path by itself.
        write("café/日本.txt", "x");
        Path dir = FileNames.resolve(target, FileNames.fromText("café"));
        assertEquals(List.of(FileNames.fromText("日本.txt")), listRaw(dir));
        assertEquals(List.of(FileNames.fromText("café")), listRaw(target));
    }

    private static List<String> listRaw(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(FileNames::nameOf).toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"../evil", "a/../../evil", "", "/", ".", ".wh.app.jar", "dir/.wh..wh..opq"})
    void unsafeTitlesAreRefused(String title) {
        assertThrows(UnsafeArchiveException.class, () -> write(title, "x"));
        assertNothingWritten();
    }

    @Test
    void contentAboveTheLimitIsRefusedAndRemoved() {
        FileLayerWriter writer = new FileLayerWriter(new UnpackLimits(1000, 10, 100));
        UnsafeArchiveException e = assertThrows(UnsafeArchiveException.class,
                () -> writer.write(new ByteArrayInputStream(new byte[101]), target, "big.bin"));
        assertTrue(e.getMessage().contains("big.bin"), e.getMessage());
        assertNothingWritten();
    }

    @Test
    void nonEmptyTargetIsRefused() throws IOException {
        Files.writeString(target.resolve("existing"), "keep");
        LauncherException e = assertThrows(LauncherException.class, () -> write("app.jar", "x"));
        assertEquals(ExitCode.CACHE_IO, e.exitCode());
        assertEquals("keep", Files.readString(target.resolve("existing")));
    }

    private UnpackStats write(String title, String content) {
        return new FileLayerWriter().write(new ByteArrayInputStream(content.getBytes(UTF_8)), target, title);
    }

    private void assertNothingWritten() {
        assertEquals(Map.of(), TreeSnapshot.of(target));
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertEquals(List.of(target), siblings.toList());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
