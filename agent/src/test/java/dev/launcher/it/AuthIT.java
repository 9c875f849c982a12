package dev.launcher.it;

import static dev.launcher.it.LauncherProcess.launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.testing.Credentials;
import dev.launcher.testing.DockerConfig;
import dev.launcher.testing.TestRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** htpasswd basic auth, credentials from a docker config.json named by DOCKER_CONFIG. */
class AuthIT {
    @Test
    void pushAndRunWithDockerConfigCredentials(@TempDir Path tmp) throws Exception {
        try (TestRegistry registry = TestRegistry.builder().basicAuth("deployer", "s3cret-pass").start()) {
            Path dockerConfig = registry.writeDockerConfig(tmp.resolve("docker")).getParent();
            String repo = registry.hostPort() + "/private/app:1";

            var push = launcher("push", "--insecure", registry.hostPort(), repo, Apps.smallApp(tmp.resolve("src"), "private ok").toString())
                    .env("DOCKER_CONFIG", dockerConfig.toString()).run();
            assertEquals(0, push.exitCode(), push.toString());

            var run = Apps.run(registry, repo, tmp.resolve("cache"), tmp.resolve("app")).env("DOCKER_CONFIG", dockerConfig.toString()).run();
            assertEquals(0, run.exitCode(), run.toString());
            assertTrue(run.stdout().contains("private ok"), run.toString());

            var anonymous = Apps.run(registry, repo, tmp.resolve("cache2"), tmp.resolve("app2")).run();
            assertEquals(77, anonymous.exitCode(), anonymous.toString());
            assertTrue(anonymous.stderr().contains("denied"), anonymous.stderr());

            Path wrong = DockerConfig.write(tmp.resolve("wrong"), registry.hostPort(), new Credentials("deployer", "wrong")).getParent();
            var denied = Apps.run(registry, repo, tmp.resolve("cache3"), tmp.resolve("app3")).env("DOCKER_CONFIG", wrong.toString()).run();
            assertEquals(77, denied.exitCode(), denied.toString());
        }
    }
}
