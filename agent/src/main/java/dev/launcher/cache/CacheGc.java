package dev.launcher.cache;

import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the cache under a size limit by evicting least-recently-used blobs and layer trees. Safe to run while
 * other launchers use the cache, and in several processes at once: an entry that is leased, being produced, or
 * used since it was listed is skipped, never waited for.
 */
public final class CacheGc {
    private static final Logger log = LoggerFactory.getLogger(CacheGc.class);
    private static final Comparator<CacheEntry> LEAST_RECENTLY_USED_FIRST = Comparator
            .comparing(CacheEntry::lastUsed)
            // Same stamp: a blob before its layer tree, which is what launches actually read.
            .thenComparing(CacheEntry::kind)
            .thenComparing(CacheEntry::name);

    /**
     * @param kept entries left (busy ones included)
     * @param busy entries that should have gone but were in use
     * @param keptBytes bytes left, which exceeds the limit only when busy entries stood in the way
     */
    public record Result(int kept, int evicted, int busy, long keptBytes, long evictedBytes) {}

    private final CacheStore store;

    public CacheGc(CacheStore store) {
        this.store = store;
    }

    /** Evicts until blobs and layer trees take at most {@code maxBytes} (refs are tiny and never evicted). */
    public Result collect(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
        }
        List<CacheEntry> entries = new CacheListing(store.paths()).contentEntries().stream()
                .sorted(LEAST_RECENTLY_USED_FIRST)
                .toList();
        long total = entries.stream().mapToLong(CacheEntry::size).sum();
        int evicted = 0;
        int gone = 0;
        int busy = 0;
        long evictedBytes = 0;
        for (CacheEntry entry : entries) {
            if (total <= maxBytes) {
                break;
            }
            switch (store.evict(entry)) {
                case EVICTED -> {
                    evicted++;
                    evictedBytes += entry.size();
                    total -= entry.size();
                    log.debug("evicted {} {} ({} bytes, last used {})", entry.kind(), entry.name(), entry.size(), entry.lastUsed());
                }
                case GONE -> {
                    gone++;
                    total -= entry.size();
                }
                case BUSY -> {
                    busy++;
                    log.debug("kept {} {}: in use", entry.kind(), entry.name());
                }
            }
        }
        Result result = new Result(entries.size() - evicted - gone, evicted, busy, total, evictedBytes);
        if (evicted > 0 || busy > 0) {
            log.info("cache gc: evicted {} entries ({} bytes), kept {} ({} bytes), {} in use",
                    evicted, evictedBytes, result.kept(), total, busy);
        }
        return result;
    }
}
