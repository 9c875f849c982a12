package dev.launcher.supervise;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the app as our child in its own process group and stays with it: signals forwarded, zombies
 * reaped, the app's exit code passed through (128+N for signal N). When the app is gone, the rest of
 * its group is sent TERM and gets the grace period to finish before it is killed, so workers are not cut off
 * mid-drain.
 */
public final class Supervisor {
    private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);
    private static final int SIGTERM = 15;
    private static final int SIGKILL = 9;
    static final Duration HANDOVER_PATIENCE = Duration.ofMillis(250);

    private final SupervisorSettings settings;

    public Supervisor(SupervisorSettings settings) {
        this.settings = settings;
    }

    /** Spawns the app and supervises it in this JVM, which keeps its own signal handling (no QUIT, no real-time). */
    public int run(Reaper reaper, List<String> argv, Path workDir, RawEnvironment env, LongConsumer onStarted) {
        Started app = start(reaper, argv, workDir, env, onStarted);
        leaveStartingDirectory();
        // The pull's buffers and parsers are garbage now: give the heap back for the app's whole life,
        // after the spawn so the app's start does not wait for it.
        System.gc();
        return finish(app.pid(), reaper.awaitMain(), app.forwarder(), app.terminal());
    }

    /**
     * Spawns the app, then replaces this JVM by the supervising one, which adopts it: the app starts as soon as it
     * would in this JVM, and the supervisor's own start runs beside it. Until the exec, signals are forwarded from
     * here; from the exec on, they wait, blocked, for the supervisor. An app that is gone before the exec (a short
     * job) has nothing left to supervise: it is finished here and its code returned. The exec waits
     * {@link #HANDOVER_PATIENCE} for such an exit first: the app is running meanwhile, so the wait delays nothing but
     * the drop in memory, and a job shorter than that is spared the supervisor's start (about 0.25 s of CPU).
     */
    public int runHandingOver(Reaper reaper, SupervisorHandover handover, List<String> argv, Path workDir,
            RawEnvironment env, LongConsumer onStarted) {
        Started app = start(reaper, argv, workDir, env, onStarted);
        Optional<ChildExit> shortJob = reaper.awaitMain(HANDOVER_PATIENCE);
        if (shortJob.isPresent()) {
            return finish(app.pid(), shortJob.get(), app.forwarder(), app.terminal());
        }
        long deadline = app.forwarder().stopDeadlineNanos();
        long graceLeft = deadline == 0 ? -1 : Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
        SupervisorArgs adopted = new SupervisorArgs(app.pid(), app.terminal(), settings, graceLeft);
        ChildExit exitedFirst = reaper.handOverUnlessExited(() -> handover.exec(adopted, env));
        return finish(app.pid(), exitedFirst, app.forwarder(), app.terminal());
    }

    /** The app running in its own group, holding the terminal, with signals trapped here and forwarded to it. */
    private record Started(long pid, SignalForwarder forwarder, Terminal terminal) {}

    private Started start(Reaper reaper, List<String> argv, Path workDir, RawEnvironment env, LongConsumer onStarted) {
        SignalForwarder forwarder = SignalForwarder.trap(settings);
        Terminal terminal = Terminal.ofLauncher();
        long startNanos = System.nanoTime();
        long pid = reaper.spawnWatched(() -> PosixSpawn.spawn(argv, workDir, env, true));
        onStarted.accept(startNanos);
        terminal.handOver(pid);
        forwarder.target(pid);
        return new Started(pid, forwarder, terminal);
    }

    /** In the supervising JVM: takes over the app spawned before the handover, signals from the kernel's queue. */
    static int adopt(SupervisorArgs app) {
        Supervisor supervisor = new Supervisor(app.settings());
        SignalForwarder forwarder = SignalForwarder.takeFromQueue(app.settings());
        if (app.graceLeftMillis() >= 0) {
            forwarder.continueGrace(Duration.ofMillis(app.graceLeftMillis()));
        }
        Reaper reaper = Reaper.adopting(app.appPid());
        forwarder.target(app.appPid());
        leaveStartingDirectory();
        StartupPages.releaseSoon();
        return supervisor.finish(app.appPid(), reaper.awaitMain(), forwarder, app.terminal());
    }

    private int finish(long pid, ChildExit exit, SignalForwarder forwarder, Terminal terminal) {
        LOG.debug("app pid {} exited: {}", pid, exit.shellCode());
        drainGroup(pid, forwarder.stopDeadlineNanos());
        terminal.takeBack();
        int code = settings.exitRemap().apply(exit.shellCode());
        if (code != exit.shellCode()) {
            LOG.info("app exit code {} remapped to {}", exit.shellCode(), code);
        }
        return code;
    }

    /**
     * Moves the launcher to {@code /}, as dumb-init does: for the app's whole life it would otherwise hold the
     * directory it was started in (a volume, an app dir being replaced) busy. Every path it uses from here is absolute.
     */
    private static void leaveStartingDirectory() {
        try {
            PosixExec.chdir(Path.of("/"));
        } catch (RuntimeException e) {
            LOG.debug("could not move to /: {}", e.toString());
        }
    }

    /**
     * Asks the rest of the app's process group to stop (TERM) at once, waits for it up to the grace, then kills what
     * is left. Without the TERM, a worker that would stop on it holds the launcher, and the container's stop, for the
     * whole grace, and a runtime's own shorter timeout then kills the container with 137 instead of the app's code.
     */
    private void drainGroup(long pgid, long stopDeadlineNanos) {
        if (!PosixSignals.processGroupAlive(pgid)) {
            return;
        }
        PosixSignals.kill(-pgid, SIGTERM);
        long deadline = stopDeadlineNanos != 0 ? stopDeadlineNanos : System.nanoTime() + settings.grace().toNanos();
        LOG.info("app exited; sent TERM to the rest of its process group, waiting up to {} s for it",
                Math.max(0, (deadline - System.nanoTime()) / 1_000_000_000L));
        while (PosixSignals.processGroupAlive(pgid) && System.nanoTime() < deadline) {
            sleep(20);
        }
        if (PosixSignals.processGroupAlive(pgid)) {
            LOG.warn("killing what is left of the app's process group after the grace period");
            PosixSignals.kill(-pgid, SIGKILL);
            long killDeadline = System.nanoTime() + 2_000_000_000L;
            while (PosixSignals.processGroupAlive(pgid) && System.nanoTime() < killDeadline) {
                sleep(10);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
