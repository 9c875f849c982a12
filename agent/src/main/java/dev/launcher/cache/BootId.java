package dev.launcher.cache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel's random id of the current boot. Within one boot the page cache is the truth for every reader, even
 * after a kill -9, so only a tree published in another boot can hold what a power cut left on the disk (a file of
 * the right size full of zeros) and needs its content read back. Containers see the host's id, which is the one
 * that matters: it is the host's page cache.
 */
public final class BootId {
    static final Path FILE = Path.of("/proc/sys/kernel/random/boot_id");
    /** Without /proc every boot looks the same: content is then checked by {@code cache verify} only. */
    static final String UNKNOWN = "unknown";
    private static volatile String current;

    private BootId() {}

    public static String current() {
        String id = current;
        if (id == null) {
            try {
                id = Files.readString(FILE).strip();
            } catch (IOException e) {
                id = "";
            }
            current = id = id.isEmpty() || id.contains("\n") || id.contains(" ") ? UNKNOWN : id;
        }
        return id;
    }
}
