package dev.launcher.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ManifestParserTest {
    private static final String A = "sha256:" + "a".repeat(64);
    private static final String B = "sha256:" + "b".repeat(64);

    @Test
    void keepsUntitledLayersAndAnnotations() {
        String json = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2},
                 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":10},
                           {"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":3,
                            "annotations":{"org.opencontainers.image.title":"hello.txt"}}]}
                """.formatted(A, A, B);
        var image = assertInstanceOf(ManifestParser.Image.class, ManifestParser.parse(json.getBytes(StandardCharsets.UTF_8), "t"));
        assertEquals(2, image.manifest().layers().size());
        assertEquals("hello.txt", image.manifest().layers().get(1).title().orElseThrow());
        assertEquals(13, image.manifest().totalLayerBytes());
    }

    @Test
    void readsIndexPlatforms() {
        String json = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
                 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":1,"platform":{"os":"linux","architecture":"arm64"}},
                 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":1,"platform":{"os":"linux","architecture":"amd64"}}]}
                """.formatted(A, B);
        var index = assertInstanceOf(ManifestParser.Index.class, ManifestParser.parse(json.getBytes(StandardCharsets.UTF_8), "t"));
        Reference ref = Reference.parse("127.0.0.1:5000/app:1");
        assertEquals(B, new dev.launcher.resolve.PlatformSelector("linux", "amd64").choose(index, ref).toString());
        var e = assertThrows(LauncherException.class, () -> new dev.launcher.resolve.PlatformSelector("linux", "s390x").choose(index, ref));
        assertEquals(ExitCode.NOT_FOUND, e.exitCode());
    }

    @Test
    void rejectsGarbageAsIntegrityFailure() {
        for (String bad : new String[] {"not json", "[]", "{\"schemaVersion\":2}", "{\"schemaVersion\":1,\"layers\":[]}",
            "{\"schemaVersion\":2,\"layers\":[{\"digest\":\"" + A + "\"}]}", "{\"schemaVersion\":2,\"layers\":[{\"digest\":\"" + A + "\",\"size\":-1}]}"}) {
            var e = assertThrows(LauncherException.class, () -> ManifestParser.parse(bad.getBytes(StandardCharsets.UTF_8), "t"), bad);
            assertEquals(ExitCode.INTEGRITY, e.exitCode(), bad);
        }
    }
}
