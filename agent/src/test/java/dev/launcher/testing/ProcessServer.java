package dev.launcher.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Debian's {@code docker-registry} binary as a child process on 127.0.0.1: what CI uses. */
final class ProcessServer implements RegistryServer {
    /** Killed when the test JVM exits, so that a test that forgot close() leaves no server behind. */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(
                new Thread(() -> LIVE.forEach(Process::destroyForcibly), "test-registry-reaper"));
    }

    private final RegistryFiles files;
    private final Path binary;
    private Process process;

    ProcessServer(RegistryFiles files, int port, boolean basicAuth, boolean tls) {
        this.files = files;
        this.binary = Cli.require("docker-registry");
        files.writeConfig(new RegistryConfig("127.0.0.1:" + port, files.storage().toString(),
                files.conf().toString(), basicAuth, tls));
    }

    @Override
    public void start() {
        try {
            // Both streams go straight into one O_APPEND file: no pump thread that could lag behind the server.
            process = new ProcessBuilder(binary.toString(), "serve", files.config().toString())
                    .directory(files.root().toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(files.log().toFile()))
                    .start();
            LIVE.add(process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
    }

    @Override
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("docker-registry pid " + process.pid() + " survived SIGKILL for 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping docker-registry", e);
        }
        LIVE.remove(process);
        process = null;
    }

    @Override
    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    @Override
    public String describe() {
        return binary + (process == null ? " (not running)" : " pid " + process.pid()
                + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")"));
    }
}
