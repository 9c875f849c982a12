package dev.launcher.cache;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/** Deleting and measuring file trees that other processes may be deleting at the same time. */
final class Trees {
    private Trees() {}

    /**
     * Deletes a file or tree without following symlinks. Tolerates parts vanishing underneath (another cleaner got
     * there first). Layer trees may contain read-only directories (their modes come from the archive), which a
     * non-root user cannot empty, so those are made writable first.
     */
    static void deleteRecursively(Path root) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(root, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!attrs.isDirectory()) {
            Files.deleteIfExists(root);
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) {
                makeOwnerWritable(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                if (e instanceof AccessDeniedException && Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                    // An unreadable directory (mode 0 from an archive): make it usable, then go again.
                    makeOwnerWritable(file);
                    deleteRecursively(file);
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Bytes in the regular files of a tree (or the size of a file); symlinks count as nothing. */
    static long size(Path root) throws IOException {
        long[] total = {0};
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                if (a.isRegularFile()) {
                    total[0] += a.size();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (file.equals(root)) {
                    throw e;
                }
                // Unreadable or vanished inside the tree: count what can be seen.
                return FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }

    static void makeOwnerWritable(Path dir) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
            if (perms.add(PosixFilePermission.OWNER_WRITE) | perms.add(PosixFilePermission.OWNER_EXECUTE)
                    | perms.add(PosixFilePermission.OWNER_READ)) {
                Files.setPosixFilePermissions(dir, perms);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // Not ours or not POSIX: the delete that follows reports the real problem.
        }
    }
}
