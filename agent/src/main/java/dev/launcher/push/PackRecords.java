package dev.launcher.push;

import dev.launcher.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each directory pushed from this machine packed to last time: its {@link TreeFingerprint} and the digest and
 * size of the layer it gave. A push of a directory whose fingerprint is unchanged reuses that layer without packing
 * or hashing a byte. One small file per directory, named by a hash of its real path, written whole (temp file and
 * rename); a record that cannot be read or written only costs the next push its packing.
 *
 * <p>Kept in {@code LAUNCHER_PUSH_RECORDS}, else {@code $XDG_CACHE_HOME/launcher/push}, else
 * {@code ~/.cache/launcher/push}; {@code LAUNCHER_PUSH_RECORDS=off} packs every directory every time.
 */
public final class PackRecords {
    private static final Logger LOG = LoggerFactory.getLogger(PackRecords.class);
    public static final String VARIABLE = "LAUNCHER_PUSH_RECORDS";
    private static final String MAGIC = "launcher-pack-record 1";

    /** What a directory packed to. */
    record Layer(Digest digest, long size) {}

    private final Optional<Path> dir;

    private PackRecords(Optional<Path> dir) {
        this.dir = dir;
    }

    public static PackRecords in(Path dir) {
        return new PackRecords(Optional.of(dir));
    }

    public static PackRecords none() {
        return new PackRecords(Optional.empty());
    }

    public static PackRecords fromEnvironment(Map<String, String> env) {
        String configured = env.getOrDefault(VARIABLE, "");
        if (configured.equals("off")) {
            return none();
        }
        if (!configured.isEmpty()) {
            return in(Path.of(configured));
        }
        String cacheHome = env.getOrDefault("XDG_CACHE_HOME", "");
        if (!cacheHome.isEmpty()) {
            return in(Path.of(cacheHome, "launcher", "push"));
        }
        String home = env.getOrDefault("HOME", "");
        return home.isEmpty() ? none() : in(Path.of(home, ".cache", "launcher", "push"));
    }

    /** The layer {@code source} gave when it last had this fingerprint. */
    Optional<Layer> lookup(Path source, TreeFingerprint fingerprint) {
        if (dir.isEmpty()) {
            return Optional.empty();
        }
        try {
            List<String> lines = Files.readAllLines(file(source), StandardCharsets.UTF_8);
            if (lines.size() != 4 || !lines.get(0).equals(MAGIC) || !lines.get(1).equals("fingerprint " + fingerprint.value())) {
                return Optional.empty();
            }
            return Optional.of(new Layer(Digest.parse(field(lines.get(2), "digest ")),
                    Long.parseLong(field(lines.get(3), "size "))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // none yet, or not one we wrote: packing decides
        }
    }

    /** Records what {@code source} packed to; quietly skipped when the record cannot be written. */
    void remember(Path source, TreeFingerprint fingerprint, Layer layer) {
        if (dir.isEmpty()) {
            return;
        }
        String text = MAGIC + "\nfingerprint " + fingerprint.value() + "\ndigest " + layer.digest() + "\nsize " + layer.size() + "\n";
        try {
            Files.createDirectories(dir.get());
            Path target = file(source);
            Path temp = Files.createTempFile(dir.get(), ".record-", ".tmp");
            try {
                Files.writeString(temp, text, StandardCharsets.UTF_8);
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            LOG.debug("cannot record what {} packed to in {}: {}", source, dir.get(), e.toString());
        }
    }

    private Path file(Path source) throws IOException {
        String real = source.toRealPath().toString();
        return dir.orElseThrow().resolve(Digest.sha256(real.getBytes(StandardCharsets.UTF_8)).hex());
    }

    private static String field(String line, String name) {
        if (!line.startsWith(name)) {
            throw new IllegalArgumentException("expected '" + name + "' in " + line);
        }
        return line.substring(name.length());
    }
}
