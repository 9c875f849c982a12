package dev.launcher.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The registry's log file, which all its runs (stop, start) append to. */
record RequestLog(Path file) {
    /** Requests the harness sends to itself to know the log has caught up; tests never see them. */
    static final String MARKER_PREFIX = "/v2/_harness/sync/";

    List<LoggedRequest> requests() {
        return lines().stream()
                .map(LoggedRequest::parse)
                .flatMap(Optional::stream)
                .filter(r -> !r.path().startsWith(MARKER_PREFIX))
                .toList();
    }

    boolean containsMarker(String marker) {
        return text().contains(MARKER_PREFIX + marker);
    }

    /** The last lines, for failure messages. */
    String tail(int count) {
        List<String> lines = lines();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }

    private List<String> lines() {
        return text().lines().toList();
    }

    String text() {
        try {
            // Lenient decoding: a client may send any bytes in a header the log repeats.
            return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the registry log " + file, e);
        }
    }
}
