package dev.launcher.cache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's private temp dir {@code tmp/<id>/} and the cleaning of dead processes' ones.
 *
 * <p>Liveness is an exclusive lock on {@code tmp/<id>.lock}, held for the owner's lifetime. The kernel drops it
 * when the process dies however it dies (kill -9, OOM kill, container stop), in any PID namespace, so "the lock can
 * be taken" means "the owner is dead"; PIDs would mean nothing across containers.
 *
 * <p>Ordering keeps that true: the owner locks the file before creating the dir, and a cleaner deletes the dir
 * before the lock file. So a dir with no lock file is garbage, and a lock file can only be missing for a live
 * owner in the instant before the owner locks it, which the owner detects (see {@link #create}).
 */
final class TempSpace implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TempSpace.class);
    private static final String LOCK_SUFFIX = ".lock";

    private final CachePaths paths;
    private final String id;
    private final Path dir;
    private final LockFile ownerLock;
    private final AtomicLong names = new AtomicLong();
    private boolean closed; // guarded by this

    private TempSpace(CachePaths paths, String id, LockFile ownerLock) {
        this.paths = paths;
        this.id = id;
        this.dir = paths.ownerDir(id);
        this.ownerLock = ownerLock;
    }

    /** Throws IOException for the caller to explain: this is the first write to the volume. */
    static TempSpace create(CachePaths paths) throws IOException {
        for (int attempt = 1; ; attempt++) {
            String id = newId();
            Path lockPath = paths.ownerLock(id);
            LockFile file = LockFile.open(lockPath, true);
            LockFile.Region liveness = file.region(LockFile.WRITE);
            boolean locked = false;
            boolean ours = false;
            try {
                locked = liveness.tryLockExclusive();
                // A cleaner may lock and delete our brand-new file before we lock it; then we would hold a lock on
                // a deleted file, which proves nothing. Nobody re-creates a deleted lock file, so if it still
                // exists once locked, it is ours.
                if (locked && Files.exists(lockPath)) {
                    Files.createDirectory(paths.ownerDir(id));
                    ours = true;
                    return new TempSpace(paths, id, file);
                }
            } finally {
                if (!ours) {
                    if (locked) {
                        Files.deleteIfExists(lockPath);
                        liveness.unlock();
                    }
                    file.release();
                }
            }
            if (attempt == 3) {
                throw new IOException("could not claim a temp dir in " + paths.tmpDir() + " in " + attempt + " attempts");
            }
        }
    }

    private static String newId() {
        // Truly random (SecureRandom, which createTempFile needs anyway): a time-seeded generator could repeat in
        // two containers started at the same instant. A clash would still be caught by the lock, never shared.
        return UUID.randomUUID().toString().replace("-", "");
    }

    String id() {
        return id;
    }

    Path dir() {
        return dir;
    }

    /**
     * Readable by all: after publishing, other launchers on the volume may run as other users. Files get 0644 and
     * dirs 0755 explicitly because createTemp* makes them private.
     */
    Path newFile() throws IOException {
        Path file = Files.createTempFile(requireOpen(), "file-", ".tmp");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        return file;
    }

    Path newDir() throws IOException {
        Path created = Files.createTempDirectory(requireOpen(), "dir-");
        Files.setPosixFilePermissions(created, PosixFilePermissions.fromString("rwxr-xr-x"));
        return created;
    }

    /** A fresh name in our dir that does not exist yet, for moving things into. */
    Path newName(String prefix) {
        return requireOpen().resolve(prefix + names.incrementAndGet() + "-" + System.nanoTime());
    }

    private synchronized Path requireOpen() {
        if (closed) {
            throw new IllegalStateException("cache store is closed");
        }
        return dir;
    }

    /**
     * Deletes the temp dirs (and lock files) of owners that are dead. Cheap: one listing of tmp/ and one
     * non-blocking lock attempt per entry. Returns how many dead owners were cleaned.
     */
    int cleanDebris() throws IOException {
        Set<String> owners = new TreeSet<>();
        try (Stream<Path> entries = Files.list(paths.tmpDir())) {
            entries.map(p -> p.getFileName().toString())
                    .map(name -> name.endsWith(LOCK_SUFFIX) ? name.substring(0, name.length() - LOCK_SUFFIX.length()) : name)
                    .filter(CachePaths::isOwnerId)
                    .forEach(owners::add);
        }
        owners.remove(id);
        int cleaned = 0;
        for (String owner : owners) {
            try {
                if (cleanIfDead(owner)) {
                    cleaned++;
                }
            } catch (IOException e) {
                // Debris costs only space; it must not stop a launch. The next launcher tries again.
                log.warn("could not remove the temp files of dead launcher {} in {}: {}",
                        owner, paths.tmpDir(), CacheFailures.reason(e));
            }
        }
        if (cleaned > 0) {
            log.info("removed the temp files of {} launcher(s) that died", cleaned);
        }
        return cleaned;
    }

    private boolean cleanIfDead(String owner) throws IOException {
        Path lockPath = paths.ownerLock(owner);
        Path ownerDir = paths.ownerDir(owner);
        LockFile file;
        try {
            // Never create: a missing lock file was deleted by whoever cleaned last.
            file = LockFile.open(lockPath, false);
        } catch (NoSuchFileException e) {
            // A dir without its lock file is garbage by the ordering rule (or already gone).
            if (Files.exists(ownerDir)) {
                Trees.deleteRecursively(ownerDir);
                return true;
            }
            return false;
        }
        try {
            LockFile.Region liveness = file.region(LockFile.WRITE);
            if (!liveness.tryLockExclusive()) {
                return false; // alive, here or in another process
            }
            try {
                log.debug("cleaning temp files of dead launcher {}", owner);
                Trees.deleteRecursively(ownerDir);
                Files.deleteIfExists(lockPath);
                return true;
            } finally {
                liveness.unlock();
            }
        } finally {
            file.release();
        }
    }

    /** Deletes our dir, then our lock file, then lets go of the lock: the same order a cleaner uses. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            Trees.deleteRecursively(dir);
            Files.deleteIfExists(paths.ownerLock(id));
        } catch (IOException e) {
            // Left for the next launcher's cleanDebris, which sees our lock free once we let go of it.
            log.warn("could not remove temp dir {}: {}", dir, CacheFailures.reason(e));
        } finally {
            ownerLock.region(LockFile.WRITE).unlock();
            ownerLock.release();
        }
    }
}
