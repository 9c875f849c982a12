package dev.launcher.registry;

import dev.launcher.error.LauncherException;
import java.io.IOException;
import java.io.InputStream;
import java.util.OptionalLong;

/**
 * Reads a response body that is meant to be small (a manifest, a token, an error) into memory, and
 * refuses one over its cap instead of letting a hostile or broken server fill the heap.
 */
public final class BoundedBody {
    private BoundedBody() {}

    /**
     * @param declaredLength the response's Content-Length, if any: over the cap fails before reading
     * @throws LauncherException INTEGRITY when the body is over {@code cap} bytes
     */
    public static byte[] read(InputStream in, OptionalLong declaredLength, int cap, String what) throws IOException {
        if (declaredLength.isPresent() && declaredLength.getAsLong() > cap) {
            throw tooBig(what, declaredLength.getAsLong() + " bytes", cap);
        }
        byte[] bytes = in.readNBytes(cap + 1);
        if (bytes.length > cap) {
            throw tooBig(what, "more than " + cap + " bytes", cap);
        }
        return bytes;
    }

    /** Like {@link #read} but keeps only the first {@code cap} bytes: for error bodies shown in a message. */
    public static byte[] readPrefix(InputStream in, int cap) throws IOException {
        return in.readNBytes(cap);
    }

    private static LauncherException tooBig(String what, String size, int cap) {
        return LauncherException.integrity(what + " is " + size + ", over the " + cap
                + " byte limit: the registry sent something else than asked for; nothing was used");
    }
}
