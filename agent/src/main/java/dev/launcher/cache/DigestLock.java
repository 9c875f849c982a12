package dev.launcher.cache;

import dev.launcher.oci.Digest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Exclusive right to produce the cache entries of one digest, across threads and across processes sharing the
 * volume. It only saves work (N launchers starting together download a blob once): correctness never depends on
 * it, because publishing is an atomic rename of verified content.
 *
 * <p>Reentrant for the thread that holds it. Take it after any {@link Lease} you need, and hold one at a time
 * (or take several in digest order), so that two launchers never wait on each other.
 */
public final class DigestLock implements AutoCloseable {
    private final Digest digest;
    private final LockFile file;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DigestLock(Digest digest, LockFile file) {
        this.digest = digest;
        this.file = file;
    }

    static DigestLock acquire(Path lockPath, Digest digest) {
        LockFile file = openLockFile(lockPath);
        try {
            file.region(LockFile.WRITE).lock(false, "the lock on " + digest);
        } catch (RuntimeException e) {
            file.release();
            throw e;
        }
        return new DigestLock(digest, file);
    }

    static Optional<DigestLock> tryAcquire(Path lockPath, Digest digest) {
        LockFile file = openLockFile(lockPath);
        boolean held = false;
        try {
            held = file.region(LockFile.WRITE).tryLockExclusive();
        } catch (IOException e) {
            throw CacheFailures.io("lock", lockPath, e);
        } finally {
            if (!held) {
                file.release();
            }
        }
        return held ? Optional.of(new DigestLock(digest, file)) : Optional.empty();
    }

    static LockFile openLockFile(Path lockPath) {
        try {
            return LockFile.open(lockPath, true);
        } catch (IOException e) {
            throw CacheFailures.io("open lock file", lockPath, e);
        }
    }

    public Digest digest() {
        return digest;
    }

    /** Idempotent; must be called by the thread that acquired the lock if that thread locks the digest again. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            file.region(LockFile.WRITE).unlock();
            file.release();
        }
    }
}
