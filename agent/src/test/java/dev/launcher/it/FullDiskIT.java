package dev.launcher.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.launcher.testing.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache volume that fills up mid-pull: exit 74 with one line that says so, and no partial file left in the
 * cache. The cache is a 16 MB tmpfs in a mount namespace of the launcher's own; the shell that mounted it
 * lists what is left in the cache's tmp dir after the launcher exits, before the tmpfs goes away.
 */
class FullDiskIT {
    @Test
    void aFullCacheVolumeIs74AndLeavesNoTempDebris(@TempDir Path tmp) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root (CAP_SYS_ADMIN)");
        try (TestRegistry registry = TestRegistry.builder().start()) {
            String pinned = Apps.push(registry, "full/app:1", Apps.bigApp(tmp.resolve("src"), 48));
            Path cache = Files.createDirectories(tmp.resolve("cache"));
            var result = Apps.run(registry, pinned, cache, tmp.resolve("app"))
                    .wrappedIn("unshare", "--mount", "--propagation", "private", "sh", "-c",
                            "mount -t tmpfs -o size=16m tmpfs \"$1\" || exit 99; cache=$1; shift; \"$@\"; code=$?;"
                                    + " echo \"left in tmp: $(cd \"$cache/tmp\" && find . -mindepth 1 ! -name '*.lock' | tr '\\n' ' ')\";"
                                    + " exit $code",
                            "sh", cache.toString())
                    .run();
            if (result.exitCode() == 99) {
                abort("could not mount a tmpfs here: " + result);
            }
            assertEquals(74, result.exitCode(), result.toString());
            List<String> errors = result.stderr().lines().filter(l -> l.startsWith("launcher: ")).toList();
            assertEquals(1, errors.size(), result.toString());
            assertTrue(errors.getFirst().contains("No space left on device"), result.toString());
            assertTrue(result.stdout().strip().endsWith("left in tmp:"), "no temp debris: " + result);
            assertTrue(Files.notExists(tmp.resolve("app/payload.bin")), "nothing was assembled");
        }
    }
}
