package dev.launcher.cache;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock file shared by every thread of this JVM, with one lock per byte ("region") of it. The OS half of a lock
 * excludes other processes; the in-JVM half here excludes other threads, which the OS lock cannot do.
 *
 * <p>Why exactly one channel per file per JVM: FileChannel locks are POSIX record locks on Linux, which belong to
 * the process, and closing <em>any</em> descriptor of a file drops all of the process's locks on it. A second
 * channel opened and closed by another thread (or by debris cleaning) would silently release our locks. The JVM
 * also refuses a second overlapping lock on one file from any thread (OverlappingFileLockException).
 *
 * <p>Why polling with tryLock instead of a blocking FileChannel.lock: an interrupt during a blocking lock closes
 * the channel (ClosedByInterruptException), which would release every other thread's lock on the file. tryLock is
 * not interruptible; the sleep between attempts is, and that turns into a clean failure.
 */
final class LockFile {
    private static final Logger log = LoggerFactory.getLogger(LockFile.class);
    private static final Map<Path, LockFile> OPEN = new HashMap<>(); // guarded by itself
    private static final long MAX_PAUSE_MILLIS = 50;

    /** Byte 0: exclusive "I am writing this entry" (DigestLock) and process liveness (owner locks). */
    static final int WRITE = 0;
    /** Byte 1: shared "I am reading this entry" (Lease); gc takes it exclusively to evict. */
    static final int LEASE = 1;

    private final Path path;
    private final FileChannel channel;
    private final Region[] regions = {new Region(WRITE), new Region(LEASE)};
    private int users; // guarded by OPEN

    private LockFile(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /**
     * Opens (or shares) the lock file; each call must be paired with {@link #release()}.
     *
     * @param create false for someone else's lock file, which must not be re-created once its owner deleted it
     */
    static LockFile open(Path path, boolean create) throws IOException {
        Path key = path.toAbsolutePath().normalize();
        synchronized (OPEN) {
            LockFile file = OPEN.get(key);
            if (file == null) {
                // READ for shared locks, WRITE for exclusive ones.
                FileChannel channel = create
                        ? FileChannel.open(key, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE)
                        : FileChannel.open(key, StandardOpenOption.READ, StandardOpenOption.WRITE);
                file = new LockFile(key, channel);
                OPEN.put(key, file);
            }
            file.users++;
            return file;
        }
    }

    /** Closes the channel once nobody in this JVM uses it; by then no region holds an OS lock. */
    void release() {
        synchronized (OPEN) {
            if (--users > 0) {
                return;
            }
            OPEN.remove(path);
            try {
                channel.close();
            } catch (IOException e) {
                log.debug("closing lock file {} failed", path, e);
            }
        }
    }

    Path path() {
        return path;
    }

    Region region(int index) {
        return regions[index];
    }

    /**
     * The in-JVM state of one byte's lock. holders &gt; 0 counts shared holders; holders &lt; 0 is an exclusive
     * hold, reentrant for its owner thread so that a nested lock of the same digest does not deadlock.
     */
    final class Region {
        private final long position;
        private int holders;
        private Thread owner;
        private boolean acquiring;
        private FileLock osLock;

        private Region(long position) {
            this.position = position;
        }

        /** Blocks until held; {@code what} names the lock for logs and errors. */
        void lock(boolean shared, String what) {
            Thread me = Thread.currentThread();
            synchronized (this) {
                while (true) {
                    if (shared && holders > 0) {
                        holders++;
                        return;
                    }
                    if (!shared && holders < 0 && owner == me) {
                        holders--;
                        return;
                    }
                    if (holders == 0 && !acquiring) {
                        break;
                    }
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        throw CacheFailures.interrupted(what, path, e);
                    }
                }
                // Only this thread talks to the OS for this region now; others wait for the outcome.
                acquiring = true;
            }
            FileLock acquired = null;
            try {
                acquired = pollOsLock(shared, what);
            } finally {
                synchronized (this) {
                    acquiring = false;
                    if (acquired != null) {
                        osLock = acquired;
                        holders = shared ? 1 : -1;
                        owner = shared ? null : me;
                    }
                    notifyAll();
                }
            }
        }

        /** Exclusive, never waits, never reentrant: false when anyone, in this JVM or another process, holds it. */
        synchronized boolean tryLockExclusive() throws IOException {
            if (holders != 0 || acquiring) {
                return false;
            }
            FileLock acquired = channel.tryLock(position, 1, false);
            if (acquired == null) {
                return false;
            }
            osLock = acquired;
            holders = -1;
            owner = Thread.currentThread();
            return true;
        }

        synchronized void unlock() {
            if (holders == 0) {
                throw new IllegalStateException("lock " + path + "[" + position + "] is not held");
            }
            holders += holders > 0 ? -1 : 1;
            if (holders != 0) {
                return;
            }
            owner = null;
            FileLock held = osLock;
            osLock = null;
            try {
                held.release();
            } catch (IOException e) {
                // The channel is gone, and with it the lock; nothing is left to release.
                log.debug("releasing {} failed", path, e);
            }
            notifyAll();
        }

        private FileLock pollOsLock(boolean shared, String what) {
            long pause = 1;
            boolean logged = false;
            while (true) {
                FileLock acquired;
                try {
                    acquired = channel.tryLock(position, 1, shared);
                } catch (IOException e) {
                    throw CacheFailures.io("lock", path, e);
                }
                if (acquired != null) {
                    if (logged) {
                        log.info("got {}", what);
                    }
                    return acquired;
                }
                if (!logged) {
                    log.info("another launcher holds {}; waiting", what);
                    logged = true;
                }
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException e) {
                    throw CacheFailures.interrupted(what, path, e);
                }
                pause = Math.min(pause * 2, MAX_PAUSE_MILLIS);
            }
        }
    }
}
