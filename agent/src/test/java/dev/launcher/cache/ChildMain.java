package dev.launcher.cache;

import dev.launcher.error.LauncherException;
import dev.launcher.oci.Digest;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Runs in a child JVM so that tests see a second process on the cache, exactly as another container would be:
 * its own locks, killed for real by SIGKILL. Prints one line when it is ready, then stays until killed.
 */
public final class ChildMain {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path root = Path.of(args[1]);
        switch (mode) {
            case "temp" -> {
                CacheStore store = CacheStore.open(root);
                Files.writeString(store.newTempFile(), "half a blob");
                Files.writeString(store.newTempDir().resolve("file"), "half a tree");
                ready(store.ownerId());
            }
            case "lock" -> {
                CacheStore store = CacheStore.open(root);
                store.lock(Digest.parse(args[2]));
                ready("locked");
            }
            case "lease" -> {
                CacheStore store = CacheStore.open(root);
                store.lease(Digest.parse(args[2]));
                ready("leased");
            }
            case "probe" -> {
                // What another process sees of a lock file: which bytes it could lock exclusively right now.
                System.out.println(probe(Path.of(args[2]), LockFile.WRITE) + " " + probe(Path.of(args[2]), LockFile.LEASE));
                System.out.flush();
                return;
            }
            case "open" -> {
                for (int i = 1; i < args.length; i++) {
                    try {
                        CacheStore.open(Path.of(args[i])).close();
                        System.out.println("OK");
                    } catch (LauncherException e) {
                        System.out.println("FAIL " + e.exitCode().code() + " " + e.getMessage());
                    }
                }
                System.out.flush();
                return;
            }
            default -> throw new IllegalArgumentException(mode);
        }
        Thread.sleep(Long.MAX_VALUE);
    }

    private static String probe(Path lockFile, int region) throws Exception {
        LockFile file;
        try {
            file = LockFile.open(lockFile, false);
        } catch (NoSuchFileException e) {
            return "ABSENT";
        }
        try {
            LockFile.Region r = file.region(region);
            if (!r.tryLockExclusive()) {
                return "BUSY";
            }
            r.unlock();
            return "FREE";
        } finally {
            file.release();
        }
    }

    private static void ready(String detail) {
        System.out.println("READY " + detail);
        System.out.flush();
    }
}
