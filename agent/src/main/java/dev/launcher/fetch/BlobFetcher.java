package dev.launcher.fetch;

import dev.launcher.cache.CacheStore;
import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.oci.Descriptor;
import dev.launcher.oci.Reference;
import dev.launcher.oci.RegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a verified blob into the cache: streamed from the registry into a temp file while it is hashed
 * and counted, published under its digest only after both matched. Under the per-digest lock, so
 * launchers starting together on one cache download each blob once.
 */
public final class BlobFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(BlobFetcher.class);
    private static final int BUFFER = 1 << 20;
    private final RegistryClient registry;
    private final CacheStore cache;
    private final boolean terminal;
    private final AtomicLong hashNanos = new AtomicLong();
    private final AtomicLong downloadedBytes = new AtomicLong();

    public BlobFetcher(RegistryClient registry, CacheStore cache, boolean terminal) {
        this.registry = registry;
        this.cache = cache;
        this.terminal = terminal;
    }

    public Path fetch(Reference ref, Descriptor blob) {
        Optional<Path> cached = cache.blob(blob.digest());
        if (cached.isPresent()) {
            return cached.get();
        }
        try (var lock = cache.lock(blob.digest())) {
            cached = cache.blob(blob.digest());
            if (cached.isPresent()) {
                LOG.debug("blob {} was fetched by another launcher while we waited", blob.digest().shortForm());
                return cached.get();
            }
            return download(ref, blob);
        }
    }

    private Path download(Reference ref, Descriptor blob) {
        Path temp = cache.newTempFile();
        var progress = new TransferProgress(System.err, blob.digest().shortForm(), blob.size(), terminal);
        try (InputStream raw = registry.openBlob(ref, blob.digest());
                var verifying = new VerifyingInputStream(raw, blob, ref.repositoryName());
                OutputStream out = Files.newOutputStream(temp)) {
            byte[] buffer = new byte[BUFFER];
            long done = 0;
            int n;
            while ((n = verifying.read(buffer, 0, buffer.length)) >= 0) {
                write(out, buffer, n, temp);
                done += n;
                progress.update(done);
            }
            hashNanos.addAndGet(verifying.hashNanos());
            downloadedBytes.addAndGet(done);
            progress.done(done);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new LauncherException(ExitCode.UNREACHABLE, "download of blob " + blob.digest()
                    + " from " + ref.repositoryName() + " failed: " + e.getMessage() + ": check the network and retry", e);
        } catch (RuntimeException e) {
            deleteQuietly(temp);
            throw e;
        }
        return cache.publishBlob(temp, blob.digest());
    }

    private static void write(OutputStream out, byte[] buffer, int n, Path temp) {
        try {
            out.write(buffer, 0, n);
        } catch (IOException e) {
            throw LauncherException.cacheIo("cannot write " + temp + " in the cache: " + e.getMessage()
                    + ": free space on the cache volume or point LAUNCHER_CACHE elsewhere", e);
        }
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // debris in our own temp dir is removed when the launcher exits
        }
    }

    /** Time spent hashing, summed over the blobs this fetcher downloaded. */
    public long hashNanos() {
        return hashNanos.get();
    }

    public long downloadedBytes() {
        return downloadedBytes.get();
    }
}
