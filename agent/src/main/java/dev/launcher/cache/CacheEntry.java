package dev.launcher.cache;

import dev.launcher.oci.Digest;
import java.nio.file.Path;
import java.time.Instant;

/**
 * One thing in the cache, as {@code launcher cache ls} shows it.
 *
 * @param digest the entry's own digest; for a ref, the digest the tag points to
 * @param name the digest for blobs and layers (with {@link CacheListing#LEGACY} for a tree of an earlier version);
 *     {@code registry/repository:tag} for refs
 * @param size bytes of the blob, of the regular files in a layer entry (its tree, index and marker), or of the ref file
 * @param lastUsed the LRU stamp; for a ref, when it was last written
 */
public record CacheEntry(Kind kind, Digest digest, String name, Path path, long size, Instant lastUsed) {
    public enum Kind {
        BLOB,
        LAYER,
        REF
    }
}
