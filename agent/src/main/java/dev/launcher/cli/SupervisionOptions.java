package dev.launcher.cli;

import picocli.CommandLine.Option;

/** Flags of `launcher run` that mirror the supervision variables. */
final class SupervisionOptions {
    @Option(names = "--mode", paramLabel = "run|init|exec", description = "run: supervise as PID 1 (default); init: pull and exit 0; exec: replace the launcher with the app (env LAUNCHER_MODE)")
    String mode;

    @Option(names = "--grace", paramLabel = "SECONDS", description = "time a stopping app and its process group get before SIGKILL, default 25 (env LAUNCHER_GRACE)")
    String grace;

    @Option(names = "--exit-remap", paramLabel = "FROM=TO,...", description = "map the app's exit codes, e.g. 143=0 (env LAUNCHER_EXIT_REMAP)")
    String exitRemap;

    @Option(names = "--signal-group", arity = "0..1", fallbackValue = "true", description = "forward signals to the app's whole process group (env LAUNCHER_SIGNAL_GROUP)")
    Boolean signalGroup;
}
