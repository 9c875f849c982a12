package dev.launcher.supervise;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.launcher.fs.FileNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The environment as bytes: every {@code NAME=VALUE} entry as a raw string, one char per byte, in order.
 *
 * <p>The JDK decodes the environment with the locale's charset, and a container often has none: then
 * {@code System.getenv()} holds {@code caf\uFFFD\uFFFD} for {@code café}, and an app started with it would get
 * different bytes than the container gave. So the app gets the entries the kernel handed the launcher, read from
 * {@code /proc/self/environ}, exactly; the launcher's own settings are read from {@link #text()}, decoded as UTF-8.
 */
public record RawEnvironment(List<String> entries) {
    private static final Path PROC_ENVIRON = Path.of("/proc/self/environ");

    public RawEnvironment {
        entries = List.copyOf(entries);
    }

    /**
     * The environment this process started with. The JVM does not change it; without {@code /proc}, the JDK's view
     * is the best there is.
     */
    public static RawEnvironment current() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(PROC_ENVIRON);
        } catch (IOException | SecurityException e) {
            return ofText(System.getenv());
        }
        List<String> entries = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                if (i > start) {
                    entries.add(FileNames.raw(bytes, start, i));
                }
                start = i + 1;
            }
        }
        return new RawEnvironment(entries);
    }

    /** Variables given as text, encoded as UTF-8. */
    public static RawEnvironment ofText(Map<String, String> variables) {
        List<String> entries = new ArrayList<>(variables.size());
        variables.forEach((name, value) -> {
            if (name.isEmpty() || name.indexOf('=') >= 0) {
                throw new IllegalArgumentException("invalid environment variable name '" + name + "'");
            }
            entries.add(FileNames.fromText(name + "=" + value));
        });
        return new RawEnvironment(entries);
    }

    /** The variables decoded as UTF-8, as a lookup; where a name appears twice the first counts, as getenv(3) has it. */
    public Map<String, String> text() {
        Map<String, String> variables = new LinkedHashMap<>();
        for (String entry : entries) {
            if (entry.indexOf('=') > 0) {
                String decoded = new String(FileNames.bytes(entry), UTF_8); // lossy where not UTF-8: only a lookup
                int eq = decoded.indexOf('=');
                variables.putIfAbsent(decoded.substring(0, eq), decoded.substring(eq + 1));
            }
        }
        return variables;
    }
}
