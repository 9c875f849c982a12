package dev.launcher.fs;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * File names are bytes. Inside the launcher a name from an archive, an index or a directory listing is a
 * <em>raw name</em>: a String holding one char per byte (0-255), so that every name survives whatever it is, valid
 * UTF-8 or not, and sorts and compares like the bytes do.
 *
 * <p>The JDK turns Strings into file names with the encoding of the locale it started in, and a container often
 * has none: Debian's node and php images set no {@code LANG}, so the JDK's names are ASCII there and {@code café.txt}
 * cannot even be named. So a raw name never goes through that encoding. An ASCII name is the same bytes in every
 * encoding and takes the JDK's own path; any other is handed over as a {@code file:} URI, whose percent-escapes the
 * JDK turns into the very bytes, in any locale. The other way, a name listed from disk is read back through the same
 * URI form. Messages show a raw name with {@link #display}.
 */
public final class FileNames {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private FileNames() {}

    /** The raw name of these bytes. */
    public static String raw(byte[] bytes) {
        return new String(bytes, ISO_8859_1);
    }

    /** The raw name of {@code bytes[from, to)}. */
    public static String raw(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, ISO_8859_1);
    }

    /** The bytes of a raw name. */
    public static byte[] bytes(String raw) {
        return raw.getBytes(ISO_8859_1);
    }

    /** The raw name for a name given as text (a manifest annotation, a command line): its UTF-8 bytes. */
    public static String fromText(String text) {
        return isAscii(text) ? text : raw(text.getBytes(UTF_8));
    }

    /** The text of a raw name that is valid UTF-8; null if it is not. */
    public static String toText(String raw) {
        if (isAscii(raw)) {
            return raw;
        }
        try {
            return UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes(raw)))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * A raw name as a person reads it: decoded as UTF-8, with every byte that is not part of valid UTF-8, and every
     * control character, shown as {@code \xNN}, so that two different names never look the same.
     */
    public static String display(String raw) {
        boolean plain = true;
        for (int i = 0; i < raw.length() && plain; i++) {
            char c = raw.charAt(i);
            plain = c >= 0x20 && c < 0x7f && c != '\\';
        }
        if (plain) {
            return raw;
        }
        byte[] bytes = bytes(raw);
        StringBuilder out = new StringBuilder(bytes.length + 16);
        for (int i = 0; i < bytes.length; ) {
            int b = bytes[i] & 0xff;
            int length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
            String text = length > 1 && i + length <= bytes.length ? toText(raw.substring(i, i + length)) : null;
            if (text != null) {
                out.append(text);
                i += length;
            } else {
                if (b < 0x20 || b >= 0x7f || b == '\\') {
                    out.append("\\x").append(HEX[b >> 4]).append(HEX[b & 0xf]);
                } else {
                    out.append((char) b);
                }
                i++;
            }
        }
        return out.toString();
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /**
     * The path of the raw relative name {@code raw} ({@code a/b}, no {@code ..}, no empty or {@code .} parts) below
     * {@code dir}; {@code dir} itself for {@code ""}.
     */
    public static Path resolve(Path dir, String raw) {
        if (raw.isEmpty()) {
            return dir;
        }
        if (isAscii(raw)) {
            return dir.resolve(raw);
        }
        String base = dir.toAbsolutePath().toUri().getRawPath();
        StringBuilder uri = new StringBuilder(base.length() + raw.length() * 3 + 8).append("file://").append(base);
        if (base.charAt(base.length() - 1) != '/') {
            uri.append('/');
        }
        escape(raw, uri);
        return Path.of(URI.create(uri.toString()));
    }

    /**
     * The path of {@code text}, a path given as text (a command, a PATH entry) and meant as its UTF-8 bytes, whatever
     * the locale; relative to {@code dir} unless it is absolute.
     */
    public static Path ofText(Path dir, String text) {
        if (isAscii(text)) {
            return dir.resolve(text);
        }
        String raw = fromText(text);
        if (!raw.startsWith("/")) {
            return resolve(dir, raw);
        }
        StringBuilder uri = new StringBuilder(raw.length() * 3 + 8).append("file://");
        escape(raw, uri);
        return Path.of(URI.create(uri.toString()));
    }

    /** The raw name of the last element of {@code path}. */
    public static String nameOf(Path path) {
        Path name = path.getFileName();
        String text = name.toString();
        if (isAscii(text)) {
            return text;
        }
        String raw = rawAbsolute(path);
        return raw.substring(raw.lastIndexOf('/') + 1);
    }

    /**
     * Creates the symlink {@code link} whose target is exactly {@code rawTarget}. The JDK's call is used where it
     * keeps the bytes (ASCII, no doubled or trailing slash, which it would tidy away).
     */
    public static void createSymlink(Path link, String rawTarget) throws IOException {
        if (isAscii(rawTarget) && !rawTarget.contains("//") && !(rawTarget.length() > 1 && rawTarget.endsWith("/"))) {
            Files.createSymbolicLink(link, Path.of(rawTarget));
        } else {
            NativeFiles.symlink(link, rawTarget);
        }
    }

    /** The raw target of the symlink {@code link}. */
    public static String readSymlink(Path link) throws IOException {
        // The JDK keeps a link's target as the bytes it read, untidied: its text is exact when it is ASCII.
        String text = Files.readSymbolicLink(link).toString();
        return isAscii(text) ? text : NativeFiles.readlink(link);
    }

    /** The raw bytes of {@code path} made absolute, as the kernel gets them. */
    public static byte[] absoluteBytes(Path path) {
        Path absolute = path.toAbsolutePath();
        String text = absolute.toString();
        return isAscii(text) ? text.getBytes(ISO_8859_1) : bytes(rawAbsolute(absolute));
    }

    /** The raw form of {@code path} made absolute. */
    private static String rawAbsolute(Path path) {
        Path absolute = path.toAbsolutePath();
        String escaped = absolute.toUri().getRawPath();
        // toUri appends a slash to an existing directory; a file name never ends in one, so it can go.
        if (escaped.length() > 1 && escaped.endsWith("/") && !absolute.toString().endsWith("/")) {
            escaped = escaped.substring(0, escaped.length() - 1);
        }
        return unescape(escaped);
    }

    /** Percent-escapes every byte but unreserved characters and {@code /}, as a URI path needs. */
    private static void escape(String raw, StringBuilder to) {
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c > 0xff) {
                // Text where a raw name belongs: its UTF-8 bytes were wanted (fromText), not its chars cut to a byte.
                throw new IllegalArgumentException("not a raw name (char U+" + Integer.toHexString(c) + "): " + raw);
            }
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                to.append(c);
            } else {
                to.append('%').append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
            }
        }
    }

    private static String unescape(String escaped) {
        StringBuilder out = new StringBuilder(escaped.length());
        for (int i = 0; i < escaped.length(); i++) {
            char c = escaped.charAt(i);
            if (c == '%') {
                out.append((char) Integer.parseInt(escaped, i + 1, i + 3, 16));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
