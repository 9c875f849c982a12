package dev.launcher.cache.tree;

import dev.launcher.cache.CacheFailures;
import dev.launcher.cache.CachePaths;
import dev.launcher.cache.CacheStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a published layer entry can be trusted: its tree must match its index. At every use that means
 * the metadata check (milliseconds); the first use in a boot other than the one the tree was published in also
 * reads every file back, once per tree and boot, because only a reboot can have lost data the metadata does not
 * show. Inside one boot the page cache is the truth, even after kill -9.
 *
 * <p>{@link #check} reads only, apart from the "verified in this boot" marker beside the tree, so any number of
 * launchers may check the same entry at once. Removing a damaged entry is the caller's, under the digest's lock.
 *
 * <p>{@link #checkOrReindex}, called under that lock, also mends one kind of difference: every file's metadata
 * moved the way re-owning a volume moves it (ctimes, group bits; see {@link TreeCheck#reowned}) while the set of
 * paths, types, sizes and link targets is the same. The content then decides: read back, if it matches the CRCs,
 * the tree is what was published and gets a new index describing it as it is now. The new index replaces the old
 * one by one rename, so a kill leaves either: the old one makes the next start check and re-index again.
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
        return check(entry, depth, null);
    }

    /**
     * As {@link #check}, but a tree whose metadata changed only as re-owning changes it is read back and, if its
     * content matches, re-indexed and trusted. Only under the entry's digest lock: two launchers must not both
     * replace the index (and a lock-free {@link #check} meeting the replacement half-way sends its caller here).
     *
     * @param layer what the log line calls the entry
     */
    public Optional<TreeDamage> checkOrReindex(Path entry, Depth depth, String layer) {
        return check(entry, depth, layer);
    }

    /** {@code reindexAs}: null to only read; else the layer's name for the log, and a re-owned tree is re-indexed. */
    private Optional<TreeDamage> check(Path entry, Depth depth, String reindexAs) {
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
            return reindexAs == null ? Optional.of(difference(indexFile, tree)) : reindexIfReowned(entry, reindexAs, start);
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
        return orIndexDamage(TreeCheck.compare(tree, index).damage());
    }

    /** Nothing found entry by entry means the index disagrees with itself, which is damage to the index. */
    private static TreeDamage orIndexDamage(TreeDamage found) {
        return found != null ? found : TreeDamage.entry("it has an index whose metadata sum does not match its entries");
    }

    /**
     * For a tree already known to differ from its index, under the digest's lock: re-indexes it if only its
     * metadata moved the way re-owning moves it and its content still matches; else says what differs.
     */
    private Optional<TreeDamage> reindexIfReowned(Path entry, String layer, long start) {
        Path indexFile = CachePaths.indexIn(entry);
        Path tree = CachePaths.treeIn(entry);
        TreeIndex index;
        try {
            index = TreeIndex.read(indexFile);
        } catch (IOException e) {
            return Optional.of(unreadableIndex(e));
        }
        TreeCheck.Comparison found = TreeCheck.compare(tree, index);
        if (!found.onlyReowned()) {
            return Optional.of(orIndexDamage(found.damage()));
        }
        Optional<TreeDamage> damage = TreeCheck.content(tree, index);
        if (damage.isPresent()) {
            return damage;
        }
        // Read back in this boot, so the new index records this boot: no further read until the next reboot.
        TreeIndex now = TreeIndex.of(store.bootId(), found.now());
        try {
            Path temp = store.newTempFile();
            now.write(temp);
            beforeIndexReplaced.run();
            Files.move(temp, indexFile, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            // The content matches, so the tree is good for this start; the next one reads it back again.
            log.warn("layer {}: file metadata changed but content matches; could not write its new index ({}), so the"
                    + " next start reads the tree back again", layer, e instanceof IOException io ? CacheFailures.reason(io) : e.toString());
            return Optional.empty();
        }
        log.info("layer {}: file metadata changed (ctime/group bits, e.g. a volume re-owned by fsGroup) but content"
                + " matches; re-indexed ({} entries, read back in {} ms; one difference: {})", layer,
                now.entries().size(), (System.nanoTime() - start) / 1_000_000, found.damage());
        return Optional.empty();
    }

    /** For tests: runs between writing the new index to its temp file and renaming it over the old one. */
    Runnable beforeIndexReplaced = () -> {};

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
