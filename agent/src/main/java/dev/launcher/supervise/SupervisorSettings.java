package dev.launcher.supervise;

import java.time.Duration;

/**
 * How the child is supervised.
 *
 * @param grace how long a stopping child (and, after it exits, the rest of its process group) may take
 *     before SIGKILL; below Kubernetes' default 30 s termination grace so our kill comes first
 * @param signalGroup forward signals to the child's whole process group instead of the child alone
 */
public record SupervisorSettings(Duration grace, ExitRemap exitRemap, boolean signalGroup) {
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(25);
}
