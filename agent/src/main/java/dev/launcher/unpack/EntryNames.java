package dev.launcher.unpack;

import dev.launcher.error.UnsafeArchiveException;
import java.util.function.Function;

/**
 * Turns a name found in an archive (a raw name: one char per byte, see {@link dev.launcher.fs.FileNames}) into a clean relative path ({@code a/b/c}, no leading or
 * trailing slash, {@code ""} for the root) or refuses it. Paths are only ever built from the
 * result, so the file system never sees a {@code ..} or an absolute name from an archive.
 */
final class EntryNames {
    /** NAME_MAX: the kernel refuses a longer component. */
    static final int MAX_COMPONENT_BYTES = 255;
    /**
     * The kernel refuses paths of 4,096 bytes or more (PATH_MAX), and a name is used below the cache's tree and the
     * app dir: 3,584 bytes leaves 512 for those.
     */
    static final int MAX_NAME_BYTES = 3584;
    /** What symlink(2) takes: PATH_MAX less the final NUL. */
    static final int MAX_LINK_TARGET_BYTES = 4095;

    private EntryNames() {}

    /**
     * Leading {@code /} and {@code ./} are dropped, as tar does: OCI layers are written both as
     * {@code ./usr/bin} and {@code usr/bin}, and an absolute name in a layer means "from the
     * root of this tree". Any {@code ..} component is refused outright, as GNU tar does,
     * instead of being resolved: no layer builder emits one, so it only ever signals an attack.
     *
     * @param refuse builds the exception from a reason, so the caller's message names the layer and entry
     */
    static String normalize(String raw, Function<String, UnsafeArchiveException> refuse) {
        if (raw == null || raw.indexOf('\0') >= 0) {
            throw refuse.apply("has a name containing a NUL byte");
        }
        if (raw.length() > MAX_NAME_BYTES) {
            throw refuse.apply("has a name of " + raw.length() + " bytes, longer than the " + MAX_NAME_BYTES + " allowed");
        }
        StringBuilder clean = new StringBuilder(raw.length());
        int start = 0;
        int length = raw.length();
        while (start <= length) {
            int slash = raw.indexOf('/', start);
            int end = slash < 0 ? length : slash;
            String part = raw.substring(start, end);
            if (part.equals("..")) {
                throw refuse.apply("contains a '..' component, which would reach outside the layer");
            }
            if (part.length() > MAX_COMPONENT_BYTES) {
                throw refuse.apply("has a component of " + part.length() + " bytes, longer than the " + MAX_COMPONENT_BYTES
                        + " a file name may have");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                if (!clean.isEmpty()) {
                    clean.append('/');
                }
                clean.append(part);
            }
            start = end + 1;
        }
        return clean.toString();
    }

    static String parentOf(String clean) {
        int slash = clean.lastIndexOf('/');
        return slash < 0 ? "" : clean.substring(0, slash);
    }

    static String fileNameOf(String clean) {
        return clean.substring(clean.lastIndexOf('/') + 1);
    }

    /** True when {@code path} is {@code ancestor} or lies below it. */
    static boolean isAtOrBelow(String path, String ancestor) {
        return ancestor.isEmpty()
                || path.equals(ancestor)
                || (path.startsWith(ancestor) && path.charAt(ancestor.length()) == '/');
    }

}
