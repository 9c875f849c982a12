package dev.launcher.cache;

import dev.launcher.cache.tree.ContentSums;
import dev.launcher.cache.tree.TreeIndexer;
import dev.launcher.error.LauncherException;
import dev.launcher.oci.Digest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The content-addressed cache on a volume shared by many launcher processes at once.
 *
 * <p>The rename is the truth: an entry exists under its final name only once complete, because everything is
 * written in this process's temp dir on the same filesystem and published by an atomic rename. Locks only avoid
 * duplicate work ({@link DigestLock}) and keep gc off entries in use ({@link Lease}).
 *
 * <p>Typical use for a blob:
 *
 * <pre>{@code
 * try (Lease lease = store.lease(d)) {
 *     Path blob = store.blob(d).orElseGet(() -> {
 *         try (DigestLock lock = store.lock(d)) {
 *             return store.blob(d).orElseGet(() -> store.publishBlob(downloadAndVerify(d, store.newTempFile()), d));
 *         }
 *     });
 *     ... read blob while the lease is held ...
 * }
 * }</pre>
 */
public final class CacheStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CacheStore.class);

    private final CachePaths paths;
    private final TempSpace temp;
    private final LastUsed lastUsed;
    private final String bootId;
    private final Thread shutdownHook;

    private CacheStore(CachePaths paths, TempSpace temp, LastUsed lastUsed, String bootId) {
        this.paths = paths;
        this.temp = temp;
        this.lastUsed = lastUsed;
        this.bootId = bootId;
        // Our temp dir goes away on a normal exit or SIGTERM even if nobody calls close(); after SIGKILL the next
        // launcher's cleanDebris removes it.
        this.shutdownHook = Thread.ofPlatform().name("cache-temp-cleanup").unstarted(temp::close);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Creates the layout if needed, claims a private temp dir, cleans up after dead launchers, and removes the
     * layer trees of earlier launcher versions that nobody uses (they have no index, so they are never trusted).
     */
    public static CacheStore open(Path root) {
        return open(root, Clock.systemUTC());
    }

    static CacheStore open(Path root, Clock clock) {
        CachePaths requested = new CachePaths(root);
        Path dir = requested.root();
        try {
            for (Path each : new Path[] {
                dir, requested.blobsDir(), requested.treesDir(), requested.refsDir(), requested.tmpDir(), requested.locksDir()
            }) {
                dir = each;
                Files.createDirectories(each);
            }
        } catch (IOException e) {
            throw CacheFailures.io("create cache directory", dir, e);
        }
        CachePaths paths;
        try {
            // Locks are shared per path within the JVM, so every store must spell the root the same way.
            paths = new CachePaths(requested.root().toRealPath());
        } catch (IOException e) {
            throw CacheFailures.io("resolve cache directory", requested.root(), e);
        }
        TempSpace temp;
        try {
            // The first write: on a read-only volume the directories above may all exist already.
            temp = TempSpace.create(paths);
        } catch (IOException e) {
            throw CacheFailures.io("write to cache directory", paths.tmpDir(), e);
        }
        CacheStore store = new CacheStore(paths, temp, new LastUsed(clock), BootId.current());
        try {
            store.cleanDebris();
            store.removeLegacyTrees();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        log.debug("cache at {} (temp dir {})", paths.root(), temp.dir());
        return store;
    }

    public CachePaths paths() {
        return paths;
    }

    /** The verified blob, if present; marks it used. Hold a {@link Lease} while reading it. */
    public Optional<Path> blob(Digest digest) {
        return present(paths.blob(digest), false);
    }

    /**
     * The layer entry, if present; marks it used. Its tree is {@link CachePaths#treeIn}; check it with
     * {@link dev.launcher.cache.tree.TreeVerifier TreeVerifier} before trusting it. Hold a {@link Lease} while
     * reading it.
     */
    public Optional<Path> layer(Digest digest) {
        return present(paths.layer(digest), true);
    }

    /** The id of this boot, which the index of every tree published now records. */
    public String bootId() {
        return bootId;
    }

    private Optional<Path> present(Path entry, boolean directory) {
        boolean there = directory
                ? Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)
                : Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS);
        if (!there) {
            return Optional.empty();
        }
        lastUsed.touch(entry);
        return Optional.of(entry);
    }

    /**
     * Publishes a verified blob. {@code tempFile} must come from {@link #newTempFile()} and hold exactly the bytes
     * whose digest the caller computed; it is flushed to disk first so that a power cut cannot leave a short file
     * under a verified name. If another process published the digest first, that is success: ours is dropped and
     * the existing blob returned.
     */
    public Path publishBlob(Path tempFile, Digest digest) {
        requireOwnTemp(tempFile);
        if (!Files.isRegularFile(tempFile, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("not a regular file: " + tempFile);
        }
        try (FileChannel channel = FileChannel.open(tempFile, StandardOpenOption.WRITE)) {
            channel.force(true);
        } catch (IOException e) {
            throw CacheFailures.io("flush", tempFile, e);
        }
        return publish(tempFile, paths.blob(digest), digest, "blob", false);
    }

    /**
     * A new layer entry in this process's temp dir: unpack into its (empty) {@link CachePaths#treeIn tree}, then
     * {@link #publishLayer}.
     */
    public Path newLayerEntry() {
        Path entry = newTempDir();
        Path tree = CachePaths.treeIn(entry);
        try {
            Files.createDirectory(tree);
            Files.setPosixFilePermissions(tree, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw CacheFailures.io("create a temp dir in", entry, e);
        }
        return entry;
    }

    /**
     * Indexes and publishes an unpacked layer tree. {@code tempEntry} must come from {@link #newLayerEntry()}, and
     * its tree be complete and the unpacking of the layer with this key; keep the tree's root directory writable by
     * its owner. Nothing may write to the tree from now on: the index records every entry's ctime as it is now.
     * The index is written beside the tree and both are published by one rename, so no crash can leave one
     * without the other. If another process published the key first, that is success: ours is deleted and the
     * existing entry returned.
     */
    public Path publishLayer(Path tempEntry, Digest digest) {
        return publishLayer(tempEntry, digest, new ContentSums());
    }

    /** As {@link #publishLayer(Path, Digest)}, taking the CRC32C of files from {@code written} where it has them. */
    public Path publishLayer(Path tempEntry, Digest digest, ContentSums written) {
        requireOwnTemp(tempEntry);
        Path tree = CachePaths.treeIn(tempEntry);
        if (!Files.isDirectory(tree, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("not a layer entry with a tree: " + tempEntry);
        }
        try {
            TreeIndexer.writeIndex(tree, bootId, written, CachePaths.indexIn(tempEntry));
        } catch (IOException e) {
            throw CacheFailures.io("index the layer tree " + digest + " in", tree, e);
        }
        return publish(tempEntry, paths.layer(digest), digest, "layer", true);
    }

    /**
     * Removes a layer entry that failed its check. Call it holding the key's {@link DigestLock}, so that nobody
     * publishes the key meanwhile; leases do not stop it, since a damaged tree is no use to its holders either. The
     * entry is renamed into our temp dir first, so nobody ever sees it half-deleted under its name.
     *
     * @return false if it was not there
     */
    public boolean discardLayer(Digest digest) {
        Path entry = paths.layer(digest);
        Path trash = temp.newName("damaged-");
        try {
            moveOut(entry, trash);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw CacheFailures.io("move the damaged layer tree out of the way:", entry, e);
        }
        discard(trash);
        return true;
    }

    private Path publish(Path source, Path target, Digest digest, String kind, boolean directory) {
        // A second attempt only matters if a gc evicts the winner's entry between our failed rename and our look.
        for (int attempt = 1; !Files.exists(target, LinkOption.NOFOLLOW_LINKS); attempt++) {
            try {
                Files.createDirectories(target.getParent());
                // rename(2): replaces an existing file (same verified bytes, harmless) and refuses to replace a
                // non-empty directory; either way no reader ever sees a partial entry.
                Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
                lastUsed.touch(target);
                log.debug("published {} {}", kind, digest.shortForm());
                return target;
            } catch (IOException e) {
                if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS) && attempt == 3) {
                    throw CacheFailures.io("publish " + kind + " " + digest + " as", target, e);
                }
                // Usually: another process renamed its copy in between. It won, which is success for us too.
            }
        }
        if (!(directory ? Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)
                : Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS))) {
            // Never produced by the cache itself: someone wrote into it by hand.
            throw LauncherException.cacheIo("cannot publish " + kind + " " + digest + ": " + target + " exists but is not a "
                    + (directory ? "directory" : "regular file") + "; remove it", null);
        }
        log.debug("{} {} was already published by another launcher; dropping ours", kind, digest.shortForm());
        discard(source);
        lastUsed.touch(target);
        return target;
    }

    private void discard(Path tempEntry) {
        try {
            Trees.deleteRecursively(tempEntry);
        } catch (IOException e) {
            // Our temp dir is removed on close anyway.
            log.debug("could not delete {} now", tempEntry, e);
        }
    }

    private void requireOwnTemp(Path entry) {
        Path normalized = entry.toAbsolutePath().normalize();
        if (!normalized.startsWith(temp.dir()) || normalized.equals(temp.dir())) {
            throw new IllegalArgumentException(
                    entry + " is not from newTempFile()/newTempDir() of this store; only those are on the cache's filesystem");
        }
    }

    /** A new empty file in this process's private temp dir, on the cache's filesystem. */
    public Path newTempFile() {
        try {
            return temp.newFile();
        } catch (IOException e) {
            throw CacheFailures.io("create a temp file in", temp.dir(), e);
        }
    }

    /** A new empty directory in this process's private temp dir, on the cache's filesystem. */
    public Path newTempDir() {
        try {
            return temp.newDir();
        } catch (IOException e) {
            throw CacheFailures.io("create a temp dir in", temp.dir(), e);
        }
    }

    /** Removes the temp dirs of launchers that died (their liveness lock is free). Returns how many. */
    public int cleanDebris() {
        try {
            return temp.cleanDebris();
        } catch (IOException e) {
            throw CacheFailures.io("list", paths.tmpDir(), e);
        }
    }

    /** Waits for the exclusive right to produce this digest's entries; see {@link DigestLock}. */
    public DigestLock lock(Digest digest) {
        return DigestLock.acquire(paths.lock(digest), digest);
    }

    /** The lock if nobody (thread or process) holds it, else empty at once. */
    public Optional<DigestLock> tryLock(Digest digest) {
        return DigestLock.tryAcquire(paths.lock(digest), digest);
    }

    /** Marks this digest's blob and layer tree in use until closed; see {@link Lease}. */
    public Lease lease(Digest digest) {
        return Lease.acquire(paths.lock(digest), digest);
    }

    /** The digest the tag last resolved to, for running offline; empty if never recorded. */
    public Optional<Digest> readRef(String registry, String repository, String tag) {
        return CacheListing.readDigest(paths.ref(registry, repository, tag));
    }

    /** Records what the tag resolved to; readers see the old or the new digest, never a partial file. */
    public void writeRef(String registry, String repository, String tag, Digest digest) {
        Path ref = paths.ref(registry, repository, tag);
        Path tempFile = newTempFile();
        try {
            Files.writeString(tempFile, digest + "\n");
            Files.createDirectories(ref.getParent());
            Files.move(tempFile, ref, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            discard(tempFile);
            throw CacheFailures.io("write ref", ref, e);
        }
    }

    /**
     * Launchers before the tree index kept bare trees in {@code layers/}. They cannot be trusted, and an earlier
     * launcher still sharing the volume may use them, so each is evicted only when unused, like gc does; one that
     * is in use stays for a later start or gc. Costs one listing of {@code layers/} when there is nothing to do.
     */
    private void removeLegacyTrees() {
        int removed = 0;
        for (CacheEntry legacy : new CacheListing(paths).legacyLayers(false)) {
            try {
                if (evict(legacy) == Eviction.EVICTED) {
                    removed++;
                }
            } catch (LauncherException e) {
                // It only costs space, and it is never used: it must not stop a launch.
                log.warn("could not remove the layer tree {} of an earlier launcher version: {}", legacy.path(), e.getMessage());
            }
        }
        if (removed > 0) {
            log.info("removed {} layer tree(s) cached by an earlier launcher version: they have no index, so they are"
                    + " not trusted; each layer is fetched again once, when it is next used", removed);
        }
    }

    enum Eviction {
        EVICTED,
        /** Leased, locked, or used since it was listed. */
        BUSY,
        /** Someone else evicted it first. */
        GONE
    }

    /**
     * Removes one entry unless it is in use. Holding both locks of the digest exclusively proves no lease and no
     * producer; a tree is renamed into our temp dir under the locks (so nobody sees it half-deleted under its
     * name) and deleted after letting go of them.
     */
    Eviction evict(CacheEntry entry) {
        LockFile file = DigestLock.openLockFile(paths.lock(entry.digest()));
        LockFile.Region write = file.region(LockFile.WRITE);
        LockFile.Region lease = file.region(LockFile.LEASE);
        Path trash = null;
        try {
            if (!write.tryLockExclusive()) {
                return Eviction.BUSY;
            }
            try {
                if (!lease.tryLockExclusive()) {
                    return Eviction.BUSY;
                }
                try {
                    Instant stamp;
                    try {
                        stamp = LastUsed.read(entry.path());
                    } catch (NoSuchFileException e) {
                        return Eviction.GONE;
                    }
                    if (stamp.isAfter(entry.lastUsed())) {
                        return Eviction.BUSY;
                    }
                    if (entry.kind() == CacheEntry.Kind.LAYER) {
                        trash = temp.newName("evicted-");
                        moveOut(entry.path(), trash);
                    } else {
                        Files.delete(entry.path()); // unlink is atomic; open readers keep their inode
                    }
                } finally {
                    lease.unlock();
                }
            } finally {
                write.unlock();
            }
        } catch (NoSuchFileException e) {
            return Eviction.GONE;
        } catch (IOException e) {
            throw CacheFailures.io("evict", entry.path(), e);
        } finally {
            file.release();
        }
        if (trash != null) {
            try {
                Trees.deleteRecursively(trash);
            } catch (IOException e) {
                throw CacheFailures.io("delete evicted tree", trash, e);
            }
        }
        return Eviction.EVICTED;
    }

    private static void moveOut(Path tree, Path trash) throws IOException {
        try {
            Files.move(tree, trash, StandardCopyOption.ATOMIC_MOVE);
        } catch (AccessDeniedException e) {
            // Moving a directory to another parent rewrites its "..", which needs write permission on it.
            Trees.makeOwnerWritable(tree);
            Files.move(tree, trash, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** Deletes our temp dir and gives up our liveness lock. Leases and locks are closed by their holders. */
    @Override
    public void close() {
        temp.close();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // Shutting down already: the hook runs close() itself.
        }
    }

    // For tests and diagnostics.
    String ownerId() {
        return temp.id();
    }

    Path ownTempDir() {
        return temp.dir();
    }
}
