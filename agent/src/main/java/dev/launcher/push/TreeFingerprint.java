package dev.launcher.push;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import dev.launcher.fs.FileNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Everything about a directory tree that its layer's bytes could depend on, short of reading the files: every
 * entry's name, type, mode, size, mtime and ctime, inode (hard links) and link target. As git's index and make
 * judge a file unchanged by its stat data, a push judges a directory unchanged when this value is. ctime is in it
 * because nobody can set it back: a file rewritten and given its old mtime ({@code touch -r}, {@code cp -p}) still
 * differs.
 *
 * @param value  a SHA-256 over all of the above, in path order
 * @param newest the newest mtime or ctime of any entry: a fingerprint taken within the timestamp granularity of a
 *               change cannot tell that change from the next one ({@link #settledBefore})
 */
record TreeFingerprint(String value, Instant newest) {
    private static final String ATTRIBUTES = "unix:mode,size,lastModifiedTime,ctime,ino,dev";
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;
    /** Coarser than every file system's timestamps we know of (FAT's 2 s). */
    private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** @param salt what else the layer's bytes depend on: the packer's version and settings */
    static TreeFingerprint of(Path root, String salt) throws IOException {
        List<String> lines = new ArrayList<>();
        long[] newest = {Long.MIN_VALUE};
        walk(root.toRealPath(), "", lines, newest);
        lines.sort(null);
        MessageDigest sha = sha256();
        sha.update(salt.getBytes(StandardCharsets.UTF_8));
        for (String line : lines) {
            sha.update((byte) 0);
            sha.update(line.getBytes(StandardCharsets.UTF_8));
        }
        return new TreeFingerprint(HexFormat.of().formatHex(sha.digest()), Instant.EPOCH.plusNanos(newest[0]));
    }

    /** Whether no entry changed within the timestamp granularity before {@code taken}, when the fingerprint was taken. */
    boolean settledBefore(Instant taken) {
        return newest.plusNanos(SETTLE_NANOS).isBefore(taken);
    }

    private static void walk(Path path, String rel, List<String> lines, long[] newest) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, ATTRIBUTES, NOFOLLOW_LINKS);
        long mtime = ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS);
        long ctime = ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS);
        newest[0] = Math.max(newest[0], Math.max(mtime, ctime));
        int mode = (Integer) a.get("mode");
        // The type from the mode bits already read (S_IFMT), rather than a stat per question.
        int type = mode & S_IFMT;
        String target = type == S_IFLNK ? FileNames.readSymlink(path) : "";
        // Names as raw text (FileNames), so a name that is not UTF-8 still has one spelling.
        lines.add(rel + '\0' + Integer.toOctalString(mode) + ' ' + a.get("size") + ' ' + mtime + ' ' + ctime + ' '
                + a.get("ino") + ' ' + a.get("dev") + '\0' + target);
        if (type == S_IFDIR) {
            try (DirectoryStream<Path> children = Files.newDirectoryStream(path)) {
                for (Path child : children) {
                    String name = FileNames.nameOf(child);
                    walk(child, rel.isEmpty() ? name : rel + "/" + name, lines, newest);
                }
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
