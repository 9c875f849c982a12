package dev.launcher.unpack;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer on its own: what the unpacker relies on when it waits, stops or fails. */
class ParallelFileWriterTest {
    /** Longer than any Linux file system allows for one name, so creating it fails in the writer thread. */
    private static final String TOO_LONG = "n".repeat(300);

    @TempDir
    Path root;

    private final ParallelFileWriter writer = new ParallelFileWriter(ParallelFileWriter.THREADS,
            (name, e) -> LauncherException.cacheIo("writing entry '" + name + "' failed: " + e, e));

    @AfterEach
    void stopWriters() {
        writer.close(); // also when a test failed half-way, so no thread is left to disturb the next one
    }

    @Test
    void writesFilesWithModeAndMtime() throws IOException {
        Files.createDirectory(root.resolve("d"));
        writer.submit("d/f", root.resolve("d/f"), "content".getBytes(UTF_8), 0640, TarBuilder.MTIME);
        writer.awaitAll();
        writer.close();

        assertEquals("file 0640 " + sha("content") + " @" + TarBuilder.MTIME.toInstant().getEpochSecond(),
                TreeSnapshot.of(root, true).get("d/f"));
    }

    @Test
    void touchesPendingCoversTheNameAndItsAncestorsUntilAwaitAll() throws IOException {
        Files.createDirectory(root.resolve("d"));
        writer.submit("d/f", root.resolve("d/f"), new byte[1], 0644, TarBuilder.MTIME);

        assertTrue(writer.touchesPending("d/f"));
        assertTrue(writer.touchesPending("d/f/below"));
        assertFalse(writer.touchesPending("d"));
        assertFalse(writer.touchesPending("d/f2"));
        assertFalse(writer.touchesPending("d/f2/below"));
        writer.awaitAll();
        assertFalse(writer.touchesPending("d/f"));
        writer.close();
    }

    @Test
    void failureNamesItsOwnEntryAndDropsTheWritesQueuedBehindIt() throws IOException {
        Files.createDirectory(root.resolve("d"));
        writer.submit("d/" + TOO_LONG, root.resolve("d/" + TOO_LONG), new byte[1], 0644, TarBuilder.MTIME);
        for (int i = 0; i < 100; i++) { // same directory, so queued on the same thread behind the failing write
            submitQuietly("d/f" + i);
        }

        LauncherException e = assertThrows(LauncherException.class, writer::awaitAll);
        writer.close();

        assertEquals(ExitCode.CACHE_IO, e.exitCode());
        assertTrue(e.getMessage().startsWith("writing entry 'd/" + TOO_LONG + "' failed"), e.getMessage());
        assertEquals(List.of(), children(root.resolve("d")));
    }

    @Test
    void afterAFailureNothingMoreIsQueued() throws IOException {
        Files.createDirectory(root.resolve("d"));
        writer.submit("d/" + TOO_LONG, root.resolve("d/" + TOO_LONG), new byte[1], 0644, TarBuilder.MTIME);
        LauncherException first = assertThrows(LauncherException.class, writer::awaitAll);

        LauncherException again = assertThrows(LauncherException.class,
                () -> writer.submit("d/later", root.resolve("d/later"), new byte[1], 0644, TarBuilder.MTIME));
        writer.close();

        assertSame(first.getCause(), again.getCause());
        assertEquals(List.of(), children(root.resolve("d")));
    }

    @Test
    void closeReturnsOnlyOnceEveryWriterThreadHasEnded() throws Exception {
        for (int d = 0; d < 8; d++) {
            Files.createDirectory(root.resolve("d" + d));
            for (int f = 0; f < 30; f++) {
                writer.submit("d" + d + "/f" + f, root.resolve("d" + d + "/f" + f), new byte[100], 0644, TarBuilder.MTIME);
            }
        }

        writer.close(); // without awaitAll, as after a failure elsewhere

        assertEquals(List.of(), liveWriterThreads());
        List<Path> written = list(root);
        Thread.sleep(50);
        assertEquals(written, list(root), "nothing may be written once close has returned");
    }

    @Test
    void closeWithoutWritesStartsNoThread() {
        writer.close();
        assertEquals(List.of(), liveWriterThreads());
    }

    private void submitQuietly(String name) {
        try {
            writer.submit(name, root.resolve(name), new byte[1], 0644, TarBuilder.MTIME);
        } catch (LauncherException e) {
            // the failure ahead was seen already; the test looks at it through awaitAll
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.sorted().toList();
        }
    }

    private static List<Path> children(Path dir) throws IOException {
        try (Stream<Path> all = Files.list(dir)) {
            return all.toList();
        }
    }

    static List<String> liveWriterThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith(ParallelFileWriter.THREAD_NAME))
                .toList();
    }

    private static String sha(String content) {
        return Digest.sha256(content.getBytes(UTF_8)).shortForm();
    }
}
