package dev.launcher.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The container engine the end-to-end tests drive through its CLI: Docker when its daemon answers, else
 * podman (set up as the repository's docker/podman-containers.conf says, unless CONTAINERS_CONF is set).
 * CONTAINER_ENGINE names one explicitly.
 */
final class ContainerEngine {
    private static ContainerEngine detected;

    private final String command;
    private final Map<String, String> env;

    private ContainerEngine(String command, Map<String, String> env) {
        this.command = command;
        this.env = env;
    }

    record Result(List<String> command, int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return String.join(" ", command) + "\nexit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    static synchronized ContainerEngine get() {
        if (detected == null) {
            detected = detect();
        }
        return detected;
    }

    private static ContainerEngine detect() {
        String named = System.getenv("CONTAINER_ENGINE");
        String chosen = named != null && !named.isBlank() ? named
                : new ContainerEngine("docker", Map.of()).answers("info") ? "docker" : "podman";
        Map<String, String> env = Map.of();
        if (chosen.equals("podman") && System.getenv("CONTAINERS_CONF") == null) {
            env = Map.of("CONTAINERS_CONF", E2E.repoRoot().resolve("docker/podman-containers.conf").toString());
        }
        ContainerEngine engine = new ContainerEngine(chosen, env);
        if (!engine.answers("version")) {
            throw new AssertionError("no container engine: neither a Docker daemon nor podman answered"
                    + " (install podman, or start Docker; .ci/setup installs podman on Debian)");
        }
        return engine;
    }

    String name() {
        return command;
    }

    boolean isPodman() {
        return command.equals("podman");
    }

    /** What the engine must be given for its process to see the same settings the tests use. */
    Map<String, String> environment() {
        return env;
    }

    /** A read-only root with nothing writable added behind the user's back (podman adds tmpfs mounts by default). */
    List<String> readOnlyRoot() {
        return isPodman() ? List.of("--read-only", "--read-only-tmpfs=false") : List.of("--read-only");
    }

    Result run(Duration timeout, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(command);
        cmd.addAll(List.of(args));
        try {
            Path dir = Files.createTempDirectory("e2e-engine");
            Path out = dir.resolve("stdout");
            Path err = dir.resolve("stderr");
            ProcessBuilder builder = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(String.join(" ", cmd) + " did not finish within " + timeout.toSeconds() + " s\n"
                        + Files.readString(err));
            }
            Result result = new Result(cmd, process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            Files.delete(dir);
            return result;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    Result run(String... args) {
        return run(Duration.ofMinutes(2), args);
    }

    /** Runs and fails the test, with the engine's output, unless it exits 0. */
    String ok(String... args) {
        Result result = run(args);
        if (result.exitCode() != 0) {
            throw new AssertionError(result.toString());
        }
        return result.stdout();
    }

    private boolean answers(String subcommand) {
        try {
            Process p = new ProcessBuilder(command, subcommand).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
