package dev.launcher.unpack;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import dev.launcher.oci.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** A comparable description of a tree: per relative path its type, mode, content and link target. */
public final class TreeSnapshot {
    private TreeSnapshot() {}

    public static Map<String, String> of(Path root) {
        return of(root, false);
    }

    /** With {@code mtimes}, each line also carries the mtime in seconds (symlinks included). */
    public static Map<String, String> of(Path root, boolean mtimes) {
        Map<String, String> tree = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) { // does not follow links
            for (Path path : (Iterable<Path>) paths::iterator) {
                if (path.equals(root)) {
                    continue;
                }
                PosixFileAttributes attrs = Files.readAttributes(path, PosixFileAttributes.class, NOFOLLOW_LINKS);
                String line;
                if (attrs.isSymbolicLink()) {
                    line = "link -> " + Files.readSymbolicLink(path);
                } else if (attrs.isDirectory()) {
                    line = "dir " + mode(path);
                } else if (attrs.isRegularFile()) {
                    line = "file " + mode(path) + " " + Digest.sha256(Files.readAllBytes(path)).shortForm();
                } else {
                    line = "other";
                }
                if (mtimes) {
                    line += " @" + attrs.lastModifiedTime().toInstant().getEpochSecond();
                }
                tree.put(root.relativize(path).toString(), line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return tree;
    }

    /** Full st_mode bits below the file type: permissions plus setuid, setgid, sticky. */
    public static String mode(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", NOFOLLOW_LINKS);
            return String.format("%04o", mode & 07777);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
