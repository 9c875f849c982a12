package dev.launcher.it;

import static dev.launcher.it.LauncherProcess.launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.testing.TestRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layers as the oras CLI pushes them, ordinary image layers with whiteouts, and a hostile layer. */
class LayerFormatsIT {
    static TestRegistry registry;

    @BeforeAll
    static void start() {
        registry = TestRegistry.builder().start();
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    private LauncherProcess.Result pull(Path tmp, String artifact) {
        return launcher("pull", "--into", tmp.resolve("app").toString(), "--cache", tmp.resolve("cache").toString(),
                "--insecure", registry.hostPort(), "--artifact", artifact).run();
    }

    @Test
    void orasCliFileAndDirectoryLayers(@TempDir Path tmp) throws IOException {
        byte[] dir = new RawArtifact.Tar(true).dir("web").file("web/index.html", "<h1>hi</h1>", 0644).bytes();
        String ref = new RawArtifact()
                .layer("plain file content\n".getBytes(), "application/vnd.oci.image.layer.v1.tar", Map.of("org.opencontainers.image.title", "app.conf"))
                .layer(dir, "application/vnd.oci.image.layer.v1.tar+gzip",
                        Map.of("org.opencontainers.image.title", "web", "io.deis.oras.content.unpack", "true"))
                .push(registry.hostPort(), "oras/style:1", tmp);
        var result = pull(tmp, ref);
        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("plain file content\n", Files.readString(tmp.resolve("app/app.conf")));
        assertEquals("<h1>hi</h1>", Files.readString(tmp.resolve("app/web/index.html")));
    }

    @Test
    void imageLayersWithWhiteoutsAndCompressionDetectedFromBytes(@TempDir Path tmp) throws IOException {
        byte[] lower = new RawArtifact.Tar(true)
                .file("keep.txt", "keep", 0644).file("gone.txt", "gone", 0644)
                .dir("dir").file("dir/a", "a", 0644).bytes();
        ByteArrayOutputStream zstd = new ByteArrayOutputStream();
        try (var out = new ZstdCompressorOutputStream(zstd)) {
            out.write(new RawArtifact.Tar(false).file(".wh.gone.txt", "", 0644).dir("dir")
                    .file("dir/.wh..wh..opq", "", 0644).file("dir/b", "b", 0644).bytes());
        }
        // The upper layer's media type says gzip, its bytes are zstd: the bytes decide.
        String ref = new RawArtifact()
                .layer(lower, "application/vnd.oci.image.layer.v1.tar+gzip", Map.of())
                .layer(zstd.toByteArray(), "application/vnd.oci.image.layer.v1.tar+gzip", Map.of())
                .push(registry.hostPort(), "image/layers:1", tmp);
        // A read-only root has no writable java.io.tmpdir, where zstd-jni would unpack its native library.
        var result = launcher("pull", "--into", tmp.resolve("app").toString(), "--cache", tmp.resolve("cache").toString(),
                "--insecure", registry.hostPort(), "--artifact", ref)
                .env("JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + tmp.resolve("no-such-tmp")).run();
        assertEquals(0, result.exitCode(), result.toString());
        Path app = tmp.resolve("app");
        assertTrue(Files.exists(app.resolve("keep.txt")));
        assertFalse(Files.exists(app.resolve("gone.txt")), "whiteout removes a lower file");
        assertFalse(Files.exists(app.resolve("dir/a")), "opaque whiteout hides the lower dir's content");
        assertEquals("b", Files.readString(app.resolve("dir/b")));
        try (Stream<Path> all = Files.walk(app)) {
            assertTrue(all.noneMatch(p -> p.getFileName().toString().startsWith(".wh.")), "whiteout markers never reach the app dir");
        }
    }

    @Test
    void hostileLayerIsRefusedWith65AndNothingRuns(@TempDir Path tmp) throws IOException {
        byte[] evil = new RawArtifact.Tar(true).file("run.sh", "#!/bin/sh\ntouch " + tmp.resolve("ran") + "\n", 0755)
                .file("../escaped.txt", "outside", 0644).bytes();
        String ref = new RawArtifact().layer(evil, "application/vnd.oci.image.layer.v1.tar+gzip", Map.of())
                .push(registry.hostPort(), "evil/traversal:1", tmp);
        var result = launcher().env("ARTIFACT", ref).env("RUNARGS", "./run.sh")
                .env("LAUNCHER_CACHE", tmp.resolve("cache").toString()).env("LAUNCHER_APP_DIR", tmp.resolve("app").toString())
                .env("LAUNCHER_INSECURE", registry.hostPort()).run();
        assertEquals(65, result.exitCode(), result.toString());
        assertFalse(Files.exists(tmp.resolve("ran")), "nothing ran");
        try (Stream<Path> all = Files.walk(tmp)) {
            assertTrue(all.noneMatch(p -> p.getFileName().toString().equals("escaped.txt")), "nothing written outside");
        }
        assertEquals(0, Apps.layerTreesIn(tmp.resolve("cache")), "no layer tree was published");
    }
}
