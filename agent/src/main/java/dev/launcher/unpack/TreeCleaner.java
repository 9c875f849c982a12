package dev.launcher.unpack;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * Removes trees that the launcher wrote. Layers may carry read-only directories (0555 is common
 * for {@code bin}), which would make an ordinary recursive delete fail for a non-root user, so
 * each directory is made owner-writable before it is emptied. Symlinks are removed, never
 * followed.
 */
public final class TreeCleaner {
    private static final Set<PosixFilePermission> OWNER_RWX = EnumSet.of(
            PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

    private TreeCleaner() {}

    /** Deletes {@code path} and, if it is a real directory, everything below it. Absent is fine. */
    public static void deleteTree(Path path) throws IOException {
        PosixFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (attrs.isDirectory()) {
            emptyDirectory(path, attrs);
        }
        Files.deleteIfExists(path);
    }

    /** Deletes everything inside {@code dir} but keeps {@code dir} itself (it may be a mount point). */
    public static void deleteContents(Path dir) throws IOException {
        emptyDirectory(dir, Files.readAttributes(dir, PosixFileAttributes.class));
    }

    private static void emptyDirectory(Path dir, PosixFileAttributes attrs) throws IOException {
        if (!attrs.permissions().containsAll(OWNER_RWX)) {
            Set<PosixFilePermission> writable = EnumSet.copyOf(OWNER_RWX);
            writable.addAll(attrs.permissions());
            Files.getFileAttributeView(dir, PosixFileAttributeView.class).setPermissions(writable);
        }
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                deleteTree(child);
            }
        }
    }
}
