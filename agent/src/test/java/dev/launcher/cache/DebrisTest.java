package dev.launcher.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Temp files of launchers that died (kill -9, OOM) are removed; those of live ones, anywhere, are not. */
class DebrisTest {
    @TempDir
    Path dir;

    @Test
    void removesTheTempDirOfAKilledProcessButNotOfALiveOne() throws Exception {
        Path root = dir.resolve("cache");
        try (CacheStore store = CacheStore.open(root);
                ChildProcess dead = ChildProcess.start(dir.resolve("logs"), "temp", root.toString());
                ChildProcess alive = ChildProcess.start(dir.resolve("logs"), "temp", root.toString())) {
            CachePaths paths = store.paths();
            String deadId = dead.awaitReady();
            String aliveId = alive.awaitReady();
            dead.kill();
            assertTrue(Files.isDirectory(paths.ownerDir(deadId)), "SIGKILL ran no cleanup");

            assertEquals(1, store.cleanDebris());

            assertFalse(Files.exists(paths.ownerDir(deadId)));
            assertFalse(Files.exists(paths.ownerLock(deadId)));
            assertTrue(Files.isDirectory(paths.ownerDir(aliveId)));
            assertTrue(Files.exists(paths.ownerLock(aliveId)));
            assertTrue(Files.isDirectory(paths.ownerDir(store.ownerId())));

            alive.kill();
            assertEquals(1, store.cleanDebris());
            assertFalse(Files.exists(paths.ownerDir(aliveId)));
        }
    }

    @Test
    void openCleansDebris() throws Exception {
        Path root = dir.resolve("cache");
        String deadId;
        try (ChildProcess dead = ChildProcess.start(dir.resolve("logs"), "temp", root.toString())) {
            deadId = dead.awaitReady();
            dead.kill();
        }
        try (CacheStore store = CacheStore.open(root)) {
            assertFalse(Files.exists(store.paths().ownerDir(deadId)));
        }
    }

    /** Another store in this JVM is alive too, and probing it must not drop its lock (one channel per file). */
    @Test
    void keepsTheTempDirOfAnotherStoreInThisJvm() throws Exception {
        Path root = dir.resolve("cache");
        try (CacheStore first = CacheStore.open(root); CacheStore second = CacheStore.open(root)) {
            assertEquals(0, second.cleanDebris());
            assertTrue(Files.isDirectory(first.paths().ownerDir(first.ownerId())));
            try (ChildProcess probe = ChildProcess.start(dir.resolve("logs"),
                    "probe", root.toString(), first.paths().ownerLock(first.ownerId()).toString())) {
                assertTrue(probe.awaitLine().startsWith("BUSY"), "first's liveness lock must still be held");
            }
        }
    }

    @Test
    void removesOrphansAndLeavesStrangersAlone() throws Exception {
        Path root = dir.resolve("cache");
        try (CacheStore store = CacheStore.open(root)) {
            CachePaths paths = store.paths();
            // A dir whose lock file is gone, a free lock file without a dir, and a read-only tree inside debris.
            String orphanDir = "00000000000000000000000000000001";
            String orphanLock = "00000000000000000000000000000002";
            Path tree = Files.createDirectories(paths.ownerDir(orphanDir).resolve("layer/ro"));
            Files.writeString(tree.resolve("f"), "x");
            Files.setPosixFilePermissions(tree, PosixFilePermissions.fromString("r-xr-xr-x"));
            Files.createFile(paths.ownerLock(orphanLock));
            Path stranger = Files.createDirectory(paths.tmpDir().resolve("not-ours"));

            assertEquals(2, store.cleanDebris());

            assertFalse(Files.exists(paths.ownerDir(orphanDir)));
            assertFalse(Files.exists(paths.ownerLock(orphanLock)));
            assertTrue(Files.exists(stranger));
        }
    }
}
