package dev.launcher.supervise;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Passes every signal the launcher receives on to the app (or its whole process group). Set up before the app is
 * spawned, so a signal that arrives in between is held and delivered, not lost. A stop signal (TERM, INT) starts the
 * grace period, after which the group is killed. The signals come either from the kernel's queue ({@link SignalWait},
 * in the supervising JVM the launcher hands over to) or, in a JVM that keeps its own signal handling, from handlers
 * ({@link #trap}).
 */
final class SignalForwarder {
    private static final Logger LOG = LoggerFactory.getLogger(SignalForwarder.class);
    /**
     * Every signal the JVM lets a program trap. Not here: QUIT, ILL, FPE and SEGV, which the JVM keeps for itself (a
     * thread dump, which the launcher's flags silence; its own faults); CHLD, which is the reaper's; and the real-time
     * signals, which sun.misc.Signal cannot name. The job-control stops TSTP, TTIN and TTOU stop the app, not the
     * launcher. A PIPE or XFSZ the launcher's own write raised would reach the app too: while the app runs, the
     * launcher writes only a few log lines to stderr.
     */
    static final List<String> FORWARDED = List.of("TERM", "INT", "HUP", "USR1", "USR2", "WINCH", "CONT", "TTIN", "TTOU",
            "TRAP", "ABRT", "BUS", "PIPE", "ALRM", "STKFLT", "TSTP", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "IO", "PWR",
            "SYS");
    private static final int SIGKILL = 9;
    private static final int SIGINT = 2;
    private static final int SIGTERM = 15;

    private final SupervisorSettings settings;
    private final List<Integer> pending = new ArrayList<>();
    private long pid;
    private volatile long stopDeadlineNanos;

    private SignalForwarder(SupervisorSettings settings) {
        this.settings = settings;
    }

    /** Takes every signal {@link SignalWait#TAKEN} names off the kernel's queue; they must be blocked in every thread. */
    static SignalForwarder takeFromQueue(SupervisorSettings settings) {
        SignalForwarder forwarder = new SignalForwarder(settings);
        SignalWait.start(forwarder::received);
        return forwarder;
    }

    /** Traps the signals {@link #FORWARDED} names, with handlers, in a JVM that keeps its own signal handling. */
    static SignalForwarder trap(SupervisorSettings settings) {
        SignalForwarder forwarder = new SignalForwarder(settings);
        for (String name : FORWARDED) {
            try {
                Signal.handle(new Signal(name), signal -> forwarder.received(signal.getNumber()));
            } catch (IllegalArgumentException e) {
                LOG.warn("cannot trap SIG{} ({}): it will not reach the app", name, e.getMessage());
            }
        }
        return forwarder;
    }

    /** From now on signals go to the app; held ones are delivered in arrival order. */
    synchronized void target(long appPid) {
        pid = appPid;
        for (int sig : pending) {
            deliver(sig);
        }
        pending.clear();
    }

    /** System.nanoTime() by which a stopping app must be gone, or 0 if no stop was asked. */
    long stopDeadlineNanos() {
        return stopDeadlineNanos;
    }

    private synchronized void received(int sig) {
        if ((sig == SIGTERM || sig == SIGINT) && stopDeadlineNanos == 0) {
            startGrace();
        }
        if (pid == 0) {
            pending.add(sig);
        } else {
            deliver(sig);
        }
    }

    private void deliver(int sig) {
        try {
            // Once the app is gone, what is left of its group (workers draining) still gets the signal.
            boolean group = settings.signalGroup() || !PosixSignals.kill(pid, 0);
            if (!PosixSignals.kill(group ? -pid : pid, sig)) {
                LOG.debug("signal {} found no process to deliver to", sig);
            }
        } catch (RuntimeException e) {
            LOG.warn("could not forward signal {} to the app (pid {}): {}", sig, pid, e.getMessage());
        }
    }

    /**
     * For a stop asked before the handover: the grace goes on in the supervising JVM with what was left of it.
     * (A signal that came in the exec itself waits, blocked, and is forwarded once the supervisor runs.)
     */
    synchronized void continueGrace(Duration left) {
        if (stopDeadlineNanos == 0) {
            startGrace(left);
        }
    }

    private void startGrace() {
        startGrace(settings.grace());
    }

    private void startGrace(Duration grace) {
        stopDeadlineNanos = System.nanoTime() + grace.toNanos();
        Thread.ofPlatform().name("grace").daemon().start(() -> {
            try {
                Thread.sleep(grace);
            } catch (InterruptedException e) {
                return;
            }
            long target = pid;
            if (target != 0 && PosixSignals.processGroupAlive(target)) {
                LOG.warn("the app did not stop within {} s of the stop signal; killing its process group",
                        settings.grace().toSeconds());
                PosixSignals.kill(-target, SIGKILL);
            }
        });
    }
}
