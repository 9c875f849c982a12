package dev.launcher.unpack;

/**
 * OCI whiteout file names. The unpacker keeps them as empty marker files in a layer tree; only
 * the assembler gives them meaning, because a whiteout speaks about the layers below, which a
 * single layer tree cannot see.
 */
public final class Whiteouts {
    /** {@code .wh.NAME} hides NAME of lower layers. */
    public static final String PREFIX = ".wh.";
    /** Hides all lower-layer content of the directory holding it. */
    public static final String OPAQUE = ".wh..wh..opq";
    /** Names under this prefix are reserved by AUFS for its own bookkeeping; never shown, never acted on. */
    public static final String META_PREFIX = ".wh..wh.";

    private Whiteouts() {}

    public static boolean isWhiteout(String fileName) {
        return fileName.startsWith(PREFIX);
    }

    /**
     * Whether a whiteout name hides something: {@code .wh.}, {@code .wh..} and {@code .wh...} would hide the empty
     * name, the directory itself or its parent, which containerd and moby refuse. AUFS's own {@code .wh..wh.} names
     * are valid, and ignored.
     */
    public static boolean isValid(String fileName) {
        String hidden = fileName.substring(PREFIX.length());
        return !hidden.isEmpty() && !hidden.equals(".") && !hidden.equals("..");
    }

    public static boolean isOpaque(String fileName) {
        return fileName.equals(OPAQUE);
    }

    /** The name a plain {@code .wh.NAME} marker hides, or null for opaque and reserved markers. */
    public static String hiddenName(String fileName) {
        if (!isWhiteout(fileName) || fileName.startsWith(META_PREFIX)) {
            return null;
        }
        String hidden = fileName.substring(PREFIX.length());
        return hidden.isEmpty() || hidden.equals(".") || hidden.equals("..") ? null : hidden;
    }
}
