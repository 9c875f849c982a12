package dev.launcher.config;

import dev.launcher.error.LauncherException;
import java.util.Locale;

/** LAUNCHER_ASSEMBLY: how the app dir is made from the cached layer trees. */
public enum AssemblyMode {
    /** Every file copied: an app may do anything to its files and no other container sees it. */
    COPY,
    /**
     * Every file hard-linked to a read-only copy of it kept beside its layer tree: no bytes copied per start. A
     * non-root app that does not own those copies cannot change them; an app that can (root, or their owner after a
     * chmod) changes them for every container linked to them, until the next start finds and replaces them.
     */
    LINK;

    public static AssemblyMode parse(String text) {
        if (text == null || text.isBlank()) {
            return COPY;
        }
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw LauncherException.usage("LAUNCHER_ASSEMBLY='" + text + "' is not one of copy, link");
        }
    }
}
