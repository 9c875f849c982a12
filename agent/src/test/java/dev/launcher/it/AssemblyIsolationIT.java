package dev.launcher.it;

import static dev.launcher.it.LauncherProcess.launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * "An app writing into its own dir never changes what another container reads", in each assembly mode: a first
 * start runs an app that rewrites, truncates, chmods, deletes and replaces its files; a second start on the same
 * cache, into another app dir, must see every file as pushed.
 */
class AssemblyIsolationIT {
    static TestRegistry registry;
    @TempDir
    static Path shared;
    static String pinned;

    private static final String VANDAL = """
            #!/bin/sh
            set -e
            chmod u+w data/rewrite.txt data/truncate.txt
            printf 'REWRITTEN' > data/rewrite.txt
            : > data/truncate.txt
            chmod 777 data/chmod.txt
            rm data/delete.txt
            rm data/replace.txt && echo replaced > data/replace.txt
            echo vandalised
            """;
    private static final String SHOW = """
            #!/bin/sh
            for f in data/*; do printf '%s %s %s\\n' "$f" "$(stat -c %a "$f")" "$(cat "$f")"; done
            """;

    @BeforeAll
    static void pushApp() throws IOException {
        registry = TestRegistry.builder().start();
        Path app = Files.createDirectories(shared.resolve("src/app/data"));
        for (String name : new String[] {"rewrite", "truncate", "chmod", "delete", "replace"}) {
            Files.writeString(app.resolve(name + ".txt"), "original " + name);
            Files.setPosixFilePermissions(app.resolve(name + ".txt"), PosixFilePermissions.fromString("rw-r--r--"));
        }
        Path root = app.getParent();
        Files.writeString(root.resolve("vandal.sh"), VANDAL);
        Files.writeString(root.resolve("show.sh"), SHOW);
        for (String script : new String[] {"vandal.sh", "show.sh"}) {
            Files.setPosixFilePermissions(root.resolve(script), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        var push = launcher("push", "--insecure", registry.hostPort(), registry.reference("team/isolation:1"), root.toString())
                .env("LAUNCHER_PUSH_RECORDS", "off").run();
        assertEquals(0, push.exitCode(), push.toString());
        pinned = push.stdout().strip();
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    private static LauncherProcess.Result start(String mode, Path cache, Path appDir, String script) {
        return launcher()
                .env("ARTIFACT", pinned)
                .env("RUNARGS", "./" + script)
                .env("LAUNCHER_CACHE", cache.toString())
                .env("LAUNCHER_APP_DIR", appDir.toString())
                .env("LAUNCHER_INSECURE", registry.hostPort())
                .env("LAUNCHER_ASSEMBLY", mode)
                .run();
    }

    @ParameterizedTest
    @ValueSource(strings = {"copy", "link"})
    void whatAnAppDoesToItsFilesNoOtherContainerSees(String mode, @TempDir Path tmp) {
        Path cache = tmp.resolve("cache");
        var first = start(mode, cache, tmp.resolve("app-1"), "vandal.sh");
        assertEquals(0, first.exitCode(), first.toString());
        assertTrue(first.stdout().contains("vandalised"), first.toString());

        var second = start(mode, cache, tmp.resolve("app-2"), "show.sh");
        assertEquals(0, second.exitCode(), second.toString());
        String readOnly = mode.equals("link") ? "444" : "644";
        for (String name : new String[] {"delete", "replace"}) {
            assertTrue(second.stdout().contains("data/" + name + ".txt " + readOnly + " original " + name), second.toString());
        }
        // The files whose inode the app changed: in link mode (the app is root here) the change reached their shared
        // copies, and the next start finds that and copies them from the tree instead, with the tree's mode.
        for (String name : new String[] {"rewrite", "truncate", "chmod"}) {
            assertTrue(second.stdout().contains("data/" + name + ".txt 644 original " + name), second.toString());
        }
        var third = start(mode, cache, tmp.resolve("app-3"), "show.sh");
        assertEquals(0, third.exitCode(), third.toString());
        for (String name : new String[] {"rewrite", "truncate", "chmod", "delete", "replace"}) {
            assertTrue(third.stdout().contains("data/" + name + ".txt " + readOnly + " original " + name), third.toString());
        }
    }
}
