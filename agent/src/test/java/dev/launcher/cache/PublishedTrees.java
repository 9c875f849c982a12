package dev.launcher.cache;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** For tests outside this package: whether a published layer entry's index describes its tree exactly. */
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
}
