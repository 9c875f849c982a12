package dev.launcher.unpack;

import com.github.luben.zstd.util.Native;
import dev.launcher.cache.CacheStore;
import dev.launcher.error.LauncherException;
import dev.launcher.oci.Descriptor;
import dev.launcher.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Verified blob → unpacked layer tree in the cache, published by renaming a finished temp dir, so a
 * tree under its final name is always complete.
 */
public final class CachedLayerTrees {
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

    /** A layer pushed as one file (oras CLI style): a title and no request to unpack it. */
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

    public static boolean isFileLayer(Descriptor layer) {
        return layer.title().isPresent() && !layer.isPackedDirectory();
    }

    public Path ensure(Descriptor layer, Path verifiedBlob) {
        useCacheForNativeLibraries();
        Digest key = treeKey(layer);
        Optional<Path> tree = cache.layer(key);
        if (tree.isPresent()) {
            return tree.get();
        }
        try (var lock = cache.lock(key)) {
            tree = cache.layer(key);
            if (tree.isPresent()) {
                return tree.get();
            }
            Path temp = cache.newTempDir();
            try (InputStream in = Files.newInputStream(verifiedBlob)) {
                if (isFileLayer(layer)) {
                    new FileLayerWriter(limits).write(in, temp, layer.title().orElseThrow());
                } else {
                    new LayerUnpacker(limits).unpackTar(in, temp, "layer " + layer.digest());
                }
            } catch (IOException e) {
                throw LauncherException.cacheIo("cannot unpack layer " + layer.digest() + " into " + temp + ": "
                        + e.getMessage() + ": check free space on the cache volume", e);
            } catch (LinkageError e) {
                throw LauncherException.cacheIo("cannot load the zstd library to unpack layer " + layer.digest() + ": "
                        + e.getMessage() + ": the cache volume must allow executable files (no noexec mount)", new IllegalStateException(e));
            }
            return cache.publishLayer(temp, key);
        }
    }
}
