package dev.launcher.it;

import static dev.launcher.it.LauncherProcess.launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad configuration is one line on stderr and exit 64, decided before any network traffic: the registry the
 * artifact names is real and running, and its access log must stay empty through every case.
 */
class BadConfigurationIT {
    private record Case(String name, LauncherProcess launcher, String expected) {}

    @Test
    void eachIsOneLineAndExit64WithoutTouchingTheRegistry(@TempDir Path tmp) throws IOException {
        try (TestRegistry registry = TestRegistry.builder().start()) {
            String host = registry.hostPort();
            String tag = host + "/bad/app:1";
            Path cache = tmp.resolve("cache");
            Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
            int before = registry.requests().size();
            List<Case> cases = List.of(
                    new Case("malformed ARTIFACT", env(host, cache, tmp.resolve("app1"))
                            .env("ARTIFACT", host + "/Bad Repo:1"), "invalid artifact reference"),
                    new Case("registry host that cannot be one", env(host, cache, tmp.resolve("app2"))
                            .env("ARTIFACT", "bad_host.example:5000/app:1"), "is not a valid registry host"),
                    new Case("RUNARGS JSON that does not parse", env(host, cache, tmp.resolve("app3"))
                            .env("ARTIFACT", tag).env("RUNARGS", "[\"node\", "), "RUNARGS"),
                    new Case("RUNARGS JSON that is not strings", env(host, cache, tmp.resolve("app4"))
                            .env("ARTIFACT", tag).env("RUNARGS", "[1, 2]"), "RUNARGS"),
                    new Case("app dir under a regular file", env(host, cache, file.resolve("app"))
                            .env("ARTIFACT", tag), "LAUNCHER_APP_DIR " + file.resolve("app")),
                    new Case("--runargs and a command after --",
                            launcher("run", "--artifact", tag, "--insecure", host, "--cache", cache.toString(),
                                    "--app-dir", tmp.resolve("app5").toString(), "--runargs", "node a.js", "--", "true"),
                            "both --runargs and a command after --"),
                    new Case("pull --into and --app-dir disagree",
                            launcher("pull", "--artifact", tag, "--insecure", host, "--cache", cache.toString(),
                                    "--app-dir", tmp.resolve("app6").toString(), "--into", tmp.resolve("elsewhere").toString()),
                            "name different directories"),
                    new Case("a tag where a digest is required", env(host, cache, tmp.resolve("app7"))
                            .env("ARTIFACT", tag).env("LAUNCHER_REQUIRE_DIGEST", "true"), "LAUNCHER_REQUIRE_DIGEST"),
                    new Case("unknown mode", env(host, cache, tmp.resolve("app8"))
                            .env("ARTIFACT", tag).env("LAUNCHER_MODE", "daemon"), "LAUNCHER_MODE"));

            List<String> failures = new ArrayList<>();
            for (Case c : cases) {
                var result = c.launcher().run();
                List<String> lines = result.stderr().lines().toList();
                if (result.exitCode() != 64 || lines.size() != 1 || !lines.getFirst().contains(c.expected())) {
                    failures.add(c.name() + ": " + result);
                }
            }
            assertTrue(failures.isEmpty(), String.join("\n\n", failures));
            assertEquals(before, registry.requests().size(), "no request reached the registry:\n" + registry.log());
        }
    }

    /** Valid settings apart from what each case breaks. */
    private static LauncherProcess env(String host, Path cache, Path appDir) {
        return launcher().env("RUNARGS", "true").env("LAUNCHER_INSECURE", host)
                .env("LAUNCHER_CACHE", cache.toString()).env("LAUNCHER_APP_DIR", appDir.toString());
    }
}
