package dev.launcher.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.launcher.oci.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheListingTest {
    @TempDir
    Path dir;

    @Test
    void listsBlobsLayersAndRefs() throws Exception {
        try (CacheStore store = CacheStore.open(dir.resolve("cache"))) {
            byte[] content = "manifest".getBytes();
            Digest blob = Digest.sha256(content);
            Path blobPath = store.publishBlob(Files.write(store.newTempFile(), content), blob);
            Instant used = Instant.parse("2030-05-06T07:08:09Z");
            Files.setLastModifiedTime(blobPath, FileTime.from(used));

            Digest layer = Digest.sha256("layer".getBytes());
            Path temp = store.newLayerEntry();
            Files.createDirectories(CachePaths.treeIn(temp).resolve("a/b"));
            Files.write(CachePaths.treeIn(temp).resolve("a/b/c"), new byte[10]);
            Files.write(CachePaths.treeIn(temp).resolve("d"), new byte[5]);
            Path layerPath = store.publishLayer(temp, layer);

            store.writeRef("127.0.0.1:5000", "team/app", "v1", blob);
            Files.createDirectories(store.paths().blobsDir().resolve("sha256/not-a-digest"));

            List<CacheEntry> entries = new CacheListing(store.paths()).entries();

            assertEquals(3, entries.size(), entries.toString());
            assertEquals(new CacheEntry(CacheEntry.Kind.BLOB, blob, blob.toString(), blobPath, content.length, used),
                    entries.get(0));
            CacheEntry tree = entries.get(1);
            assertEquals(CacheEntry.Kind.LAYER, tree.kind());
            assertEquals(layer, tree.digest());
            assertEquals(layerPath, tree.path());
            assertEquals(15 + Files.size(CachePaths.indexIn(layerPath)), tree.size(), "the tree's files and its index");
            CacheEntry ref = entries.get(2);
            assertEquals(CacheEntry.Kind.REF, ref.kind());
            assertEquals("127.0.0.1:5000/team/app:v1", ref.name());
            assertEquals(blob, ref.digest());
            assertEquals(store.paths().ref("127.0.0.1:5000", "team/app", "v1"), ref.path());
        }
    }

    @Test
    void emptyCacheListsNothing() {
        try (CacheStore store = CacheStore.open(dir.resolve("cache"))) {
            assertEquals(List.of(), new CacheListing(store.paths()).entries());
        }
    }
}
