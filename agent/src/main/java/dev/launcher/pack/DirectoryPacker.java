package dev.launcher.pack;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import dev.launcher.error.LauncherException;
import dev.launcher.fs.FileNames;
import dev.launcher.oci.Digest;
import dev.launcher.unpack.PosixModes;
import dev.launcher.unpack.SymlinkTargets;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.Deflater;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packs a directory as a tar+gzip layer the way the {@code oras} CLI does (every entry under the
 * directory's own name), so {@code oras pull} users get the same layout as the launcher.
 *
 * <p>The bytes depend only on the tree's names, content, permission bits, symlinks and hard
 * links: entries are sorted, owners are 0 without names, every mtime is the same fixed instant,
 * and the gzip header has no timestamp or file name. Pushing an unchanged tree therefore gives
 * the same digest, so registries and every host's cache keep a single copy.
 */
public final class DirectoryPacker {
    private static final Logger log = LoggerFactory.getLogger(DirectoryPacker.class);
    /** https://reproducible-builds.org/specs/source-date-epoch/ */
    public static final String SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH";
    private static final int GZIP_OS_UNKNOWN = 255;

    private final FileTime mtime;

    /** @param mtime the mtime every entry gets */
    public DirectoryPacker(Instant mtime) {
        this.mtime = FileTime.from(mtime);
    }

    /**
     * What the bytes of a layer depend on besides the tree itself: this packer's format and its settings. Raise
     * {@code FORMAT} with any change to the bytes packing gives: a push reuses the layer an unchanged directory gave
     * before only while this is the same.
     */
    public String identity() {
        return "launcher-packer " + FORMAT + " mtime " + mtime.toInstant();
    }

    private static final int FORMAT = 1;

    /**
     * Entries get {@code SOURCE_DATE_EPOCH} as mtime when it is set, as reproducible build
     * tooling expects, and otherwise 1970-01-01: a constant, because the time of packing would
     * make every push a new digest.
     */
    public static DirectoryPacker fromEnvironment() {
        return new DirectoryPacker(mtimeFrom(System.getenv(SOURCE_DATE_EPOCH)));
    }

    static Instant mtimeFrom(String sourceDateEpoch) {
        if (sourceDateEpoch == null || sourceDateEpoch.isBlank()) {
            return Instant.EPOCH;
        }
        try {
            long seconds = Long.parseLong(sourceDateEpoch.trim());
            if (seconds >= 0) {
                return Instant.ofEpochSecond(seconds);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw LauncherException.usage(SOURCE_DATE_EPOCH + " must be a whole number of seconds since 1970-01-01, got '"
                + sourceDateEpoch + "'; fix or unset it");
    }

    /**
     * Writes {@code dir} to {@code out} as tar+gzip; {@code out} is flushed, not closed.
     *
     * @throws LauncherException USAGE if {@code dir} is not a directory or holds a symlink the
     *                           launcher would refuse to unpack; CACHE_IO if reading or writing fails
     */
    public PackResult pack(Path dir, OutputStream out) {
        return pack(dir, out, true);
    }

    /**
     * Like {@link #pack(Path, OutputStream)} but entries are relative to {@code dir} itself, so its
     * contents land at the root of the app dir; this is what {@code launcher push} makes of a directory.
     */
    public PackResult packContents(Path dir, OutputStream out) {
        return pack(dir, out, false);
    }

    private PackResult pack(Path dir, OutputStream out, boolean underOwnName) {
        Path root = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw LauncherException.usage("cannot pack " + dir + ": it is not a directory");
        }
        if (root.getFileName() == null) {
            throw LauncherException.usage("cannot pack the file system root; pack a named directory");
        }
        String title = root.getFileName().toString();
        MessageDigest tarHash = Digest.newSha256();
        Walk walk;
        try {
            GzipCompressorOutputStream gzip = new GzipCompressorOutputStream(new KeepOpen(out), gzipParameters());
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(
                    new DigestOutputStream(gzip, tarHash), StandardCharsets.UTF_8.name())) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                tar.setAddPaxHeadersForNonAsciiNames(true);
                walk = new Walk(root, underOwnName ? title : "", tar);
                walk.run();
            } // closing finishes tar and gzip; KeepOpen leaves out open
        } catch (IOException e) {
            throw LauncherException.cacheIo("packing " + dir + " failed: " + e + "; check that every file in it is readable", e);
        }
        PackResult result = new PackResult(title, Digest.of(tarHash),
                walk.entries, walk.contentBytes);
        log.debug("packed {} as '{}': {} entries, {} bytes, tar {}", dir, title, result.entries(),
                result.contentBytes(), result.tarDigest());
        return result;
    }

    private static GzipParameters gzipParameters() {
        GzipParameters parameters = new GzipParameters();
        parameters.setCompressionLevel(Deflater.DEFAULT_COMPRESSION);
        parameters.setModificationTime(0); // 0 means "no timestamp" in gzip
        parameters.setOperatingSystem(GZIP_OS_UNKNOWN); // the same bytes whichever OS packs
        return parameters;
    }

    /** One pass over the tree, parents before children, siblings by name. */
    private final class Walk {
        private final Path root;
        private final String title;
        private final TarArchiveOutputStream tar;
        /** Files with several names: inode to the entry name written first. */
        private final Map<Object, String> firstNames = new HashMap<>();
        long entries;
        long contentBytes;

        Walk(Path root, String title, TarArchiveOutputStream tar) {
            this.root = root;
            this.title = title;
            this.tar = tar;
        }

        void run() throws IOException {
            // The directory named on the command line may itself be a symlink; only what is inside is not followed.
            visit(root, "", Files.readAttributes(root, PosixFileAttributes.class));
        }

        private void visit(Path path, String rel, PosixFileAttributes attrs) throws IOException {
            String name = title.isEmpty() ? rel : rel.isEmpty() ? title : title + "/" + rel;
            int mode = PosixModes.mode(attrs.permissions());
            if (attrs.isDirectory()) {
                if (!name.isEmpty()) {
                    // Packed by contents, the root itself has no entry: the app dir's own mode is not the artifact's to set.
                    put(entry(name + "/", TarConstants.LF_DIR, mode), null);
                }
                for (Map.Entry<String, Path> child : sortedChildren(path).entrySet()) {
                    String childName = text(child.getKey(), rel);
                    visit(child.getValue(), rel.isEmpty() ? childName : rel + "/" + childName,
                            Files.readAttributes(child.getValue(), PosixFileAttributes.class, NOFOLLOW_LINKS));
                }
            } else if (attrs.isSymbolicLink()) {
                String target = text(FileNames.readSymlink(path), rel);
                if (!SymlinkTargets.staysInside(rel, target)) {
                    throw LauncherException.usage("cannot pack " + root + ": the symlink '" + rel + "' points to '" + target
                            + "', outside the directory, and the launcher refuses such links when unpacking;"
                            + " make it a relative link inside the directory or replace it with what it points to");
                }
                TarArchiveEntry entry = entry(name, TarConstants.LF_SYMLINK, 0777);
                entry.setLinkName(target);
                put(entry, null);
            } else if (attrs.isRegularFile()) {
                int links = (Integer) Files.getAttribute(path, "unix:nlink", NOFOLLOW_LINKS);
                String first = links > 1 ? firstNames.putIfAbsent(attrs.fileKey(), name) : null;
                if (first != null) {
                    TarArchiveEntry entry = entry(name, TarConstants.LF_LINK, mode);
                    entry.setLinkName(first);
                    put(entry, null);
                } else {
                    TarArchiveEntry entry = entry(name, TarConstants.LF_NORMAL, mode);
                    entry.setSize(attrs.size());
                    put(entry, path);
                    contentBytes += attrs.size();
                }
            } else {
                log.warn("not packing '{}' in {}: sockets, fifos and devices cannot be part of an app", rel, root);
            }
        }

        private TarArchiveEntry entry(String name, byte type, int mode) {
            TarArchiveEntry entry = new TarArchiveEntry(name, type);
            entry.setMode(mode);
            entry.setLastModifiedTime(mtime);
            entry.setIds(0, 0);
            entry.setNames("", "");
            return entry;
        }

        private void put(TarArchiveEntry entry, Path content) throws IOException {
            tar.putArchiveEntry(entry);
            if (content != null) {
                Files.copy(content, tar);
            }
            tar.closeArchiveEntry();
            entries++;
        }

        /** By raw name: sorted as bytes, the same order whatever the locale. */
        private SortedMap<String, Path> sortedChildren(Path dir) throws IOException {
            SortedMap<String, Path> children = new TreeMap<>();
            try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir)) {
                for (Path child : listing) {
                    children.put(FileNames.nameOf(child), child);
                }
            }
            return children;
        }

        /**
         * A raw name as the tar writer takes it: text, which it writes as UTF-8, in a PAX record where it is not
         * ASCII. A name that is not UTF-8 has no such form, and a PAX reader would be entitled to refuse it.
         */
        private String text(String raw, String where) {
            String text = FileNames.toText(raw);
            if (text == null) {
                throw LauncherException.usage("cannot pack " + root + ": the name '" + FileNames.display(raw) + "'"
                        + (where.isEmpty() ? "" : " in '" + FileNames.display(FileNames.fromText(where)) + "'")
                        + " is not valid UTF-8; rename it (convmv -f latin1 -t utf8 fixes names from Latin-1)");
            }
            return text;
        }
    }

    /** Lets the tar and gzip streams be closed (freeing the deflater) without closing the caller's stream. */
    private static final class KeepOpen extends FilterOutputStream {
        KeepOpen(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
