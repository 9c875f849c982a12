package dev.launcher.e2e;

import java.io.IOException;
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

    ProcessRun.Result run(Duration timeout, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(command);
        cmd.addAll(List.of(args));
        return ProcessRun.run(cmd, env, timeout);
    }

    ProcessRun.Result run(String... args) {
        return run(Duration.ofMinutes(2), args);
    }

    /** Runs and fails the test, with the engine's output, unless it exits 0. */
    String ok(String... args) {
        ProcessRun.Result result = run(args);
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
