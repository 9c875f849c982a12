package dev.launcher.unpack;

import dev.launcher.error.UnsafeArchiveException;
import dev.launcher.fs.FileNames;

/** Wording of unsafe-archive failures, so every refusal names the layer, the entry and a way out. */
final class Refusal {
    private static final String ADVICE =
            "the artifact is broken or hostile; rebuild it with a standard tool (docker, oras, launcher push) and push it again";

    private Refusal() {}

    /** @param entry the entry's raw name */
    static UnsafeArchiveException entry(String layer, String entry, String reason) {
        return new UnsafeArchiveException("refusing layer " + layer + ": entry '" + FileNames.display(entry) + "' " + reason
                + "; " + ADVICE);
    }

    /** @param entry the entry's raw name */
    static UnsafeArchiveException limit(String layer, String entry, String reason) {
        return new UnsafeArchiveException("refusing layer " + layer + ": entry '" + FileNames.display(entry) + "' " + reason
                + "; if the app really is that large, raise the unpack limits, otherwise the artifact is a decompression bomb");
    }

    static UnsafeArchiveException layer(String layer, String reason, Throwable cause) {
        UnsafeArchiveException e = new UnsafeArchiveException("refusing layer " + layer + ": " + reason + "; " + ADVICE);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }
}
