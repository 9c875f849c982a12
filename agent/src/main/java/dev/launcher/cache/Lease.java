package dev.launcher.cache;

import dev.launcher.oci.Digest;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A shared claim that the blob and layer tree of one digest are in use; {@link CacheGc} never evicts a leased
 * entry. Any number of threads and processes can hold leases on a digest at once.
 *
 * <p>Take the lease <em>before</em> looking the entry up ({@code try (Lease l = store.lease(d)) { store.layer(d)...
 * }}): looked up first, the entry could be evicted between the look-up and the lease.
 */
public final class Lease implements AutoCloseable {
    private final Digest digest;
    private final LockFile file;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Lease(Digest digest, LockFile file) {
        this.digest = digest;
        this.file = file;
    }

    /** Waits only while a gc is evicting this very digest, which takes one rename. */
    static Lease acquire(Path lockPath, Digest digest) {
        LockFile file = DigestLock.openLockFile(lockPath);
        try {
            file.region(LockFile.LEASE).lock(true, "a lease on " + digest);
        } catch (RuntimeException e) {
            file.release();
            throw e;
        }
        return new Lease(digest, file);
    }

    public Digest digest() {
        return digest;
    }

    /** Idempotent; any thread may close it. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            file.region(LockFile.LEASE).unlock();
            file.release();
        }
    }
}
