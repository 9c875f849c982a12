package dev.launcher.cache.tree;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Describes a finished tree for its index. Run after the last write to the tree: the ctimes it records are the
 * ones every later check expects. Content sums come from the writer where it recorded them; a file without one is
 * read back from the page cache it was just written to.
 */
public final class TreeIndexer {
    private TreeIndexer() {}

    /** Indexes {@code tree} into {@code indexFile}: publishing needs the file only, so the index stays in this package. */
    public static void writeIndex(Path tree, String bootId, ContentSums written, Path indexFile) throws IOException {
        index(tree, bootId, written).write(indexFile);
    }

    static TreeIndex index(Path tree, String bootId, ContentSums written) throws IOException {
        List<TreeEntry> entries = Collections.synchronizedList(new ArrayList<>());
        TreeScan.scan(tree, (entry, file) -> entries.add(entry.type() == TreeEntry.Type.FILE ? withCrc(entry, file, written) : entry));
        return TreeIndex.of(bootId, entries);
    }

    private static TreeEntry withCrc(TreeEntry entry, Path file, ContentSums written) throws IOException {
        Integer crc = written.get(entry.path());
        return entry.withCrc(crc != null ? crc : ContentSum.of(file));
    }
}
