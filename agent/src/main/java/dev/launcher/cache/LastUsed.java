package dev.launcher.cache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LRU stamp of a cache entry is the mtime of the entry itself: the blob file, or the root directory of a layer
 * tree. It works the same for files and directories, needs no sidecar that could drift from its entry, lives and
 * dies with the entry (an eviction is one rename), and is visible to every process on the shared volume. atime is
 * no use (noatime/relatime mounts).
 *
 * <p>Entry contents never change after publishing, so nothing else moves these mtimes; the root of a layer tree
 * belongs to the cache, not to the app (its contents are the layer).
 */
final class LastUsed {
    private static final Logger log = LoggerFactory.getLogger(LastUsed.class);
    /** Uses closer together than this are one use: saves a metadata write per entry on every launch. */
    static final Duration RESOLUTION = Duration.ofMinutes(1);

    private final Clock clock;

    LastUsed(Clock clock) {
        this.clock = clock;
    }

    Instant now() {
        return clock.instant();
    }

    /**
     * Best effort: a stamp that cannot be written (an entry owned by another uid, whose mtime only its owner may
     * set) makes eviction order less accurate, which must not fail a launch.
     */
    void touch(Path entry) {
        try {
            Instant now = clock.instant();
            Instant stamped = read(entry);
            if (Duration.between(stamped, now).abs().compareTo(RESOLUTION) >= 0) {
                Files.setLastModifiedTime(entry, FileTime.from(now));
            }
        } catch (IOException e) {
            log.debug("could not stamp {} as used", entry, e);
        }
    }

    static Instant read(Path entry) throws IOException {
        return Files.getLastModifiedTime(entry, LinkOption.NOFOLLOW_LINKS).toInstant();
    }
}
