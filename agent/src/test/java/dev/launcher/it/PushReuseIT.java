package dev.launcher.it;

import static dev.launcher.it.LauncherProcess.launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.testing.LoggedRequest;
import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `launcher push` sends only what changed: an unchanged directory is neither packed nor hashed again, a blob the
 * registry has is not uploaded again, and the manifest is byte for byte the one a full push gives.
 */
class PushReuseIT {
    static TestRegistry registry;
    @TempDir
    static Path tmp;
    static Path deps;
    static Path app;

    @BeforeAll
    static void twoDirectories() throws IOException, InterruptedException {
        registry = TestRegistry.builder().start();
        deps = Files.createDirectories(tmp.resolve("src/deps/node_modules/left-pad"));
        for (int i = 0; i < 50; i++) {
            Files.writeString(deps.resolve("file" + i + ".js"), "module.exports = " + i + "\n");
        }
        deps = tmp.resolve("src/deps");
        app = Files.createDirectories(tmp.resolve("src/app"));
        Files.writeString(app.resolve("server.js"), "console.log('v1')\n");
        Files.writeString(app.resolve("version.txt"), "1\n");
        // A tree changed within 2 s is never recorded as unchanged: a change in the same timestamp tick could hide.
        Thread.sleep(2_100);
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    private static LauncherProcess.Result push(Path records, String repoAndTag) {
        var result = launcher("push", "--insecure", registry.hostPort(), registry.reference(repoAndTag), deps.toString(),
                app.toString()).env("LAUNCHER_PUSH_RECORDS", records.toString()).run();
        assertEquals(0, result.exitCode(), result.toString());
        return result;
    }

    private static String digestOf(LauncherProcess.Result push) {
        String out = push.stdout().strip();
        return out.substring(out.indexOf('@') + 1);
    }

    private static List<LoggedRequest> since(int before) {
        List<LoggedRequest> all = registry.requests();
        return all.subList(before, all.size());
    }

    private static long uploads(List<LoggedRequest> requests) {
        return requests.stream().filter(r -> r.method().equals("PUT") && r.uri().contains("/blobs/uploads/")).count();
    }

    @Test
    void anUnchangedDirectoryIsNotPackedAndAChangedOneAloneIsUploaded(@TempDir Path records) throws IOException {
        String first = digestOf(push(records, "team/reuse:1"));

        int before = registry.requests().size();
        var again = push(records, "team/reuse:2");
        assertEquals(first, digestOf(again), "the same content, the same manifest");
        assertTrue(again.stderr().contains(deps + ": unchanged since it was packed as"), again.stderr());
        assertTrue(again.stderr().contains(app + ": unchanged since it was packed as"), again.stderr());
        assertEquals(0, uploads(since(before)), "nothing uploaded again:\n" + since(before));

        Files.writeString(app.resolve("version.txt"), "2\n");
        before = registry.requests().size();
        var changed = push(records, "team/reuse:3");
        assertTrue(changed.stderr().contains(deps + ": unchanged since it was packed as"), changed.stderr());
        assertFalse(changed.stderr().contains(app + ": unchanged"), changed.stderr());
        assertEquals(1, uploads(since(before)), "only the app's layer:\n" + since(before));

        var full = push(tmp.resolve("no-records-" + System.nanoTime()), "team/full:3");
        assertEquals(digestOf(changed), digestOf(full), "byte for byte what packing everything gives");
        assertNotEquals(first, digestOf(changed));
    }

    @Test
    void aFileRewrittenWithItsOldSizeAndMtimeIsPackedAgain(@TempDir Path records) throws IOException, InterruptedException {
        Path tree = Files.createDirectories(tmp.resolve("touched/site"));
        Path page = tree.resolve("index.html");
        Files.writeString(page, "<p>one</p>\n");
        Thread.sleep(2_100);
        String first = launcher("push", "--insecure", registry.hostPort(), registry.reference("team/touched:1"), tree.toString())
                .env("LAUNCHER_PUSH_RECORDS", records.toString()).run().stdout().strip();

        FileTime mtime = Files.getLastModifiedTime(page);
        Files.writeString(page, "<p>two</p>\n");
        Files.setLastModifiedTime(page, mtime); // as `cp -p` leaves it: only the ctime tells
        var second = launcher("push", "--insecure", registry.hostPort(), registry.reference("team/touched:2"), tree.toString())
                .env("LAUNCHER_PUSH_RECORDS", records.toString()).run();
        assertEquals(0, second.exitCode(), second.toString());
        assertFalse(second.stderr().contains("unchanged since"), second.stderr());
        assertNotEquals(first.substring(first.indexOf('@')), second.stdout().strip().substring(second.stdout().strip().indexOf('@')));
    }

    @Test
    void aRecordWhoseLayerTheRegistryLacksIsPackedAndUploaded(@TempDir Path records) {
        push(records, "team/here:1");
        int before = registry.requests().size();
        var elsewhere = push(records, "other/there:1"); // another repository: it has none of the blobs
        assertFalse(elsewhere.stderr().contains("unchanged since"), elsewhere.stderr());
        assertEquals(3, uploads(since(before)), "both layers and the config:\n" + since(before));
    }
}
