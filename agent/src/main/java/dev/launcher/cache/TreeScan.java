package dev.launcher.cache;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Walks a layer tree without following links, parents before children and names sorted, so the same tree always
 * gives the same sequence. One lstat per entry: the unix view hands mode (type included), size and ctime over in
 * one call, which keeps the check at every start to a few milliseconds for thousands of files.
 */
final class TreeScan {
    private static final String ATTRIBUTES = "unix:mode,size,ctime";
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;

    @FunctionalInterface
    interface Visitor {
        /** {@code file} is where {@code entry} is on disk; crc is not filled in. */
        void visit(TreeEntry entry, Path file) throws IOException;
    }

    private TreeScan() {}

    /** Throws NoSuchFileException if {@code tree} itself is missing; entries vanishing underneath also throw. */
    static void scan(Path tree, Visitor visitor) throws IOException {
        Deque<String> dirs = new ArrayDeque<>();
        TreeEntry root = entry(TreeEntry.ROOT, tree);
        visitor.visit(root, tree);
        if (root.type() == TreeEntry.Type.DIRECTORY) {
            dirs.push(TreeEntry.ROOT);
        }
        while (!dirs.isEmpty()) {
            String dir = dirs.pop();
            Path dirPath = dir.equals(TreeEntry.ROOT) ? tree : tree.resolve(dir);
            List<String> names = new ArrayList<>();
            try (DirectoryStream<Path> children = Files.newDirectoryStream(dirPath)) {
                for (Path child : children) {
                    names.add(child.getFileName().toString());
                }
            }
            names.sort(null);
            List<String> subdirs = new ArrayList<>();
            for (String name : names) {
                String rel = dir.equals(TreeEntry.ROOT) ? name : dir + "/" + name;
                Path file = dirPath.resolve(name);
                TreeEntry entry = entry(rel, file);
                visitor.visit(entry, file);
                if (entry.type() == TreeEntry.Type.DIRECTORY) {
                    subdirs.add(rel);
                }
            }
            for (int i = subdirs.size() - 1; i >= 0; i--) {
                dirs.push(subdirs.get(i)); // popped in name order
            }
        }
    }

    private static TreeEntry entry(String rel, Path file) throws IOException {
        Map<String, Object> attrs = Files.readAttributes(file, ATTRIBUTES, NOFOLLOW_LINKS);
        int mode = (Integer) attrs.get("mode");
        long ctime = ((FileTime) attrs.get("ctime")).to(TimeUnit.NANOSECONDS);
        TreeEntry.Type type = switch (mode & S_IFMT) {
            case S_IFDIR -> TreeEntry.Type.DIRECTORY;
            case S_IFREG -> TreeEntry.Type.FILE;
            case S_IFLNK -> TreeEntry.Type.SYMLINK;
            default -> TreeEntry.Type.OTHER;
        };
        long size = type == TreeEntry.Type.FILE ? (Long) attrs.get("size") : -1;
        String target = type == TreeEntry.Type.SYMLINK ? Files.readSymbolicLink(file).toString() : null;
        return new TreeEntry(rel, type, mode & 07777, size, ctime, 0, target);
    }
}
