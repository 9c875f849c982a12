package dev.launcher.cache.tree;

import dev.launcher.cache.CacheEntry;
import dev.launcher.cache.CacheListing;
import dev.launcher.cache.CacheStore;
import dev.launcher.cache.DigestLock;
import dev.launcher.cache.Lease;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code launcher cache verify}: every layer tree read back in full and compared with its index, whatever boot
 * it was published in, so it also finds what the check at use cannot see inside one boot (a same-size change
 * that bypassed the file system). Damaged trees are removed: the next start fetches their layers again. A tree
 * whose files were only re-owned (ctimes and group bits) and whose content matches is whole: it is re-indexed.
 *
 * <p>Safe beside starts and gc: each tree is leased while it is read (gc cannot evict it half-way), and removed
 * only under its digest's lock after a second check, so a tree another launcher replaced meanwhile stays.
 */
public final class CacheVerification {
    /** A tree that did not match its index. */
    public record DamagedTree(String name, TreeDamage damage) {}

    /** @param verified trees that matched their index; {@code damaged} ones were removed */
    public record Result(int verified, List<DamagedTree> damaged) {}

    private final CacheStore store;
    private final TreeVerifier verifier;

    public CacheVerification(CacheStore store) {
        this.store = store;
        this.verifier = new TreeVerifier(store);
    }

    /** @param onDamaged told about each damaged tree once it is removed, while the rest is still being read */
    public Result verifyAll(Consumer<DamagedTree> onDamaged) {
        int verified = 0;
        List<DamagedTree> damaged = new ArrayList<>();
        for (CacheEntry tree : new CacheListing(store.paths()).treeEntries(false)) {
            Optional<TreeDamage> damage = verifyOne(tree);
            if (damage.isEmpty()) {
                verified++;
            } else {
                DamagedTree found = new DamagedTree(tree.name(), damage.get());
                damaged.add(found);
                onDamaged.accept(found);
            }
        }
        return new Result(verified, List.copyOf(damaged));
    }

    private Optional<TreeDamage> verifyOne(CacheEntry tree) {
        try (Lease lease = store.lease(tree.digest())) {
            if (!present(tree.path())) {
                return Optional.empty(); // evicted since it was listed: nothing left to be wrong
            }
            if (verifier.check(tree.path(), TreeVerifier.Depth.FULL).isEmpty()) {
                return Optional.empty();
            }
            try (DigestLock lock = store.lock(tree.digest())) {
                Optional<TreeDamage> damage = present(tree.path())
                        ? verifier.checkOrReindex(tree.path(), TreeVerifier.Depth.FULL, tree.name()) : Optional.empty();
                if (damage.isPresent()) {
                    store.discardLayer(tree.digest());
                }
                return damage;
            }
        }
    }

    private static boolean present(Path entry) {
        return Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS);
    }
}
