package dev.launcher.unpack;

import com.github.luben.zstd.util.Native;
import dev.launcher.cache.CachePaths;
import dev.launcher.cache.CacheStore;
import dev.launcher.cache.tree.ContentSums;
import dev.launcher.cache.tree.TreeDamage;
import dev.launcher.cache.tree.TreeVerifier;
import dev.launcher.error.LauncherException;
import dev.launcher.oci.Descriptor;
import dev.launcher.oci.Digest;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Layer bytes → unpacked layer tree in the cache, published by renaming a finished temp dir once the
 * bytes proved to be the layer's, so a tree under its final name is always complete and verified. The
 * layer's blob itself is not kept: the tree is what every later start uses (containerd calls this
 * discarding unpacked layers), and keeping both would write every byte twice on the cold path.
 *
 * <p>A published tree is not trusted blindly: trees are not flushed to disk before publishing (that
 * would cost every cold pull), and the cache volume can be written by others. Each use checks the tree
 * against the index written with it ({@link TreeVerifier}); a tree that fails is removed and the layer
 * unpacked again from {@link LayerBytes}, as if it had never been cached. A tree whose files were only
 * re-owned (ctimes and group bits moved, as Kubernetes' fsGroup does at every mount) is read back instead and,
 * if its content matches, re-indexed and used ({@link TreeVerifier#checkOrReindex}).
 */
public final class CachedLayerTrees {
    private static final Logger LOG = LoggerFactory.getLogger(CachedLayerTrees.class);
    /** The system property zstd-jni reads for where to unpack its native library. */
    private static final String ZSTD_TEMP_FOLDER = "ZstdTempFolder";

    private final CacheStore cache;
    private final UnpackLimits limits;
    private final TreeVerifier verifier;
    private boolean nativeDirSet;

    public CachedLayerTrees(CacheStore cache) {
        this(cache, UnpackLimits.defaults());
    }

    public CachedLayerTrees(CacheStore cache, UnpackLimits limits) {
        this.cache = cache;
        this.limits = limits;
        this.verifier = new TreeVerifier(cache);
    }

    /**
     * The cache key of a layer's tree: the blob digest for a tar layer; for a single-file layer the
     * file's name is part of what is unpacked, so it is part of the key too.
     */
    public static Digest treeKey(Descriptor layer) {
        if (!isFileLayer(layer)) {
            return layer.digest();
        }
        return Digest.sha256(("file\0" + layer.title().orElseThrow() + "\0" + layer.digest()).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * zstd-jni unpacks its native library into java.io.tmpdir, which a read-only root file system does not
     * have; our own temp dir on the cache volume is writable whenever unpacking is possible at all.
     */
    private synchronized void useCacheForNativeLibraries() {
        if (!nativeDirSet && !Native.isLoaded()) {
            System.setProperty(ZSTD_TEMP_FOLDER, cache.newTempDir().toString());
        }
        nativeDirSet = true;
    }

    /** A layer pushed as one file (oras CLI style): a title and no request to unpack it. */
    public static boolean isFileLayer(Descriptor layer) {
        return layer.title().isPresent() && !layer.isPackedDirectory();
    }

    /** Where a layer's bytes come from: the registry as they are verified, or the cache. */
    @FunctionalInterface
    public interface LayerBytes {
        /**
         * Hands the layer's bytes to {@code unpack} and returns once all of them were read and verified;
         * throws if they were not, in which case what {@code unpack} wrote is thrown away.
         */
        void feed(Consumer<InputStream> unpack);
    }

    /**
     * The layer's tree: from the cache if it matches its index, else unpacked from {@code bytes} into a
     * temp dir and published under the tree key once {@code bytes} returned verified. Under the key's
     * lock, so launchers starting together on one cache download and unpack each layer once.
     *
     * <p>Only the holder of the lock removes or publishes the entry, and it checks again under the lock
     * first: a launcher that found a damaged tree while another was already replacing it then finds the
     * replacement and uses it. The first check is made without the lock, so a good tree (the usual case)
     * costs no locking, and launchers checking one tree at once do not wait for each other.
     */
    public Path ensure(Descriptor layer, LayerBytes bytes) {
        useCacheForNativeLibraries();
        Digest key = treeKey(layer);
        Optional<Path> entry = cache.layer(key);
        if (entry.isPresent() && verifier.check(entry.get(), TreeVerifier.Depth.AT_USE).isEmpty()) {
            return CachePaths.treeIn(entry.get());
        }
        try (var lock = cache.lock(key)) {
            entry = cache.layer(key);
            if (entry.isPresent()) {
                Optional<TreeDamage> damage = verifier.checkOrReindex(entry.get(), TreeVerifier.Depth.AT_USE, layer.digest().toString());
                if (damage.isEmpty()) {
                    LOG.debug("layer {}: the cached tree is whole (unpacked or re-indexed by another launcher while we"
                            + " waited, or re-indexed just now)", layer.digest().shortForm());
                    return CachePaths.treeIn(entry.get());
                }
                LOG.warn("layer {}: the cached tree is damaged: {}; removing it and fetching the layer again",
                        layer.digest(), damage.get());
                cache.discardLayer(key);
            }
            Path temp = cache.newLayerEntry();
            ContentSums sums = new ContentSums();
            try {
                bytes.feed(in -> unpack(layer, in, CachePaths.treeIn(temp), sums));
            } catch (RuntimeException e) {
                ExtractedTree.discard(temp, layer.digest().toString());
                throw e;
            }
            return CachePaths.treeIn(cache.publishLayer(temp, key, sums));
        }
    }

    /** {@code sums} gets the CRC32C of each file as it is written, which spares the index reading the tree back. */
    private void unpack(Descriptor layer, InputStream in, Path temp, ContentSums sums) {
        try {
            if (isFileLayer(layer)) {
                new FileLayerWriter(limits).write(in, temp, layer.title().orElseThrow(), sums);
            } else {
                new LayerUnpacker(limits).unpackTar(in, temp, "layer " + layer.digest(), sums);
            }
        } catch (LinkageError e) {
            throw LauncherException.cacheIo("cannot load the zstd library to unpack layer " + layer.digest() + ": "
                    + e.getMessage() + ": the cache volume must allow executable files (no noexec mount)", new IllegalStateException(e));
        }
    }
}
