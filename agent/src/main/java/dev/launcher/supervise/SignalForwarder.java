package dev.launcher.supervise;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Traps every signal the JVM lets an application handle and passes it on to the app (or its whole
 * process group). Installed before the app is spawned, so a signal that arrives in between is held
 * and delivered, not lost. A stop signal (TERM, INT) starts the grace period, after which the group
 * is killed.
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

    private final SupervisorSettings settings;
    private final List<Integer> pending = new ArrayList<>();
    private long pid;
    private volatile long stopDeadlineNanos;

    private SignalForwarder(SupervisorSettings settings) {
        this.settings = settings;
    }

    static SignalForwarder install(SupervisorSettings settings) {
        SignalForwarder forwarder = new SignalForwarder(settings);
        for (String name : FORWARDED) {
            try {
                Signal.handle(new Signal(name), forwarder::received);
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

    private synchronized void received(Signal signal) {
        int sig = signal.getNumber();
        if ((signal.getName().equals("TERM") || signal.getName().equals("INT")) && stopDeadlineNanos == 0) {
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
            boolean group = settings.signalGroup() || !Posix.kill(pid, 0);
            if (!Posix.kill(group ? -pid : pid, sig)) {
                LOG.debug("signal {} found no process to deliver to", sig);
            }
        } catch (RuntimeException e) {
            LOG.warn("could not forward signal {} to the app (pid {}): {}", sig, pid, e.getMessage());
        }
    }

    private void startGrace() {
        Duration grace = settings.grace();
        stopDeadlineNanos = System.nanoTime() + grace.toNanos();
        Thread.ofPlatform().name("grace").daemon().start(() -> {
            try {
                Thread.sleep(grace);
            } catch (InterruptedException e) {
                return;
            }
            long target = pid;
            if (target != 0 && Posix.processGroupAlive(target)) {
                LOG.warn("the app did not stop within {} s of the stop signal; killing its process group", grace.toSeconds());
                Posix.kill(-target, SIGKILL);
            }
        });
    }
}
