package dev.launcher.supervise;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reaps every child that exits: the app (its status is kept for the exit code) and the orphans the
 * kernel re-parents to PID 1 or to a child subreaper. It looks before it reaps (waitid with WNOWAIT)
 * and leaves alone the children the JDK waits for, so neither side steals the other's exit status.
 */
public final class Reaper {
    private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);
    /** How long an unknown zombie is left for the JDK, in case it registers the pid just after spawning. */
    private static final long SETTLE_MILLIS = JdkChildren.canTell() ? 20 : 250;

    private final Object spawnLock = new Object();
    /** Released by each spawn, so that a reaper waiting for its first child looks at once, not up to 20 ms later. */
    private final Semaphore spawned = new Semaphore(0);
    private final CompletableFuture<ChildExit> mainExit = new CompletableFuture<>();
    private volatile long mainPid;

    private static Reaper started;

    private Reaper() {}

    /**
     * The process's one reaper, started on first use: two would each take the other's app for an orphan
     * (the build's AOT training runs the launcher twice in one JVM).
     */
    public static synchronized Reaper start() {
        if (started == null) {
            started = new Reaper();
            Thread.ofPlatform().name("reaper").daemon().start(started::loop);
        }
        return started;
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
                Optional<ChildExit> exited = Posix.peekExited(true);
                if (exited.isEmpty()) {
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
                Posix.reap(pid).ifPresent(mainExit::complete);
                return;
            }
        }
        if (JdkChildren.owns(pid)) {
            pause(2); // the JDK's own reaper thread takes it
            return;
        }
        pause(SETTLE_MILLIS);
        if (Posix.peekExited(pid).isPresent() && !JdkChildren.owns(pid)) {
            Posix.reap(pid).ifPresent(orphan -> LOG.debug("reaped orphan pid {} ({})", orphan.pid(), orphan.shellCode()));
        }
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
