package dev.launcher.unpack;

import com.github.luben.zstd.util.Native;
import dev.launcher.cache.CacheStore;
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
 */
public final class CachedLayerTrees {
    private static final Logger LOG = LoggerFactory.getLogger(CachedLayerTrees.class);
    /** The system property zstd-jni reads for where to unpack its native library. */
    private static final String ZSTD_TEMP_FOLDER = "ZstdTempFolder";

    private final CacheStore cache;
    private final UnpackLimits limits;
    private boolean nativeDirSet;

    public CachedLayerTrees(CacheStore cache) {
        this(cache, UnpackLimits.defaults());
    }

    public CachedLayerTrees(CacheStore cache, UnpackLimits limits) {
        this.cache = cache;
        this.limits = limits;
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
     * The layer's tree: from the cache, else unpacked from {@code bytes} into a temp dir and published
     * under the tree key once {@code bytes} returned verified. Under the key's lock, so launchers starting
     * together on one cache download and unpack each layer once.
     */
    public Path ensure(Descriptor layer, LayerBytes bytes) {
        useCacheForNativeLibraries();
        Digest key = treeKey(layer);
        Optional<Path> tree = cache.layer(key);
        if (tree.isPresent()) {
            return tree.get();
        }
        try (var lock = cache.lock(key)) {
            tree = cache.layer(key);
            if (tree.isPresent()) {
                LOG.debug("layer {} was unpacked by another launcher while we waited", layer.digest().shortForm());
                return tree.get();
            }
            Path temp = cache.newTempDir();
            try {
                bytes.feed(in -> unpack(layer, in, temp));
            } catch (RuntimeException e) {
                ExtractedTree.discard(temp, layer.digest().toString());
                throw e;
            }
            return cache.publishLayer(temp, key);
        }
    }

    private void unpack(Descriptor layer, InputStream in, Path temp) {
        try {
            if (isFileLayer(layer)) {
                new FileLayerWriter(limits).write(in, temp, layer.title().orElseThrow());
            } else {
                new LayerUnpacker(limits).unpackTar(in, temp, "layer " + layer.digest());
            }
        } catch (LinkageError e) {
            throw LauncherException.cacheIo("cannot load the zstd library to unpack layer " + layer.digest() + ": "
                    + e.getMessage() + ": the cache volume must allow executable files (no noexec mount)", new IllegalStateException(e));
        }
    }
}
