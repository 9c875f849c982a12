package dev.launcher.assemble;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.launcher.config.AssemblyMode;
import dev.launcher.unpack.PosixModes;
import dev.launcher.unpack.TreeCleaner;
import dev.launcher.unpack.TreeSnapshot;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Link mode: every merging rule of copy mode (the inherited tests), and what differs: files are hard links to
 * read-only copies beside the tree, never to the tree, and a copy an app changed is not linked again.
 */
class LinkModeAssemblerTest extends AppAssemblerTest {
    @Override
    AssemblyMode mode() {
        return AssemblyMode.LINK;
    }

    /** As in copy mode, but files come without write bits: the copies they link to are read-only. */
    @Test
    @Override
    void modesAndMtimesAreKept() throws IOException {
        Path only = layer("only");
        write(only, "ro/tool", "t");
        Files.setPosixFilePermissions(only.resolve("ro/tool"), PosixModes.permissions(0750));
        Files.setLastModifiedTime(only.resolve("ro/tool"), OLD);
        Files.setPosixFilePermissions(only.resolve("ro"), PosixModes.permissions(0555));
        Files.setLastModifiedTime(only.resolve("ro"), OLD);

        Path app = assemble(only);

        assertEquals("0550", TreeSnapshot.mode(app.resolve("ro/tool")));
        assertEquals(OLD, Files.getLastModifiedTime(app.resolve("ro/tool")));
        assertEquals("0555", TreeSnapshot.mode(app.resolve("ro")));
        assertEquals(OLD, Files.getLastModifiedTime(app.resolve("ro"), NOFOLLOW_LINKS));
    }

    @Test
    void filesAreHardLinksToReadOnlyCopiesAndNeverToTheTree() throws IOException {
        Path only = layer("only");
        write(only, "lib/a.js", "a");
        FileTime treeCtime = ctime(only.resolve("lib/a.js"));

        Path app = assemble(only);

        Path copy = only.resolveSibling("links").resolve("lib/a.js");
        assertEquals(fileKey(copy), fileKey(app.resolve("lib/a.js")));
        assertNotEquals(fileKey(only.resolve("lib/a.js")), fileKey(app.resolve("lib/a.js")));
        assertEquals("0444", TreeSnapshot.mode(app.resolve("lib/a.js")));
        TreeCleaner.deleteTree(app);
        // The cache's check of the tree rests on ctimes: linking and unlinking must not have moved the tree's.
        assertEquals(treeCtime, ctime(only.resolve("lib/a.js")));
        assertEquals(1, (Integer) Files.getAttribute(only.resolve("lib/a.js"), "unix:nlink"));
    }

    @Test
    void aRewrittenFileIsNotSeenByTheNextContainer() throws IOException {
        nextContainerSeesTheOriginal(true, file -> io(() -> {
            Files.setPosixFilePermissions(file, PosixModes.permissions(0644)); // what a non-root owner would need
            Files.writeString(file, "CHANGED!"); // same size
            Files.setPosixFilePermissions(file, PosixModes.permissions(0444)); // as it was: only the mtime tells
        }));
    }

    @Test
    void aTruncatedFileIsNotSeenByTheNextContainer() throws IOException {
        nextContainerSeesTheOriginal(true, file -> io(() -> {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(0);
            }
        }));
    }

    @Test
    void aChmodIsNotSeenByTheNextContainer() throws IOException {
        nextContainerSeesTheOriginal(true, file -> io(() -> Files.setPosixFilePermissions(file, PosixModes.permissions(0777))));
    }

    @Test
    void aDeletedOrReplacedFileIsNotSeenByTheNextContainer() throws IOException {
        nextContainerSeesTheOriginal(false, file -> io(() -> {
            Files.delete(file);
            Files.writeString(file, "a new file of the app's own");
        }));
    }

    /**
     * An app (root here, so modes do not stop it) does {@code change} to one of its files; the next container gets
     * the original, copied from the tree, and the one after gets links again, to copies made anew.
     */
    private void nextContainerSeesTheOriginal(boolean reachesTheCopy, Consumer<Path> change) throws IOException {
        Path only = layer("only");
        write(only, "data/page.html", "original");
        write(only, "data/other.html", "other");
        Map<String, String> original = contents(assemble(only));
        Path app = only.getParent().getParent().resolve("first-app");
        assembler.assemble(List.of(only), app, "sha256:test", AssemblyMode.LINK);

        change.accept(app.resolve("data/page.html"));

        Path next = assemble(only);
        assertEquals(original, contents(next));
        assertEquals(reachesTheCopy ? "0644" : "0444", TreeSnapshot.mode(next.resolve("data/page.html")),
                reachesTheCopy ? "a private copy, with the tree's mode" : "the copy was untouched: linked");
        assertEquals("0444", TreeSnapshot.mode(next.resolve("data/other.html")), "still linked");
        Path afterThat = assemble(only);
        assertEquals(original, contents(afterThat));
        Path copy = only.resolveSibling("links").resolve("data/page.html");
        assertEquals(fileKey(copy), fileKey(afterThat.resolve("data/page.html")), "linked again, to a new copy");
    }

    @Test
    void onAnotherFileSystemFilesAreCopied(@TempDir Path unused) throws IOException {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "needs /dev/shm");
        assumeTrue(!Files.getFileStore(shm).equals(Files.getFileStore(tmp)), "needs /dev/shm on another file system");
        Path only = layer("only");
        write(only, "a", "a");
        Path app = Files.createTempDirectory(shm, "link-mode-app");
        try {
            TreeCleaner.deleteTree(app);
            assembler.assemble(List.of(only), app, "sha256:test", AssemblyMode.LINK);
            assertEquals(Map.of("a", "a"), contents(app));
            assertEquals(1, (Integer) Files.getAttribute(app.resolve("a"), "unix:nlink"));
            assertFalse(Files.exists(only.resolveSibling("links")), "no copies made that nothing can link to");
        } finally {
            TreeCleaner.deleteTree(app);
        }
    }

    @Test
    void copiesAreMadeOncePerTree() throws IOException {
        Path only = layer("only");
        write(only, "a", "a");
        assemble(only);
        Object first = fileKey(only.resolveSibling("links").resolve("a"));
        assemble(only);
        assertEquals(first, fileKey(only.resolveSibling("links").resolve("a")));
        try (var siblings = Files.list(only.getParent())) {
            assertEquals(List.of(".links.lock", "links", "tree"), siblings.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temp dir left beside the tree");
        }
        assertFalse(Files.exists(only.resolve("links")));
        assertTrue(Files.isDirectory(only.resolveSibling("links")));
    }

    private static FileTime ctime(Path file) throws IOException {
        return (FileTime) Files.getAttribute(file, "unix:ctime", NOFOLLOW_LINKS);
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void io(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
