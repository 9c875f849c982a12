package dev.launcher.registry;

import java.io.IOException;
import java.time.Duration;

/** No byte arrived for the idle timeout: the connection is alive on paper but the transfer is stuck. */
public final class StalledTransferException extends IOException {
    public StalledTransferException(Duration idle) {
        super("no data for " + idle.toMillis() / 1000.0 + " s (LAUNCHER_IDLE_TIMEOUT)");
    }
}
