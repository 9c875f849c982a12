package dev.launcher.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs the command-line tools the harness leans on, failing loudly with the Debian package to install. */
final class Cli {
    /** Which Debian package ships each tool, so that a missing tool fails with its fix in the message. */
    private static final Map<String, String> PACKAGES = Map.of(
            "openssl", "openssl",
            "htpasswd", "apache2-utils",
            "docker-registry", "docker-registry");

    private Cli() {}

    static Optional<Path> which(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = dir.isEmpty() ? null : Path.of(dir, tool);
            if (candidate != null && Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    static Path require(String tool) {
        return which(tool).orElseThrow(() -> new IllegalStateException(
                "'" + tool + "' is not on PATH: install the Debian package '"
                        + PACKAGES.getOrDefault(tool, tool) + "' (.ci/run does)"));
    }

    /** Runs the tool in {@code dir} and returns its stdout; a non-zero exit throws with its stderr. */
    static String run(Path dir, String tool, String... args) {
        List<String> command = new ArrayList<>();
        command.add(require(tool).toString());
        command.addAll(List.of(args));
        try {
            // stderr to a file, not a pipe: reading two pipes from one thread can deadlock.
            Path err = Files.createTempFile("cli-", ".err");
            try {
                Process process = new ProcessBuilder(command)
                        .directory(dir.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectError(err.toFile())
                        .start();
                byte[] out = process.getInputStream().readAllBytes();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException(tool + " did not finish within 60 s: " + command);
                }
                if (process.exitValue() != 0) {
                    throw new IllegalStateException(tool + " exited " + process.exitValue() + ": " + command
                            + "\n" + Files.readString(err));
                }
                return new String(out, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }
}
