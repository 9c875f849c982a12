package dev.launcher.supervise;

import dev.launcher.error.LauncherException;
import java.util.HashMap;
import java.util.Map;

/** LAUNCHER_EXIT_REMAP, e.g. {@code 143=0}: a JVM app stopped by SIGTERM is a clean stop to Kubernetes. */
public record ExitRemap(Map<Integer, Integer> codes) {
    public static final ExitRemap NONE = new ExitRemap(Map.of());

    public ExitRemap {
        codes = Map.copyOf(codes);
    }

    public static ExitRemap parse(String text) {
        if (text == null || text.isBlank()) {
            return NONE;
        }
        Map<Integer, Integer> codes = new HashMap<>();
        for (String pair : text.split(",")) {
            String[] fromTo = pair.strip().split("=", -1);
            if (fromTo.length != 2) {
                throw invalid(text, "'" + pair.strip() + "' is not FROM=TO");
            }
            int from = code(text, fromTo[0]);
            int to = code(text, fromTo[1]);
            if (codes.put(from, to) != null) {
                throw invalid(text, "code " + from + " is mapped twice");
            }
        }
        return new ExitRemap(codes);
    }

    public int apply(int code) {
        return codes.getOrDefault(code, code);
    }

    private static int code(String text, String value) {
        try {
            int code = Integer.parseInt(value.strip());
            if (code >= 0 && code <= 255) {
                return code;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(text, "'" + value.strip() + "' is not an exit code 0..255");
    }

    private static LauncherException invalid(String text, String why) {
        return LauncherException.usage("LAUNCHER_EXIT_REMAP='" + text + "': " + why + "; write e.g. 143=0,130=0");
    }
}
