package dev.launcher.unpack;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.WRITE;

import dev.launcher.cache.tree.ContentSums;
import dev.launcher.error.LauncherException;
import dev.launcher.fs.FileNames;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tree being written for one layer, and the rules that keep every write inside it.
 *
 * <p>The target starts empty and only this class writes to it, so it remembers every directory
 * and symlink it made; regular files are the only thing on disk it does not track. From that:
 * a path is written only below directories it created itself (never through a symlink, checked
 * against this record rather than by asking the file system for each entry), a path that
 * already exists is removed before it is replaced, and new files are opened with
 * {@code CREATE_NEW} and {@code NOFOLLOW_LINKS} so the final component cannot be a link either.
 *
 * <p>Small files may be written by {@link ParallelFileWriter} after this class has made their
 * directory ({@link #clearForNonDirectory}); every other change is made here, on the tar thread.
 *
 * <p>Writers record the CRC32C of what they write in {@link #sums()}, for the cache's index. Every
 * non-directory is created through {@link #clearForNonDirectory}, which forgets the name's sum, so a
 * sum never outlives the content it was computed from.
 */
final class ExtractedTree {
    private static final Logger log = LoggerFactory.getLogger(ExtractedTree.class);
    private static final int IMPLICIT_DIR_MODE = 0755;
    private static final Set<OpenOption> NEW_FILE = Set.of(CREATE_NEW, WRITE, NOFOLLOW_LINKS);

    /** Mode and mtime to give a directory once all its children are written; null mtime: leave it. */
    private record DirMeta(int mode, FileTime mtime) {}

    private static final DirMeta IMPLICIT = new DirMeta(IMPLICIT_DIR_MODE, null);

    private final Path root;
    private final String layer;
    private final ContentSums sums;
    /**
     * Every directory made so far (the root excluded); a directory's ancestors are always here
     * too. Sorted, so that the names below a directory are one range: replacing a directory must
     * not cost a scan of the whole tree, or an archive replacing many could stall the unpack.
     */
    private final NavigableMap<String, DirMeta> dirs = new TreeMap<>();
    /** Every symlink made so far: path to target. */
    private final NavigableMap<String, String> symlinks = new TreeMap<>();

    ExtractedTree(Path root, String layer, ContentSums sums) {
        this.root = root;
        this.layer = layer;
        this.sums = sums;
    }

    ContentSums sums() {
        return sums;
    }

    /** The target must be empty: this class only knows what it wrote itself. */
    static void requireEmpty(Path dir, String layer) {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            if (children.iterator().hasNext()) {
                throw LauncherException.cacheIo("cannot unpack layer " + layer + " into " + dir
                        + ": the directory is not empty; unpack into a fresh directory", null);
            }
        } catch (IOException e) {
            throw LauncherException.cacheIo("cannot unpack layer " + layer + " into " + dir + ": " + e
                    + "; the target must be an existing, empty, writable directory", e);
        }
    }

    /** Empties a target after a failure, so a half-written layer is never mistaken for a complete one. */
    static void discard(Path dir, String layer) {
        try {
            TreeCleaner.deleteContents(dir);
        } catch (IOException | RuntimeException e) {
            log.warn("could not clean up the partly written layer {} in {}: {}", layer, dir, e.toString());
        }
    }

    /** Opens a new regular file at {@code name}, replacing whatever an earlier entry put there. */
    OutputStream newFile(String name) throws IOException {
        return createFile(clearForNonDirectory(name));
    }

    /**
     * Creates a regular file where {@link #clearForNonDirectory} made room. Anything still there
     * is a regular file or hard link from an earlier entry: directories and symlinks are tracked
     * and already gone.
     */
    static OutputStream createFile(Path path) throws IOException {
        return Channels.newOutputStream(openNew(path));
    }

    /** Opens a new regular file at {@code name} for writes at any position, as {@link #newFile} does otherwise. */
    FileChannel newChannel(String name) throws IOException {
        return openNew(clearForNonDirectory(name));
    }

    private static FileChannel openNew(Path path) throws IOException {
        try {
            return FileChannel.open(path, NEW_FILE);
        } catch (FileAlreadyExistsException e) {
            Files.delete(path);
            return FileChannel.open(path, NEW_FILE);
        }
    }

    /** Where the entry {@code name} is on disk. */
    Path path(String name) {
        return FileNames.resolve(root, name);
    }

    /** Gives a file written by {@link #newFile} its mode and mtime. */
    void finishFile(String name, int mode, FileTime mtime) throws IOException {
        finishFile(path(name), mode, mtime);
    }

    static void finishFile(Path path, int mode, FileTime mtime) throws IOException {
        setMtime(path, mtime);
        Files.setPosixFilePermissions(path, PosixModes.permissions(mode));
    }

    /** True if an earlier entry made {@code name} a directory (replacing it deletes what is below). */
    boolean isDirectory(String name) {
        return dirs.containsKey(name);
    }

    /** True if an earlier entry made {@code name} a symlink. */
    boolean isSymlink(String name) {
        return symlinks.containsKey(name);
    }

    /**
     * Sets the mtime of the entry itself, also of a symlink. The JDK opens the entry to do so,
     * which is why callers set times before a mode that could forbid a non-root owner to open it.
     * The atime is set too: leaving it alone would cost a stat per file to read it first.
     */
    static void setMtime(Path path, FileTime mtime) throws IOException {
        Files.getFileAttributeView(path, BasicFileAttributeView.class, NOFOLLOW_LINKS).setTimes(mtime, mtime, null);
    }

    void directory(String name, int mode, FileTime mtime) throws IOException {
        DirMeta meta = new DirMeta(mode, mtime);
        if (dirs.containsKey(name)) {
            dirs.put(name, meta); // a later entry for the same directory: its metadata wins
            return;
        }
        Path path = ensureParent(name);
        if (symlinks.remove(name) != null) {
            Files.delete(path);
        }
        try {
            Files.createDirectory(path);
        } catch (FileAlreadyExistsException e) {
            Files.delete(path);
            Files.createDirectory(path);
        }
        dirs.put(name, meta);
    }

    void symlink(String name, String target, FileTime mtime) throws IOException {
        if (!SymlinkTargets.staysInside(name, target, symlinks)) {
            throw Refusal.entry(layer, name, "is a symlink to '" + FileNames.display(target) + "', which leads outside the layer"
                    + (target.startsWith("/") ? " (absolute targets are not allowed)" : ""));
        }
        Path path = clearForNonDirectory(name);
        try {
            FileNames.createSymlink(path, target);
        } catch (FileAlreadyExistsException e) {
            Files.delete(path);
            FileNames.createSymlink(path, target);
        }
        symlinks.put(name, target);
        setMtime(path, mtime);
    }

    /**
     * Makes {@code name} a second name of the regular file or symlink {@code target} written earlier in this layer.
     * A hard link to a symlink is a second symlink with the same target (link(2) does not follow it, as in GNU tar),
     * so it must stay inside the layer from where it is too.
     */
    void hardLink(String name, String target) throws IOException {
        String shown = FileNames.display(target);
        if (target.isEmpty() || dirs.containsKey(target)) {
            throw Refusal.entry(layer, name, "is a hard link to '" + shown + "', which is not a regular file or symlink of this layer");
        }
        String targetParent = EntryNames.parentOf(target);
        if (!targetParent.isEmpty() && !dirs.containsKey(targetParent)) {
            throw Refusal.entry(layer, name, "is a hard link to '" + shown
                    + "', which was not extracted before it or lies behind a symlink");
        }
        if (EntryNames.isAtOrBelow(target, name)) {
            throw Refusal.entry(layer, name, "is a hard link to '" + shown + "', which it would replace");
        }
        String linkTarget = symlinks.get(target);
        if (linkTarget != null && !SymlinkTargets.staysInside(name, linkTarget, symlinks)) {
            throw Refusal.entry(layer, name, "is a hard link to the symlink '" + shown + "' -> '"
                    + FileNames.display(linkTarget) + "', which leads outside the layer from where the hard link is");
        }
        Path targetPath = path(target);
        try {
            if (linkTarget == null && !Files.readAttributes(targetPath, BasicFileAttributes.class, NOFOLLOW_LINKS).isRegularFile()) {
                throw Refusal.entry(layer, name, "is a hard link to '" + shown + "', which is not a regular file");
            }
        } catch (NoSuchFileException e) {
            throw Refusal.entry(layer, name, "is a hard link to '" + shown + "', which was not extracted before it");
        }
        Path path = clearForNonDirectory(name);
        try {
            Files.createLink(path, targetPath);
        } catch (FileAlreadyExistsException e) {
            Files.delete(path);
            Files.createLink(path, targetPath);
        }
        if (linkTarget != null) {
            symlinks.put(name, linkTarget);
        } else {
            sums.link(name, target);
        }
    }

    /**
     * Checks every symlink again against the final tree: a link added later can turn an earlier,
     * harmless-looking one into an escape ({@code x -> sub/up/..} first, {@code sub/up -> ..}
     * after). Then gives directories their modes and mtimes, deepest first, so a read-only
     * directory could not block writing its own children and writing children cannot disturb a
     * parent's mtime.
     */
    void finish() throws IOException {
        for (Map.Entry<String, String> link : symlinks.entrySet()) {
            if (!SymlinkTargets.staysInside(link.getKey(), link.getValue(), symlinks)) {
                throw Refusal.entry(layer, link.getKey(), "is a symlink to '" + FileNames.display(link.getValue())
                        + "', which leads outside the layer through other symlinks of the layer");
            }
        }
        // A parent is a prefix of its children, so in descending order it comes after them.
        for (Map.Entry<String, DirMeta> dir : dirs.descendingMap().entrySet()) {
            DirMeta meta = dir.getValue();
            Path path = path(dir.getKey());
            if (meta.mtime() != null) {
                setMtime(path, meta.mtime());
            }
            Files.setPosixFilePermissions(path, PosixModes.permissions(meta.mode()));
        }
    }

    /** Makes room for a non-directory at {@code name}: parent made, an earlier directory or symlink there removed. */
    Path clearForNonDirectory(String name) throws IOException {
        sums.forget(name);
        Path path = ensureParent(name);
        if (dirs.containsKey(name)) {
            TreeCleaner.deleteTree(path);
            forgetAtOrBelow(name);
        } else if (symlinks.remove(name) != null) {
            Files.delete(path); // removes the link itself, never its target
        }
        return path;
    }

    private Path ensureParent(String name) throws IOException {
        String parent = EntryNames.parentOf(name);
        if (!parent.isEmpty() && !dirs.containsKey(parent)) {
            int from = 0;
            while (true) {
                int slash = parent.indexOf('/', from);
                String prefix = slash < 0 ? parent : parent.substring(0, slash);
                if (!dirs.containsKey(prefix)) {
                    makeImplicitDirectory(prefix, name);
                }
                if (slash < 0) {
                    break;
                }
                from = slash + 1;
            }
        }
        return path(name);
    }

    private void makeImplicitDirectory(String dir, String forEntry) throws IOException {
        if (symlinks.containsKey(dir)) {
            throw Refusal.entry(layer, forEntry, "would be written through the symlink '" + FileNames.display(dir) + "'");
        }
        Path path = path(dir);
        try {
            Files.createDirectory(path);
        } catch (FileAlreadyExistsException e) {
            boolean link = Files.isSymbolicLink(path);
            throw Refusal.entry(layer, forEntry, link
                    ? "would be written through the symlink '" + FileNames.display(dir) + "'"
                    : "needs '" + FileNames.display(dir) + "' to be a directory, but an earlier entry made it a file");
        }
        dirs.put(dir, IMPLICIT);
    }

    private void forgetAtOrBelow(String name) {
        dirs.remove(name);
        symlinks.remove(name);
        // '0' follows '/' in ASCII: [name/, name0) is exactly the names below name.
        dirs.subMap(name + "/", name + "0").clear();
        symlinks.subMap(name + "/", name + "0").clear();
    }
}
