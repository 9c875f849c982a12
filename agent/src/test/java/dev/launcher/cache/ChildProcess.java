package dev.launcher.cache;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A {@link ChildMain} in its own JVM: the stand-in for another launcher container on the same volume. */
final class ChildProcess implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final String EOF = "\u0000EOF";

    private final Process process;
    private final Path stderr;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private ChildProcess(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        Thread.ofPlatform().daemon().name("child-stdout").start(this::pump);
    }

    static List<String> javaCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=debug",
                ChildMain.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** Runs {@code java ... ChildMain args}; its stderr goes to a file in {@code logDir} for failure messages. */
    static ChildProcess start(Path logDir, String... args) {
        return start(logDir, javaCommand(args));
    }

    static ChildProcess start(Path logDir, List<String> command) {
        try {
            Files.createDirectories(logDir);
            Path stderr = Files.createTempFile(logDir, "child-", ".stderr");
            Process process = new ProcessBuilder(command)
                    .redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
            return new ChildProcess(process, stderr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void pump() {
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                lines.add(line);
            }
        } catch (IOException e) {
            // The child died; EOF below tells the reader.
        }
        lines.add(EOF);
    }

    /** The next line the child prints; fails the test (with the child's stderr) if none comes. */
    String awaitLine() throws InterruptedException {
        String line = lines.poll(STARTUP.toSeconds(), TimeUnit.SECONDS);
        if (line == null || line.equals(EOF)) {
            fail("child printed nothing" + (line == null ? " in " + STARTUP : " and exited " + exitCode())
                    + "; its stderr:\n" + stderr());
        }
        return line;
    }

    /** Waits for "READY detail" and returns detail. */
    String awaitReady() throws InterruptedException {
        String line = awaitLine();
        if (!line.startsWith("READY")) {
            fail("child said '" + line + "' instead of READY; its stderr:\n" + stderr());
        }
        return line.substring("READY".length()).strip();
    }

    /** SIGKILL: no shutdown hook, no close, exactly like kill -9 or the OOM killer. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            fail("child survived SIGKILL for 30s");
        }
    }

    int waitFor() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("child did not exit in 60s; its stderr:\n" + stderr());
        }
        return process.exitValue();
    }

    private String exitCode() {
        try {
            process.waitFor(5, TimeUnit.SECONDS);
            return process.isAlive() ? "(still running)" : String.valueOf(process.exitValue());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(unknown)";
        }
    }

    String stderr() {
        try {
            return Files.readString(stderr);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
