package dev.launcher.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeCleanerTest {
    @TempDir
    Path tmp;

    @Test
    void deleteContentsKeepsTheDirectoryAndDoesNotFollowLinks() throws IOException {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Files.writeString(outside.resolve("precious"), "keep");
        Path dir = Files.createDirectory(tmp.resolve("dir"));
        Files.createDirectories(dir.resolve("a/b"));
        Files.writeString(dir.resolve("a/b/f"), "f");
        Files.createSymbolicLink(dir.resolve("link"), outside);
        Files.createSymbolicLink(dir.resolve("a/abs"), outside.toAbsolutePath());
        Files.setPosixFilePermissions(dir.resolve("a/b"), PosixModes.permissions(0500));
        Files.setPosixFilePermissions(dir.resolve("a"), PosixModes.permissions(0000));

        TreeCleaner.deleteContents(dir);

        assertTrue(Files.isDirectory(dir));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList());
        }
        assertEquals("keep", Files.readString(outside.resolve("precious")));
    }

    @Test
    void deleteTreeRemovesAFileALinkOrNothing() throws IOException {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        Path target = Files.writeString(tmp.resolve("target"), "t");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), target);

        TreeCleaner.deleteTree(file);
        TreeCleaner.deleteTree(link);
        TreeCleaner.deleteTree(tmp.resolve("absent"));

        assertFalse(Files.exists(file));
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.exists(target));
    }
}
