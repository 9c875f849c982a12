package dev.launcher.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A push reuses a layer only while the fingerprint stays: every change the layer's bytes could see must move it. */
class TreeFingerprintTest {
    private static final String SALT = "launcher-packer 1 mtime 1970-01-01T00:00:00Z";
    @TempDir
    Path tree;
    private TreeFingerprint before;

    @BeforeEach
    void aTree() throws IOException {
        Files.createDirectories(tree.resolve("lib/sub"));
        Files.writeString(tree.resolve("lib/a.js"), "module.exports = 1\n");
        Files.writeString(tree.resolve("lib/sub/b.js"), "module.exports = 2\n");
        Files.createSymbolicLink(tree.resolve("link"), Path.of("lib/a.js"));
        before = TreeFingerprint.of(tree, SALT);
    }

    @Test
    void anUntouchedTreeKeepsItsFingerprint() throws IOException {
        assertEquals(before, TreeFingerprint.of(tree, SALT));
    }

    @Test
    void anotherPackerSettingIsAnotherFingerprint() throws IOException {
        assertNotEquals(before.value(), TreeFingerprint.of(tree, "launcher-packer 1 mtime 2024-01-01T00:00:00Z").value());
    }

    @Test
    void contentRewrittenToTheSameSizeWithItsOldMtimeStillChangesIt() throws IOException {
        Path file = tree.resolve("lib/a.js");
        FileTime mtime = Files.getLastModifiedTime(file);
        Files.writeString(file, "module.exports = 9\n");
        Files.setLastModifiedTime(file, mtime); // as `touch -r` or `cp -p` would leave it; ctime moved
        assertNotEquals(before.value(), TreeFingerprint.of(tree, SALT).value());
    }

    @Test
    void aRenameAnAddedFileAModeAndALinkTargetEachChangeIt() throws IOException {
        Files.move(tree.resolve("lib/sub/b.js"), tree.resolve("lib/sub/c.js"));
        TreeFingerprint renamed = TreeFingerprint.of(tree, SALT);
        assertNotEquals(before.value(), renamed.value());

        Files.writeString(tree.resolve("lib/new.js"), "");
        TreeFingerprint added = TreeFingerprint.of(tree, SALT);
        assertNotEquals(renamed.value(), added.value());

        Files.setPosixFilePermissions(tree.resolve("lib/a.js"), PosixFilePermissions.fromString("rwxr-xr-x"));
        TreeFingerprint chmodded = TreeFingerprint.of(tree, SALT);
        assertNotEquals(added.value(), chmodded.value());

        Files.delete(tree.resolve("link"));
        Files.createSymbolicLink(tree.resolve("link"), Path.of("lib/new.js"));
        assertNotEquals(chmodded.value(), TreeFingerprint.of(tree, SALT).value());
    }

    @Test
    void aHardLinkChangesItThoughNamesAndSizesAlone() throws IOException {
        Path twin = tree.resolve("lib/twin.js");
        Files.writeString(twin, "module.exports = 1\n");
        TreeFingerprint copy = TreeFingerprint.of(tree, SALT);
        Files.delete(twin);
        Files.createLink(twin, tree.resolve("lib/a.js")); // same name, size and content: packed as a hard link now
        assertNotEquals(copy.value(), TreeFingerprint.of(tree, SALT).value());
    }

    @Test
    void aTreeIsSettledOnlyTwoSecondsAfterItsLastChange() throws IOException {
        Instant now = Instant.now();
        assertFalse(before.settledBefore(now), "just written: a change in the same timestamp tick could hide");
        assertTrue(before.settledBefore(now.plusSeconds(3)));
    }
}
