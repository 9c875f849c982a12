package dev.launcher.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One container of a runtime image, started detached on the host network (the test registry listens on
 * loopback), with the options a user would type after {@code docker run}.
 */
final class AppContainer implements AutoCloseable {
    private final ContainerEngine engine = ContainerEngine.get();
    private final String name;
    private final List<String> options = new ArrayList<>();
    private final String image;
    private boolean started;
    private List<String> arguments = List.of();

    AppContainer(String image) {
        this.image = image;
        this.name = E2E.unique("e2e-app");
    }

    AppContainer env(String variable, String value) {
        options.addAll(List.of("-e", variable + "=" + value));
        return this;
    }

    AppContainer volume(String volume, String mountPoint) {
        options.addAll(List.of("-v", volume + ":" + mountPoint));
        return this;
    }

    /** {@code --entrypoint executable IMAGE arguments...}: another PID 1 than the image's own. */
    AppContainer entrypoint(String executable, String... arguments) {
        options.addAll(List.of("--entrypoint", executable));
        this.arguments = List.of(arguments);
        return this;
    }

    AppContainer readOnlyRoot() {
        options.addAll(engine.readOnlyRoot());
        return this;
    }

    String name() {
        return name;
    }

    /** The command line a user would type (without the engine's name), for messages and the README. */
    List<String> runArguments() {
        List<String> args = new ArrayList<>(List.of("run", "-d", "--name", name, "--network", "host"));
        args.addAll(options);
        args.add(image);
        args.addAll(arguments);
        return args;
    }

    AppContainer start() {
        started = true;
        try {
            engine.ok(runArguments().toArray(String[]::new));
        } catch (AssertionError e) {
            close(); // run -d can create the container and then fail to start it; the caller never gets to close it
            throw e;
        }
        return this;
    }

    /** Polls until the app answers 200 on {@code path}, and returns the body; fails early when the container ends. */
    String awaitHttp(int port, String path, Duration timeout) {
        return HttpProbe.awaitOk(port, path, timeout, this::running, () -> name + " (exit " + exitCode() + "):\n" + logs());
    }

    record Stopped(int exitCode, Duration took, String logs) {}

    /** {@code stop -t}: TERM, then KILL after {@code seconds}; returns the container's exit code and how long it took. */
    Stopped stop(int seconds) {
        long started = System.nanoTime();
        engine.ok("stop", "-t", Integer.toString(seconds), name);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        return new Stopped(exitCode(), took, logs());
    }

    int exitCode() {
        return Integer.parseInt(engine.ok("inspect", "--format", "{{.State.ExitCode}}", name).strip());
    }

    boolean running() {
        return engine.ok("inspect", "--format", "{{.State.Running}}", name).strip().equals("true");
    }

    /** stdout and stderr of the container: the app's output and the launcher's log lines. */
    String logs() {
        ProcessRun.Result result = engine.run("logs", name);
        return result.stdout() + result.stderr();
    }

    @Override
    public void close() {
        if (started) {
            engine.run("rm", "-f", "-v", name);
        }
    }
}
