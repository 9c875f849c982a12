package dev.launcher.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Where the end-to-end suite finds the repository and the distribution, and the images it builds once per run. */
final class E2E {
    private static boolean imagesBuilt;

    private E2E() {}

    static Path repoRoot() {
        return Path.of(property("repo.root")).toAbsolutePath().normalize();
    }

    static Path launcherHome() {
        return Path.of(property("launcher.home"));
    }

    static Path jvmAppJar() {
        return Path.of(property("jvm.app.jar"));
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            throw new IllegalStateException("system property " + name + " is not set: run the end-to-end tests with 'mvn verify'");
        }
        return value;
    }

    /**
     * Builds localhost/launcher and localhost/runtime-{node,php,jvm} from this build's distribution with
     * docker/build-images.sh, the script users run too; once per test JVM (a rebuild of unchanged layers
     * is a cache hit). Its output is shown in full when it fails.
     */
    static synchronized void buildImages() {
        if (imagesBuilt) {
            return;
        }
        ContainerEngine engine = ContainerEngine.get();
        Map<String, String> env = new HashMap<>(engine.environment());
        env.put("CONTAINER_ENGINE", engine.name());
        env.put("LAUNCHER_DIST", launcherHome().toString());
        long started = System.nanoTime();
        ProcessRun.ok(List.of("bash", repoRoot().resolve("docker/build-images.sh").toString()), env, Duration.ofMinutes(30));
        System.err.printf("e2e: %s built the images in %d s%n", engine.name(), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
        imagesBuilt = true;
    }

    /**
     * PID 1's VmRSS and private memory (Private_Clean + Private_Dirty of smaps_rollup) in a running container, once
     * it has settled a second: a figure printed for the README, not a timed assertion.
     */
    static String residentMemory(ContainerEngine engine, String container) {
        return engine.ok("exec", container, "sh", "-c", "sleep 1; printf '%s: ' \"$(cat /proc/1/comm)\";"
                + " awk '/VmRSS/ {r = $2} END {printf \"VmRSS %d kB, \", r}'"
                + " /proc/1/status; awk '/^Private_/ {p += $2} END {printf \"private %d kB\", p}' /proc/1/smaps_rollup").strip();
    }

    /**
     * Whether PID 1 of {@code container} became the launcher's supervising JVM within 30 s. The hand-over comes up to
     * 250 ms after the app's spawn (a shorter job is finished without it), so an app may answer before it.
     */
    static boolean awaitSupervisor(ContainerEngine engine, String container) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (engine.ok("exec", container, "cat", "/proc/1/cmdline").contains("dev.launcher.supervise.SupervisorMain")) {
                return true;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new AssertionError("no free port", e);
        }
    }

    /** Names unique to this run, so that a failed run's leftovers never collide with the next. */
    static String unique(String prefix) {
        return prefix + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    }
}
