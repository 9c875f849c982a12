package dev.launcher.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
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
     * is a cache hit). Its output goes to a log file, shown in full when it fails.
     */
    static synchronized void buildImages() {
        if (imagesBuilt) {
            return;
        }
        ContainerEngine engine = ContainerEngine.get();
        try {
            Path log = Files.createTempFile("e2e-build-images", ".log");
            ProcessBuilder builder = new ProcessBuilder("bash", repoRoot().resolve("docker/build-images.sh").toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            builder.environment().putAll(engine.environment());
            builder.environment().put("CONTAINER_ENGINE", engine.name());
            builder.environment().put("LAUNCHER_DIST", launcherHome().toString());
            long started = System.nanoTime();
            Process process = builder.start();
            if (!process.waitFor(30, TimeUnit.MINUTES)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("docker/build-images.sh did not finish within 30 minutes:\n" + Files.readString(log));
            }
            if (process.exitValue() != 0) {
                throw new AssertionError("docker/build-images.sh failed with exit " + process.exitValue() + ":\n" + Files.readString(log));
            }
            System.err.printf("e2e: %s built the images in %d s%n", engine.name(),
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
            Files.delete(log);
            imagesBuilt = true;
        } catch (IOException e) {
            throw new AssertionError("cannot run docker/build-images.sh", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
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
