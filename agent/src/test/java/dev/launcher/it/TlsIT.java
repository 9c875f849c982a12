package dev.launcher.it;

import static dev.launcher.it.LauncherProcess.launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.testing.TestCerts;
import dev.launcher.testing.TestRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A registry with a certificate from a private CA: trusted with LAUNCHER_CA_FILE, refused without. */
class TlsIT {
    @Test
    void privateCaIsTrustedOnlyWhenGiven(@TempDir Path tmp) throws Exception {
        try (TestCerts certs = TestCerts.create(); TestRegistry registry = TestRegistry.builder().tls(certs).start()) {
            String repo = registry.hostPort() + "/tls/app:1";
            var push = launcher("push", "--ca-file", certs.caPem().toString(), repo,
                    Apps.smallApp(tmp.resolve("src"), "tls ok").toString()).run();
            assertEquals(0, push.exitCode(), push.toString());

            var trusted = launcher().env("ARTIFACT", repo).env("RUNARGS", "./run.sh")
                    .env("LAUNCHER_CACHE", tmp.resolve("cache").toString()).env("LAUNCHER_APP_DIR", tmp.resolve("app").toString())
                    .env("LAUNCHER_CA_FILE", certs.caPem().toString()).run();
            assertEquals(0, trusted.exitCode(), trusted.toString());
            assertTrue(trusted.stdout().contains("tls ok"), trusted.toString());

            var refused = launcher().env("ARTIFACT", repo).env("RUNARGS", "./run.sh")
                    .env("LAUNCHER_CACHE", tmp.resolve("cache2").toString()).env("LAUNCHER_APP_DIR", tmp.resolve("app2").toString()).run();
            assertEquals(69, refused.exitCode(), refused.toString());
            assertTrue(refused.stderr().contains("LAUNCHER_CA_FILE"), "the message says what to do: " + refused.stderr());
        }
    }
}
