package dev.launcher.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one command to its end with its output captured in files (no pipe can fill up and stall it). */
final class ProcessRun {
    private ProcessRun() {}

    record Result(List<String> command, int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return String.join(" ", command) + "\nexit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    /** Fails the test when the command cannot start or outlives {@code timeout}; any exit code is returned. */
    static Result run(List<String> command, Map<String, String> env, Duration timeout) {
        try {
            Path dir = Files.createTempDirectory("e2e-run");
            Path out = dir.resolve("stdout");
            Path err = dir.resolve("stderr");
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout.toSeconds() + " s\n"
                        + Files.readString(out) + Files.readString(err));
            }
            Result result = new Result(command, process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            Files.delete(dir);
            return result;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Like {@link #run}, and fails the test, with the command's output, unless it exits 0. */
    static Result ok(List<String> command, Map<String, String> env, Duration timeout) {
        Result result = run(command, env, timeout);
        if (result.exitCode() != 0) {
            throw new AssertionError(result.toString());
        }
        return result;
    }
}
