package dev.launcher.resolve;

import dev.launcher.cache.CacheStore;
import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.oci.Digest;
import dev.launcher.oci.ImageManifest;
import dev.launcher.oci.ManifestParser;
import dev.launcher.oci.Reference;
import dev.launcher.registry.RegistryReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reference → verified manifest. A pinned digest that is cached needs no registry at all; a tag is
 * asked of the registry and remembered, so that when the registry is down its last digest still runs.
 */
public final class ManifestResolver {
    private static final Logger LOG = LoggerFactory.getLogger(ManifestResolver.class);
    private final RegistryReader registry;
    private final CacheStore cache;
    private final PlatformSelector platforms;

    public ManifestResolver(RegistryReader registry, CacheStore cache, PlatformSelector platforms) {
        this.registry = registry;
        this.cache = cache;
        this.platforms = platforms;
    }

    public ResolvedArtifact resolve(Reference ref) {
        if (ref.isPinned()) {
            Optional<byte[]> cached = cachedManifest(ref.digest());
            if (cached.isPresent()) {
                return finish(ref, ref.digest(), cached.get());
            }
            byte[] bytes = fetchVerified(ref, ref.digest());
            return finish(ref, ref.digest(), bytes);
        }
        byte[] bytes;
        try {
            bytes = registry.manifest(ref).bytes();
        } catch (LauncherException e) {
            if (e.exitCode() != ExitCode.UNREACHABLE && e.exitCode() != ExitCode.RETRIES_EXHAUSTED) {
                throw e;
            }
            return fallBackToLastKnown(ref, e);
        }
        Digest digest = Digest.sha256(bytes);
        LOG.info("resolved {} to {}", ref, digest);
        store(digest, bytes);
        cache.writeRef(ref.registry(), ref.repository(), ref.tag(), digest);
        return finish(ref, digest, bytes);
    }

    private ResolvedArtifact fallBackToLastKnown(Reference ref, LauncherException unreachable) {
        Optional<Digest> last = cache.readRef(ref.registry(), ref.repository(), ref.tag());
        Optional<byte[]> manifest = last.flatMap(this::cachedManifest);
        if (manifest.isEmpty()) {
            throw unreachable;
        }
        LOG.warn("registry {} is unreachable; running the last known digest {} of tag {} from the cache",
                ref.registry(), last.get(), ref.tag());
        return finish(ref, last.get(), manifest.get());
    }

    private ResolvedArtifact finish(Reference ref, Digest digest, byte[] bytes) {
        return switch (ManifestParser.parse(bytes, ref.toString())) {
            case ManifestParser.Image image -> new ResolvedArtifact(ref, digest, image.manifest());
            case ManifestParser.Index index -> {
                Digest chosen = platforms.choose(index, ref);
                LOG.info("{} is a multi-platform index; using the {} manifest {}", ref, platforms.describe(), chosen);
                Reference platformRef = ref.withDigest(chosen);
                Optional<byte[]> cached = cachedManifest(chosen);
                byte[] platformBytes = cached.isPresent() ? cached.get() : fetchVerified(platformRef, chosen);
                if (!(ManifestParser.parse(platformBytes, platformRef.toString()) instanceof ManifestParser.Image image)) {
                    throw LauncherException.integrity("index entry " + chosen + " of " + ref + " is itself an index; nested indexes are not supported");
                }
                yield new ResolvedArtifact(ref, digest, image.manifest());
            }
        };
    }

    private byte[] fetchVerified(Reference ref, Digest expected) {
        byte[] bytes = registry.manifest(ref.withDigest(expected)).bytes();
        Digest actual = expected.algorithm().equals("sha256") ? Digest.sha256(bytes) : null;
        if (actual == null || !actual.equals(expected)) {
            throw LauncherException.integrity("manifest of " + ref + " does not match its pinned digest " + expected
                    + " (got " + actual + "): the registry served other content; nothing was used");
        }
        store(expected, bytes);
        return bytes;
    }

    private Optional<byte[]> cachedManifest(Digest digest) {
        Optional<Path> path = cache.blob(digest);
        if (path.isEmpty()) {
            return Optional.empty();
        }
        try {
            byte[] bytes = Files.readAllBytes(path.get());
            // Small enough to re-verify on every start; a corrupted cache entry is refetched, not trusted.
            if (!Digest.sha256(bytes).equals(digest)) {
                LOG.warn("cached manifest {} is corrupt; fetching it again", digest);
                Files.deleteIfExists(path.get());
                return Optional.empty();
            }
            return Optional.of(bytes);
        } catch (IOException e) {
            throw LauncherException.cacheIo("cannot read cached manifest " + path.get() + ": " + e.getMessage(), e);
        }
    }

    private void store(Digest digest, byte[] bytes) {
        if (cache.blob(digest).isPresent()) {
            return;
        }
        Path temp = cache.newTempFile();
        try {
            Files.write(temp, bytes);
        } catch (IOException e) {
            throw LauncherException.cacheIo("cannot write " + temp + ": " + e.getMessage()
                    + ": free space on the cache volume or point LAUNCHER_CACHE elsewhere", e);
        }
        cache.publishBlob(temp, digest);
    }
}
