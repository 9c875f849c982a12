package dev.launcher.supervise;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure orphans come to us: as PID 1 of a namespace they do anyway; otherwise (a shared PID
 * namespace, a sidecar, a local run) we become a child subreaper so that reaping still works.
 */
public final class ProcessRole {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessRole.class);

    private ProcessRole() {}

    public static void takeUpReaping() {
        if (Posix.getpid() == 1) {
            return;
        }
        try {
            Posix.becomeChildSubreaper();
        } catch (RuntimeException e) {
            LOG.warn("not PID 1 and cannot become a child subreaper ({}): orphaned grandchildren of the app will not be reaped by us",
                    e.getMessage());
        }
    }
}
