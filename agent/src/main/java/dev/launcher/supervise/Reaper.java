package dev.launcher.supervise;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reaps every child that exits: the app (its status is kept for the exit code) and the orphans the
 * kernel re-parents to PID 1 or to a child subreaper. It looks before it reaps (waitid with WNOWAIT)
 * and leaves alone the children the JDK waits for, so neither side steals the other's exit status.
 */
public final class Reaper {
    private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);

    private final Object spawnLock = new Object();
    /** Released by each spawn, so that a reaper waiting for its first child looks at once, not up to 20 ms later. */
    private final Semaphore spawned = new Semaphore(0);
    private final CompletableFuture<ChildExit> mainExit = new CompletableFuture<>();
    private volatile long mainPid;
    /** Whether the JDK may have children of its own here (ProcessBuilder), whose exit status is the JDK's to take. */
    private final boolean jdkSpawns;

    private static Reaper started;

    private Reaper(boolean jdkSpawns) {
        this.jdkSpawns = jdkSpawns;
    }

    /**
     * The process's one reaper, started on first use: two would each take the other's app for an orphan
     * (the build's AOT training runs the launcher twice in one JVM).
     */
    public static synchronized Reaper start() {
        if (started == null) {
            started = new Reaper(true);
            started.startLoop();
        }
        return started;
    }

    /**
     * In the supervising JVM, which runs nothing through the JDK: the app, spawned before the handover, is already
     * our child (maybe a zombie by now), and every other child is an orphan.
     */
    static synchronized Reaper adopting(long appPid) {
        if (started != null) {
            throw new IllegalStateException("a reaper runs already");
        }
        started = new Reaper(false);
        started.mainPid = appPid;
        started.startLoop();
        return started;
    }

    private void startLoop() {
        Thread.ofPlatform().name("reaper").daemon().start(this::loop);
    }

    /**
     * Runs {@code handOver} (an exec into the supervising JVM, which returns only by throwing) unless the app has
     * exited already; then returns its exit, for this JVM to finish with. The exec runs holding the lock the reaper
     * needs to reap the app, so the app's exit status is never taken in the instant before the exec: it stays for the
     * supervisor.
     */
    public ChildExit handOverUnlessExited(Runnable handOver) {
        synchronized (spawnLock) {
            if (!mainExit.isDone()) {
                PosixWait.reap(mainPid).ifPresent(mainExit::complete);
            }
            if (mainExit.isDone()) {
                return awaitMain();
            }
            handOver.run();
            throw new IllegalStateException("the handover returned");
        }
    }

    /**
     * Spawns the app while the reaper cannot decide about any pid, so an app that exits at once is
     * never taken for an orphan.
     */
    long spawnWatched(java.util.function.LongSupplier spawn) {
        synchronized (spawnLock) {
            long pid = spawn.getAsLong();
            mainPid = pid;
            spawned.release();
            return pid;
        }
    }

    /** The app's exit if it comes within {@code patience}. */
    Optional<ChildExit> awaitMain(Duration patience) {
        try {
            return Optional.of(mainExit.get(patience.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException("reaper failed", e.getCause());
        }
    }

    ChildExit awaitMain() {
        while (true) {
            try {
                return mainExit.get();
            } catch (InterruptedException e) {
                // the app's exit decides when we return
            } catch (ExecutionException e) {
                throw new IllegalStateException("reaper failed", e.getCause());
            }
        }
    }

    private void loop() {
        try {
            while (true) {
                long appBefore = mainPid; // set only once the app exists: then "no children" means it was taken
                Optional<ChildExit> exited = PosixWait.peekExited(true);
                if (exited.isEmpty()) {
                    checkMainIsOurs(appBefore);
                    awaitSpawn(); // no children at all yet
                    continue;
                }
                reapOrLeave(exited.get().pid());
            }
        } catch (RuntimeException | Error e) {
            mainExit.completeExceptionally(e);
            throw e;
        }
    }

    private void reapOrLeave(long pid) {
        synchronized (spawnLock) {
            if (pid == mainPid) {
                PosixWait.reap(pid).ifPresent(mainExit::complete);
                return;
            }
            if (!jdkSpawns) {
                reapOrphan(pid);
                return;
            }
        }
        if (JdkChildren.owns(pid)) {
            pause(2); // the JDK's own reaper thread takes it
            return;
        }
        // How long an unknown zombie is left for the JDK, in case it registers the pid just after spawning.
        pause(JdkChildren.canTell() ? 20 : 250);
        synchronized (spawnLock) {
            if (PosixWait.peekExited(pid).isPresent() && !JdkChildren.owns(pid)) {
                reapOrphan(pid);
            }
        }
    }

    /**
     * No children at all, yet an app we are to wait for: someone else took its exit status (a process that shared
     * the launcher's pid before an exec, and reaped). Waiting would never end.
     */
    private void checkMainIsOurs(long appBefore) {
        synchronized (spawnLock) {
            if (appBefore != 0 && appBefore == mainPid && !mainExit.isDone()) {
                throw new IllegalStateException("the app (pid " + mainPid + ") is not the launcher's child any more:"
                        + " its exit status was taken by another process");
            }
        }
    }

    private static void reapOrphan(long pid) {
        PosixWait.reap(pid).ifPresent(orphan -> LOG.debug("reaped orphan pid {} ({})", orphan.pid(), orphan.shellCode()));
    }

    /** The JDK's own spawns (credential helpers) do not signal: they are left to the JDK anyway. */
    private void awaitSpawn() {
        try {
            spawned.tryAcquire(20, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
