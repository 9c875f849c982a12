package dev.launcher.it;

import static dev.launcher.it.LauncherProcess.launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Not PID 1 (a shared PID namespace, a sidecar, a local run): the launcher becomes a child subreaper and still reaps. */
class SubreaperIT {
    @Test
    void orphansComeToTheLauncherAndAreReaped(@TempDir Path tmp) throws Exception {
        Path orphansLog = tmp.resolve("orphans");
        Path release = tmp.resolve("release");
        Path logs = Files.createDirectories(tmp.resolve("logs"));
        Process launcher = launcher()
                .env("LAUNCHER_APP_DIR", Pid1Launcher.preparedApp(tmp.resolve("app")).toString())
                .env("LAUNCHER_CACHE", tmp.resolve("cache").toString())
                .env("RUNARGS", "[\"./orphans.sh\",\"5\",\"60\"]")
                .env("ORPHANS_LOG", orphansLog.toString()).env("RELEASE_FILE", release.toString())
                .start(logs.resolve("stdout"), logs.resolve("stderr"));
        try {
            Pid1Launcher.await("5 orphans to exit", Duration.ofSeconds(20), () -> Pid1Launcher.lines(orphansLog).size() >= 5);
            for (String line : Pid1Launcher.lines(orphansLog)) {
                assertEquals(Long.toString(launcher.pid()), line.split(" ")[1],
                        "each orphan ended as the launcher's child ('pid ppid'): " + line);
            }
            Pid1Launcher.await("the launcher to reap them", Duration.ofSeconds(3), () -> zombieChildren(launcher.pid()).isEmpty());
            Files.createFile(release);
            assertTrue(launcher.waitFor(20, TimeUnit.SECONDS), "launcher exits");
            assertEquals(0, launcher.exitValue(), Files.readString(logs.resolve("stderr")));
        } finally {
            launcher.destroyForcibly();
        }
    }

    private static List<Long> zombieChildren(long parent) {
        List<Long> zombies = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("[0-9]+")).toList()) {
                try {
                    String stat = Files.readString(proc.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (fields[0].equals("Z") && Long.parseLong(fields[1]) == parent) {
                        zombies.add(Long.parseLong(proc.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // exited while we looked
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return zombies;
    }
}
