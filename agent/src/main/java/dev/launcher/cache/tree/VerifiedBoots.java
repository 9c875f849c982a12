package dev.launcher.cache.tree;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The boots in which a tree's content was read back and matched its index, one id a line, newest last. Several
 * are kept because hosts sharing a cache over the network each have their own boot, and one id would make them
 * verify in turn forever. Written by rename: a reader sees the old list or the new one. Two launchers recording at
 * once may drop each other's line, which costs one more read of the tree, never a wrong answer.
 */
final class VerifiedBoots {
    static final int KEPT = 8;

    private VerifiedBoots() {}

    static boolean contains(Path marker, String bootId) {
        return read(marker).contains(bootId);
    }

    /** {@code tempFile} is an empty file on the cache's filesystem; it is consumed. */
    static void record(Path marker, String bootId, Path tempFile) throws IOException {
        List<String> boots = new ArrayList<>(read(marker));
        boots.remove(bootId);
        boots.add(bootId);
        List<String> kept = boots.subList(Math.max(0, boots.size() - KEPT), boots.size());
        Files.write(tempFile, kept, StandardCharsets.UTF_8);
        Files.move(tempFile, marker, StandardCopyOption.ATOMIC_MOVE);
    }

    /** An unreadable marker means "not verified yet": the worst outcome is one more read of the tree. */
    private static List<String> read(Path marker) {
        try {
            return Files.readAllLines(marker, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
    }
}
