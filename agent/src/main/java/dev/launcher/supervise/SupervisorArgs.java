package dev.launcher.supervise;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the supervising JVM is told on its command line: the app it adopts (already running, its pid and process
 * group), the terminal to take back when it is done, the supervision settings, and how much of the grace is left if a
 * stop was asked before the handover (-1 if none). All of it is ASCII, so no locale can garble it.
 */
record SupervisorArgs(long appPid, Terminal terminal, SupervisorSettings settings, long graceLeftMillis) {

    List<String> toArgs() {
        return List.of(
                Long.toString(appPid),
                terminal.encode(),
                Long.toString(settings.grace().toMillis()),
                Boolean.toString(settings.signalGroup()),
                settings.exitRemap().codes().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining(",")),
                Long.toString(graceLeftMillis));
    }

    static SupervisorArgs parse(String[] args) {
        if (args.length != 6) {
            throw new IllegalArgumentException("usage: SupervisorMain APP_PID TERMINAL GRACE_MS SIGNAL_GROUP EXIT_REMAP"
                    + " GRACE_LEFT_MS (the launcher hands over to it; it is not run by hand)");
        }
        SupervisorSettings settings = new SupervisorSettings(Duration.ofMillis(Long.parseLong(args[2])),
                args[4].isEmpty() ? ExitRemap.NONE : ExitRemap.parse(args[4]), Boolean.parseBoolean(args[3]));
        return new SupervisorArgs(Long.parseLong(args[0]), Terminal.decode(args[1]), settings, Long.parseLong(args[5]));
    }
}
