package dev.launcher.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackRecordsTest {
    private static final PackRecords.Layer LAYER = new PackRecords.Layer(Digest.sha256("layer".getBytes(StandardCharsets.UTF_8)), 1234);

    @Test
    void aRecordIsFoundOnlyUnderItsDirectoryAndFingerprint(@TempDir Path tmp) throws IOException {
        Path source = Files.createDirectories(tmp.resolve("src/app"));
        Path other = Files.createDirectories(tmp.resolve("src/other"));
        PackRecords records = PackRecords.in(tmp.resolve("records"));
        TreeFingerprint fingerprint = TreeFingerprint.of(source, "salt");
        records.remember(source, fingerprint, LAYER);

        assertEquals(Optional.of(LAYER), records.lookup(source, fingerprint));
        assertEquals(Optional.of(LAYER), records.lookup(tmp.resolve("src/../src/app"), fingerprint), "by real path");
        assertEquals(Optional.empty(), records.lookup(source, TreeFingerprint.of(source, "other salt")));
        assertEquals(Optional.empty(), records.lookup(other, TreeFingerprint.of(other, "salt")));
    }

    @Test
    void aDamagedRecordOnlyMeansPackingAgain(@TempDir Path tmp) throws IOException {
        Path source = Files.createDirectories(tmp.resolve("app"));
        Path dir = tmp.resolve("records");
        PackRecords records = PackRecords.in(dir);
        TreeFingerprint fingerprint = TreeFingerprint.of(source, "salt");
        records.remember(source, fingerprint, LAYER);
        try (var files = Files.list(dir)) {
            Path record = files.findFirst().orElseThrow();
            Files.writeString(record, Files.readString(record).replace("size 1234", "size many"));
        }
        assertEquals(Optional.empty(), records.lookup(source, fingerprint));
    }

    @Test
    void whereRecordsAreKept(@TempDir Path tmp) throws IOException {
        Path source = Files.createDirectories(tmp.resolve("app"));
        TreeFingerprint fingerprint = TreeFingerprint.of(source, "salt");
        PackRecords.fromEnvironment(Map.of("HOME", tmp.resolve("home").toString())).remember(source, fingerprint, LAYER);
        assertTrue(Files.isDirectory(tmp.resolve("home/.cache/launcher/push")));
        PackRecords.fromEnvironment(Map.of("XDG_CACHE_HOME", tmp.resolve("xdg").toString(), "HOME", "/nonexistent"))
                .remember(source, fingerprint, LAYER);
        assertTrue(Files.isDirectory(tmp.resolve("xdg/launcher/push")));
        PackRecords off = PackRecords.fromEnvironment(Map.of(PackRecords.VARIABLE, "off", "HOME", tmp.resolve("home").toString()));
        assertEquals(Optional.empty(), off.lookup(source, fingerprint), "off: every directory is packed");
    }
}
