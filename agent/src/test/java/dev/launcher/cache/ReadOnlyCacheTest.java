package dev.launcher.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache the launcher cannot write fails with exit 74 and a message naming the path and the fix.
 *
 * <p>The real case is a read-only volume. As root, chmod does not stop writes, so that test makes a genuine
 * read-only bind mount inside a private mount namespace ({@code unshare --mount}) around a child JVM; the mount
 * vanishes with the child and is invisible to the rest of the machine. Where that is impossible (not root, no
 * unshare, mount forbidden by the container) the test is skipped, and the other tests still cover "cannot create"
 * (a root under a regular file, which fails even for root) and, when not root, "permission denied" via chmod.
 */
class ReadOnlyCacheTest {
    @TempDir
    Path dir;

    @Test
    void rootUnderARegularFile() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "x");
        LauncherException e = assertThrows(LauncherException.class, () -> CacheStore.open(file.resolve("cache")));
        assertEquals(ExitCode.CACHE_IO, e.exitCode());
        assertEquals("cannot create cache directory " + file.resolve("cache") + ": Not a directory; a file is in the way"
                + " of a cache directory: remove it or set LAUNCHER_CACHE to a writable directory", e.getMessage());
    }

    @Test
    void rootIsARegularFile() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "x");
        LauncherException e = assertThrows(LauncherException.class, () -> CacheStore.open(file));
        assertEquals(ExitCode.CACHE_IO, e.exitCode());
        assertTrue(e.getMessage().startsWith("cannot create cache directory " + file + ": a file is already there;"),
                e.getMessage());
    }

    @Test
    void readOnlyBindMount() throws Exception {
        assumeTrue(isRoot(), "mounting needs root (CAP_SYS_ADMIN)");
        Path volume = Files.createDirectory(dir.resolve("volume"));
        // One cache that exists already (the common case: the directories are there, only writes fail) and one
        // that would have to be created.
        CacheStore.open(volume.resolve("existing")).close();

        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount --bind \"$1\" \"$1\" && mount -o remount,bind,ro \"$1\" || exit 99; shift; exec \"$@\"",
                "sh", volume.toString()));
        command.addAll(ChildProcess.javaCommand("open", volume.resolve("existing").toString(), volume.resolve("new").toString()));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(dir.resolve("stderr").toFile()).start();
        } catch (IOException e) {
            abort("no unshare here: " + e.getMessage());
            return;
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        if (process.exitValue() != 0) {
            abort("could not make a read-only bind mount (exit " + process.exitValue() + "): "
                    + Files.readString(dir.resolve("stderr")));
        }
        String advice = "the cache volume is read-only: mount it writable or set LAUNCHER_CACHE to a writable directory";
        assertEquals(List.of(
                        "FAIL 74 cannot write to cache directory " + volume.resolve("existing/tmp")
                                + ": Read-only file system; " + advice,
                        "FAIL 74 cannot create cache directory " + volume.resolve("new")
                                + ": Read-only file system; " + advice),
                out.lines().toList());
    }

    @Test
    void notWritableByThisUser() throws IOException {
        assumeTrue(!isRoot(), "root writes through permissions; see readOnlyBindMount");
        Path cache = dir.resolve("cache");
        CacheStore.open(cache).close();
        Files.setPosixFilePermissions(cache.resolve("tmp"), PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            LauncherException e = assertThrows(LauncherException.class, () -> CacheStore.open(cache));
            assertEquals(ExitCode.CACHE_IO, e.exitCode());
            assertTrue(e.getMessage().startsWith("cannot write to cache directory " + cache.resolve("tmp")
                    + ": permission denied; the cache is not writable by user"), e.getMessage());
        } finally {
            Files.setPosixFilePermissions(cache.resolve("tmp"), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private boolean isRoot() throws IOException {
        return ((Integer) Files.getAttribute(dir, "unix:uid")) == 0;
    }
}
