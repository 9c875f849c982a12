package dev.launcher.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the built distribution's bin/launcher as a real process, as a container would. */
public final class LauncherProcess {
    private final Map<String, String> env = new HashMap<>();
    private final List<String> args = new ArrayList<>();
    private final List<String> wrapper = new ArrayList<>();
    private Path workDir;

    static Path home() {
        String home = System.getProperty("launcher.home");
        if (home == null) {
            throw new IllegalStateException("system property launcher.home is not set: run the integration tests with 'mvn verify'");
        }
        return Path.of(home);
    }

    public static LauncherProcess launcher(String... arguments) {
        LauncherProcess p = new LauncherProcess();
        p.args.addAll(List.of(arguments));
        return p;
    }

    public LauncherProcess env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** Runs the launcher as the last arguments of {@code command} (e.g. a shell that mounts something first). */
    LauncherProcess wrappedIn(String... command) {
        wrapper.addAll(List.of(command));
        return this;
    }

    LauncherProcess in(Path dir) {
        workDir = dir;
        return this;
    }

    public record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    Process start(Path stdout, Path stderr) throws IOException {
        List<String> command = new ArrayList<>(wrapper);
        command.add(home().resolve("bin/launcher").toString());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        if (workDir != null) {
            builder.directory(workDir.toFile());
        }
        // Never let the developer's own settings leak into a test.
        builder.environment().keySet().removeIf(k -> k.startsWith("LAUNCHER_") || k.equals("ARTIFACT") || k.equals("RUNARGS")
                || k.equals("DOCKER_CONFIG") || k.equals("REGISTRY_AUTH_FILE"));
        builder.environment().put("HOME", stdout.getParent().toString());
        builder.environment().putAll(env);
        return builder.start();
    }

    public Result run() {
        try {
            Path dir = Files.createTempDirectory("launcher-it");
            Path out = dir.resolve("stdout");
            Path err = dir.resolve("stderr");
            Process process = start(out, err);
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("launcher did not finish in 120 s: " + Files.readString(err));
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot run the launcher", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
