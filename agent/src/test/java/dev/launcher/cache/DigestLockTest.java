package dev.launcher.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.oci.Digest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DigestLockTest {
    private static final Digest D = Digest.sha256("locked".getBytes());
    private static final Duration GENEROUS = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    CacheStore store;

    @BeforeEach
    void open() {
        store = CacheStore.open(dir.resolve("cache"));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void excludesThreads() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                all.add(pool.submit(() -> {
                    for (int round = 0; round < 10; round++) {
                        try (DigestLock lock = store.lock(D)) {
                            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            Thread.sleep(1);
                            inside.decrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
            }
        }
        assertEquals(1, most.get());
    }

    @Test
    void excludesThreadsOfTwoStoresOnOneRoot() throws Exception {
        try (CacheStore other = CacheStore.open(dir.resolve("cache"));
                DigestLock held = store.lock(D);
                ExecutorService pool = Executors.newSingleThreadExecutor()) {
            // Same JVM, same file: must be refused here, not by OverlappingFileLockException.
            assertTrue(pool.submit(() -> other.tryLock(D)).get().isEmpty());
        }
        try (CacheStore other = CacheStore.open(dir.resolve("cache"))) {
            Optional<DigestLock> free = other.tryLock(D);
            assertTrue(free.isPresent());
            free.get().close();
        }
    }

    @Test
    void otherDigestsAreIndependent() {
        try (DigestLock a = store.lock(D);
                DigestLock b = store.lock(Digest.sha256("other".getBytes()))) {
            assertEquals(D, a.digest());
        }
    }

    @Test
    void reentrantForItsThread() {
        assertTimeoutPreemptively(GENEROUS, () -> {
            try (DigestLock outer = store.lock(D); DigestLock inner = store.lock(D)) {
                // e.g. "unpack layer" locking a digest, then "fetch blob" locking it again
            }
            try (DigestLock again = store.tryLock(D).orElseThrow()) {
                // fully released by the two closes
            }
        });
    }

    @Test
    void closeIsIdempotent() {
        DigestLock lock = store.lock(D);
        lock.close();
        lock.close();
        store.tryLock(D).orElseThrow().close();
    }

    /** A lock holder killed frees its waiters: the kernel drops a dead process's locks, whatever killed it. */
    @Test
    void excludesProcessesAndAHolderKilledFreesItsWaiters() throws Exception {
        try (ChildProcess child = ChildProcess.start(dir.resolve("logs"), "lock", dir.resolve("cache").toString(), D.toString());
                ExecutorService pool = Executors.newSingleThreadExecutor()) {
            child.awaitReady();
            assertTrue(store.tryLock(D).isEmpty(), "the child holds it");

            CountDownLatch waiting = new CountDownLatch(1);
            Future<DigestLock> waiter = pool.submit(() -> {
                waiting.countDown();
                return store.lock(D);
            });
            waiting.await();
            assertThrows(TimeoutException.class, () -> waiter.get(300, TimeUnit.MILLISECONDS));

            child.kill();
            try (DigestLock got = waiter.get(GENEROUS.toSeconds(), TimeUnit.SECONDS)) {
                assertEquals(D, got.digest());
            }
        }
    }

    @Test
    void interruptedWhileAnotherProcessHoldsItIsACleanFailure() throws Exception {
        try (ChildProcess child = ChildProcess.start(dir.resolve("logs"), "lock", dir.resolve("cache").toString(), D.toString())) {
            child.awaitReady();
            assertInterruptedCleanly();
            child.kill();
            // The waiter's failure did not break the lock file for anyone else in this JVM.
            store.tryLock(D).orElseThrow().close();
        }
    }

    @Test
    void interruptedWhileAnotherThreadHoldsItIsACleanFailureAndKeepsTheirLock() throws Exception {
        try (DigestLock held = store.lock(D)) {
            assertInterruptedCleanly();
            // The holder's OS lock survived: another process still finds it taken.
            assertEquals("BUSY FREE", probeFromAnotherProcess());
        }
        assertEquals("FREE FREE", probeFromAnotherProcess());
    }

    /** Leases of two threads share one channel: closing one must not drop the other's OS lock. */
    @Test
    void closingOneLeaseKeepsAnotherThreadsLease() throws Exception {
        try (ExecutorService pool = Executors.newSingleThreadExecutor()) {
            Lease mine = store.lease(D);
            Lease theirs = pool.submit(() -> store.lease(D)).get();
            assertEquals("FREE BUSY", probeFromAnotherProcess());
            theirs.close();
            assertEquals("FREE BUSY", probeFromAnotherProcess());
            mine.close();
            assertEquals("FREE FREE", probeFromAnotherProcess());
        }
    }

    private void assertInterruptedCleanly() throws Exception {
        AtomicInteger flagKept = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        Thread waiter = Thread.ofPlatform().unstarted(() -> {
            started.countDown();
            try {
                store.lock(D).close();
            } catch (LauncherException e) {
                if (e.exitCode() == ExitCode.CACHE_IO && e.getMessage().contains("interrupted")
                        && Thread.currentThread().isInterrupted()) {
                    flagKept.set(1);
                }
            }
        });
        waiter.start();
        started.await();
        Thread.sleep(200);
        assertTrue(waiter.isAlive(), "the waiter should be waiting");
        waiter.interrupt();
        waiter.join(GENEROUS.toMillis());
        assertFalse(waiter.isAlive());
        assertEquals(1, flagKept.get(), "expected CACHE_IO 'interrupted' with the interrupt flag kept");
    }

    private String probeFromAnotherProcess() throws Exception {
        try (ChildProcess probe = ChildProcess.start(dir.resolve("logs"),
                "probe", dir.resolve("cache").toString(), store.paths().lock(D).toString())) {
            return probe.awaitLine();
        }
    }
}
