package dev.launcher.cache;

import dev.launcher.error.LauncherException;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * Turns an I/O failure in the cache into exit 74 with a message that names the path and says what to do.
 * The advice is chosen from the failure, because "permission denied" and "read-only volume" need different fixes
 * from whoever runs the container.
 */
public final class CacheFailures {
    private static final String ELSEWHERE = "set " + CachePaths.ENV_VAR + " to a writable directory";

    private CacheFailures() {}

    /** {@code action} completes "cannot ..." and is followed by the path, e.g. "create cache directory". */
    static LauncherException io(String action, Path path, IOException e) {
        return LauncherException.cacheIo(
                "cannot " + action + " " + path + ": " + reason(e) + "; " + advice(path, e), e);
    }

    static LauncherException interrupted(String waitingFor, Path lockFile, Throwable cause) {
        // Keep the flag so the caller's own interrupt handling still sees it.
        Thread.currentThread().interrupt();
        return LauncherException.cacheIo(
                "interrupted while waiting for " + waitingFor + " (" + lockFile + "); nothing was changed, retry", cause);
    }

    public static String reason(IOException e) {
        return switch (e) {
            case ClosedByInterruptException _ -> "interrupted";
            case AccessDeniedException _ -> "permission denied";
            case NoSuchFileException _ -> "no such file or directory";
            case FileAlreadyExistsException _ -> "a file is already there";
            case NotDirectoryException _ -> "not a directory";
            case AtomicMoveNotSupportedException _ -> "not on the same filesystem as the cache's tmp/";
            case FileSystemException f when f.getReason() != null -> f.getReason();
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
    }

    private static String advice(Path path, IOException e) {
        String reason = reason(e);
        if (e instanceof ClosedByInterruptException) {
            return "the launcher is being stopped; nothing was published, retry";
        }
        if (isReadOnly(path, reason)) {
            return "the cache volume is read-only: mount it writable or " + ELSEWHERE;
        }
        if (e instanceof AccessDeniedException || reason.contains("Operation not permitted")) {
            return "the cache is not writable by user '" + System.getProperty("user.name")
                    + "': fix the volume's ownership/permissions or " + ELSEWHERE;
        }
        if (reason.contains("No space left") || reason.contains("Disk quota exceeded")) {
            return "the cache volume is full: run 'launcher cache gc', enlarge the volume or " + ELSEWHERE;
        }
        if (e instanceof AtomicMoveNotSupportedException) {
            return "keep the whole cache on one filesystem (do not mount over its subdirectories)";
        }
        if (e instanceof NotDirectoryException || e instanceof FileAlreadyExistsException
                || reason.contains("Not a directory")) {
            return "a file is in the way of a cache directory: remove it or " + ELSEWHERE;
        }
        return "check the cache volume or " + ELSEWHERE;
    }

    /**
     * The errno text is not the only evidence: it may be localized, so also ask the mount of the nearest existing
     * ancestor. Only called on a failure path, so the extra I/O costs nothing in the normal case.
     */
    private static boolean isReadOnly(Path path, String reason) {
        if (reason.contains("Read-only file system")) {
            return true;
        }
        for (Path p = path.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                try {
                    return Files.getFileStore(p).isReadOnly();
                } catch (IOException | RuntimeException ignored) {
                    return false;
                }
            }
        }
        return false;
    }
}
