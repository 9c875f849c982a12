package dev.launcher.cache;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a published layer entry can be trusted: its tree must match its index. At every use that means
 * the metadata check (milliseconds); the first use in a boot other than the one the tree was published in also
 * reads every file back, once per tree and boot, because only a reboot can have lost data the metadata does not
 * show. Inside one boot the page cache is the truth, even after kill -9.
 *
 * <p>Reads only, apart from the "verified in this boot" marker beside the tree, so any number of launchers may
 * check the same entry at once. Removing a damaged entry is the caller's, under the digest's lock.
 */
public final class TreeVerifier {
    private static final Logger log = LoggerFactory.getLogger(TreeVerifier.class);

    /** How much to check. */
    public enum Depth {
        /** Metadata always; content when the tree comes from another boot and was not read back in this one yet. */
        AT_USE,
        /** Metadata and content, whatever the boot. */
        FULL
    }

    private final CacheStore store;

    public TreeVerifier(CacheStore store) {
        this.store = store;
    }

    /**
     * The first difference between the layer entry and its index, or empty if it can be trusted.
     *
     * @param entry a layer entry as {@link CacheStore#layer} returns it
     */
    public Optional<TreeDamage> check(Path entry, Depth depth) {
        long start = System.nanoTime();
        Path indexFile = CachePaths.indexIn(entry);
        TreeIndex.Header header;
        try {
            header = TreeIndex.readHeader(indexFile);
        } catch (NoSuchFileException e) {
            return Optional.of(TreeDamage.entry("it has no index"));
        } catch (IOException e) {
            return Optional.of(unreadableIndex(e));
        }
        Path tree = CachePaths.treeIn(entry);
        String sum;
        try {
            sum = TreeCheck.metadataSum(tree);
        } catch (IOException e) {
            sum = null; // the detailed comparison says what is missing or unreadable
        }
        if (!header.metadataSum().equals(sum)) {
            return Optional.of(difference(indexFile, tree));
        }
        String boot = store.bootId();
        Path marker = CachePaths.verifiedIn(entry);
        if (depth == Depth.AT_USE && (header.bootId().equals(boot) || VerifiedBoots.contains(marker, boot))) {
            log.debug("layer tree {} matches its index ({} µs)", entry.getFileName(), (System.nanoTime() - start) / 1000);
            return Optional.empty();
        }
        TreeIndex index;
        try {
            index = TreeIndex.read(indexFile);
        } catch (IOException e) {
            return Optional.of(unreadableIndex(e));
        }
        Optional<TreeDamage> damage = TreeCheck.content(tree, index);
        if (damage.isEmpty()) {
            recordVerified(marker, boot);
            log.info("read back layer tree {} ({} entries) in {} ms: its content matches the index{}", entry.getFileName(),
                    index.entries().size(), (System.nanoTime() - start) / 1_000_000,
                    depth == Depth.AT_USE ? " (first use since it was cached in another boot)" : "");
        }
        return damage;
    }

    /** Only for a tree already known to differ: parses the whole index to say where and how. */
    private static TreeDamage difference(Path indexFile, Path tree) {
        TreeIndex index;
        try {
            index = TreeIndex.read(indexFile);
        } catch (IOException e) {
            return unreadableIndex(e);
        }
        // Nothing found entry by entry: the index disagrees with itself, which is damage to the index.
        return TreeCheck.metadata(tree, index).orElseGet(() -> TreeDamage.entry("it has an index whose metadata sum"
                + " does not match its entries"));
    }

    private static TreeDamage unreadableIndex(IOException e) {
        return TreeDamage.entry("it has an unreadable index (" + CacheFailures.reason(e) + ")");
    }

    /**
     * Best effort: without the marker the next start reads the tree again, which costs time, never correctness.
     * If the entry was replaced meanwhile the marker may land on the new one, which was published in this boot
     * and so is not read back anyway.
     */
    private void recordVerified(Path marker, String boot) {
        try {
            VerifiedBoots.record(marker, boot, store.newTempFile());
        } catch (IOException | RuntimeException e) {
            log.debug("could not record that {} was verified in this boot", marker, e);
        }
    }
}
