package dev.launcher.cache.tree;

import dev.launcher.cache.CachePaths;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * For tests outside this package: what a published layer entry's index lists, and whether it describes its tree
 * exactly.
 */
public final class PublishedTrees {
    private PublishedTrees() {}

    /** Empty if the index's metadata sum, every entry and every CRC match the tree; else what differs. */
    public static Optional<String> mismatchWithIndex(Path entry) throws IOException {
        TreeIndex index = TreeIndex.read(CachePaths.indexIn(entry));
        Path tree = CachePaths.treeIn(entry);
        if (!index.metadataSum().equals(TreeCheck.metadataSum(tree))) {
            return Optional.of("metadata sum differs: " + TreeCheck.metadata(tree, index));
        }
        return TreeCheck.content(tree, index).map(TreeDamage::toString);
    }

    /** The paths in the entry's index, in its order ({@code "."} for the tree's root). */
    public static List<String> indexedPaths(Path entry) throws IOException {
        return TreeIndex.read(CachePaths.indexIn(entry)).entries().stream().map(TreeEntry::path).toList();
    }
}
