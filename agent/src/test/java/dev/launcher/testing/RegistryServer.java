package dev.launcher.testing;

/** One way to run the distribution server. TestRegistry owns files, port and readiness; this owns the process. */
sealed interface RegistryServer permits ProcessServer, ContainerServer {
    /** Starts the server; returns once it was launched, not once it answers. */
    void start();

    /** Kills the server at once (no graceful drain: tests want "down" now); idempotent. */
    void stop();

    boolean isRunning();

    /** What runs, for failure messages. */
    String describe();
}
