package dev.launcher.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.oci.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CachePathsTest {
    private static final Digest D = Digest.sha256("hello".getBytes());

    @TempDir
    Path dir;

    @Test
    void layout() {
        CachePaths paths = new CachePaths(dir);
        assertEquals(dir.resolve("blobs/sha256/" + D.hex()), paths.blob(D));
        assertEquals(dir.resolve("trees/sha256/" + D.hex()), paths.layer(D));
        assertEquals(dir.resolve("trees/sha256/" + D.hex() + "/tree"), CachePaths.treeIn(paths.layer(D)));
        assertEquals(dir.resolve("trees/sha256/" + D.hex() + "/index"), CachePaths.indexIn(paths.layer(D)));
        assertEquals(dir.resolve("layers/sha256/" + D.hex()), paths.legacyLayer(D));
        assertEquals(dir.resolve("locks/" + D.hex()), paths.lock(D));
        String id = "0123456789abcdef0123456789abcdef";
        assertEquals(dir.resolve("tmp/" + id), paths.ownerDir(id));
        assertEquals(dir.resolve("tmp/" + id + ".lock"), paths.ownerLock(id));
        assertEquals(dir.resolve("refs/127.0.0.1:5000/team/app/_tags/v1"), paths.ref("127.0.0.1:5000", "team/app", "v1"));
    }

    @Test
    void computesWithoutTouchingTheDisk() {
        CachePaths paths = new CachePaths(dir.resolve("absent"));
        paths.blob(D);
        paths.layer(D);
        paths.lock(D);
        paths.ref("registry.example.com", "a", "latest");
        assertFalse(Files.exists(dir.resolve("absent")));
    }

    @Test
    void rootIsAbsoluteAndNormalized() {
        CachePaths paths = new CachePaths(Path.of("some/../cache"));
        assertTrue(paths.root().isAbsolute());
        assertEquals(Path.of("cache").toAbsolutePath(), paths.root());
    }

    @Test
    void registryIsCaseInsensitive() {
        CachePaths paths = new CachePaths(dir);
        assertEquals(paths.ref("registry.example.com", "a", "v1"), paths.ref("Registry.Example.COM", "a", "v1"));
    }

    @Test
    void nestedRepositoriesDoNotCollide() {
        // Tag "c" of "a/b" must not be the directory that repository "a/b/c" needs.
        CachePaths paths = new CachePaths(dir);
        Path tagOfParent = paths.ref("r.io", "a/b", "c");
        Path tagOfChild = paths.ref("r.io", "a/b/c", "d");
        assertFalse(tagOfChild.startsWith(tagOfParent));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "..", ".", "../x", "/etc", "a/b", "a b", "-x.io", "x..io", "host:port"})
    void rejectsBadRegistry(String registry) {
        assertRejected(() -> new CachePaths(dir).ref(registry, "app", "v1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "..", ".", "../x", "a/../b", "a/./b", "/abs", "a//b", "a/", "App", "a\\b", "_tags"})
    void rejectsBadRepository(String repository) {
        assertRejected(() -> new CachePaths(dir).ref("r.io", repository, "v1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "..", ".", ".hidden", "a/b", "-x", "a b"})
    void rejectsBadTag(String tag) {
        assertRejected(() -> new CachePaths(dir).ref("r.io", "app", tag));
    }

    @Test
    void rejectsOverlongTag() {
        assertRejected(() -> new CachePaths(dir).ref("r.io", "app", "x".repeat(129)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "localhost:5000", "127.0.0.1:5000", "[::1]:5000", "my-registry.example.com"})
    void acceptsRegistries(String registry) {
        Path ref = new CachePaths(dir).ref(registry, "team/sub-team/app_x.y", "v1.2.3-rc_1");
        assertTrue(ref.startsWith(dir.resolve("refs")));
    }

    @Test
    void rejectsForeignOwnerIds() {
        assertThrows(IllegalArgumentException.class, () -> new CachePaths(dir).ownerDir("../x"));
    }

    private static void assertRejected(org.junit.jupiter.api.function.Executable call) {
        LauncherException e = assertThrows(LauncherException.class, call);
        assertEquals(ExitCode.USAGE, e.exitCode());
    }
}
