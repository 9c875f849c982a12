package dev.launcher.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Writes a docker {@code config.json} the way {@code docker login} leaves it, so a launcher child process
 * started with {@code DOCKER_CONFIG=<dir>} finds its registry credentials where real users keep them.
 */
public final class DockerConfig {
    private DockerConfig() {}

    /** Writes {@code dir/config.json} with one entry per registry host ("127.0.0.1:PORT"); returns the file. */
    public static Path write(Path dir, Map<String, Credentials> auths) {
        String entries = new TreeMap<>(auths).entrySet().stream()
                .map(e -> "    " + quote(e.getKey()) + ": {\"auth\": " + quote(e.getValue().token()) + "}")
                .collect(Collectors.joining(",\n"));
        Path file = dir.resolve("config.json");
        try {
            Files.createDirectories(dir);
            Files.writeString(file, "{\n  \"auths\": {\n" + entries + "\n  }\n}\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    public static Path write(Path dir, String registryHost, Credentials credentials) {
        return write(dir, Map.of(registryHost, credentials));
    }

    /** Host names hold no quote or backslash, but a stray one must not produce broken JSON silently. */
    private static String quote(String text) {
        if (text.chars().anyMatch(c -> c == '"' || c == '\\' || c < 0x20)) {
            throw new IllegalArgumentException("not written to JSON unescaped: " + text);
        }
        return "\"" + text + "\"";
    }
}
