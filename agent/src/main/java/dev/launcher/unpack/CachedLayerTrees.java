package dev.launcher.unpack;

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
    private final CacheStore cache;
    private final UnpackLimits limits;

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
    public static boolean isFileLayer(Descriptor layer) {
        return layer.title().isPresent() && !layer.isPackedDirectory();
    }

    public Path ensure(Descriptor layer, Path verifiedBlob) {
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
            }
            return cache.publishLayer(temp, key);
        }
    }
}
