package dev.launcher.cache.tree;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a layer tree held when it was published, and the boot it was published in. Plain text, one line per entry,
 * so that whoever looks into a cache can read it:
 *
 * <pre>
 * launcher-tree-index 1
 * boot 6c4f0b9e-…
 * metadata 3-5e0c…-a71b…
 * d	0755	-	1717171717123456789	-	.
 * f	0644	1234	1717171717123456789	1a2b3c4d	lib/x.js
 * l	0777	-	1717171717123456789	-	bin/tool	../lib/tool.js
 * end 3
 * </pre>
 *
 * Fields are separated by tabs: type, mode (octal), size, ctime (ns), CRC32C (hex), path, and for a symlink its
 * target; {@code \}, tab, CR and LF in names are escaped. Names are written as their bytes, whatever they are. The
 * count at the end tells a whole index from a torn one.
 * Entries are sorted by path.
 *
 * <p>The {@code metadata} line sums up everything but the CRCs ({@link MetadataSum}): the check at every start
 * compares the tree with that one line, and parses the entries only to say what differs or for a content check
 * (parsing the node app's 3,095 lines cost a cold JVM 15 ms).
 * The index has no checksum of its own: damage to it can make a whole tree look damaged (the layer is then fetched
 * again, the right outcome for a damaged cache entry anyway), never a damaged tree look whole.
 */
record TreeIndex(String bootId, String metadataSum, List<TreeEntry> entries) {
    static final String MAGIC = "launcher-tree-index 1";
    private static final String BOOT = "boot ";
    private static final String METADATA = "metadata ";
    private static final String END = "end ";
    /** Magic, a boot id (36 characters from /proc) and a metadata sum take ~120 bytes. */
    private static final int HEADER_BYTES = 512;
    /**
     * The order of entries in an index: by path, so the same tree always gives the same file. Spelled out: with
     * composed comparators, sorting the node app's 3,095 entries took a cold JVM about 4 ms more.
     */
    static final Comparator<TreeEntry> ORDER = (a, b) -> a.path().compareTo(b.path());

    /** The first lines of an index: enough for the check at use when the tree is whole. */
    record Header(String bootId, String metadataSum) {}

    /** Thrown for an index that is not one this version wrote whole. */
    static final class Unreadable extends IOException {
        Unreadable(String message) {
            super(message);
        }
    }

    TreeIndex {
        entries = List.copyOf(entries);
    }

    /** The index of these entries (sorted here, so the same tree always gives the same file). */
    static TreeIndex of(String bootId, List<TreeEntry> entries) {
        List<TreeEntry> sorted = new ArrayList<>(entries);
        sorted.sort(ORDER);
        return new TreeIndex(bootId, MetadataSum.of(sorted), sorted);
    }

    /** Position of each path in {@link #entries}. */
    Map<String, Integer> positions() {
        Map<String, Integer> positions = HashMap.newHashMap(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            positions.put(entries.get(i).path(), i);
        }
        return positions;
    }

    /** Built whole and written in one call: line by line through a Writer, 3,095 lines took a cold JVM 16-23 ms, now 7-11. */
    void write(Path file) throws IOException {
        StringBuilder text = new StringBuilder(200 + entries.size() * 100);
        text.append(MAGIC).append('\n').append(BOOT).append(bootId).append('\n').append(METADATA).append(metadataSum).append('\n');
        for (TreeEntry e : entries) {
            boolean regular = e.type() == TreeEntry.Type.FILE;
            text.append(e.type().code).append('\t');
            padded(Integer.toOctalString(e.mode()), 4, text).append('\t');
            if (regular) {
                text.append(e.size());
            } else {
                text.append('-');
            }
            text.append('\t').append(e.ctimeNanos()).append('\t');
            if (regular) {
                padded(Integer.toHexString(e.crc()), 8, text);
            } else {
                text.append('-');
            }
            escape(e.path(), text.append('\t'));
            if (e.target() != null) {
                escape(e.target(), text.append('\t'));
            }
            text.append('\n');
        }
        text.append(END).append(entries.size()).append('\n');
        Files.writeString(file, text, StandardCharsets.ISO_8859_1); // raw names: the file holds their very bytes
    }

    private static StringBuilder padded(String digits, int width, StringBuilder to) {
        for (int i = digits.length(); i < width; i++) {
            to.append('0');
        }
        return to.append(digits);
    }

    /**
     * Parsed by hand, field by field: at every start of the node app this reads 3,095 lines, which took 12 ms with
     * String.split and the parse methods on substrings, and 3 ms like this.
     */
    static TreeIndex read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        int at = expectLine(text, 0, MAGIC);
        int eol = endOfLine(text, at);
        String boot = field(text, at, eol, BOOT, "second", "the boot id");
        at = eol + 1;
        eol = endOfLine(text, at);
        String metadata = field(text, at, eol, METADATA, "third", "the metadata sum");
        List<TreeEntry> entries = new ArrayList<>();
        for (at = eol + 1; ; at = eol + 1) {
            if (at >= text.length()) {
                throw new Unreadable("it ends after " + entries.size() + " entries without its end line (torn)");
            }
            eol = endOfLine(text, at);
            if (text.startsWith(END, at)) {
                if (!text.substring(at, eol).equals(END + entries.size()) || eol + 1 != text.length()) {
                    throw new Unreadable("its end line does not match its " + entries.size() + " entries");
                }
                return new TreeIndex(boot, metadata, entries);
            }
            entries.add(parse(text, at, eol, entries.size() + 3));
        }
    }

    /**
     * The first three lines. A body torn after them goes unnoticed until a content check parses it, which is the
     * first use after a reboot: within a boot, nothing tears a file that was written whole.
     */
    static Header readHeader(Path file) throws IOException {
        byte[] start = new byte[HEADER_BYTES];
        int length;
        try (InputStream in = Files.newInputStream(file)) {
            length = in.readNBytes(start, 0, start.length);
        }
        String text = new String(start, 0, length, StandardCharsets.ISO_8859_1);
        int at = expectLine(text, 0, MAGIC);
        int eol = endOfLine(text, at);
        String boot = field(text, at, eol, BOOT, "second", "the boot id");
        at = eol + 1;
        return new Header(boot, field(text, at, endOfLine(text, at), METADATA, "third", "the metadata sum"));
    }

    private static String field(String text, int at, int eol, String prefix, String nth, String what) throws Unreadable {
        if (!text.startsWith(prefix, at)) {
            throw new Unreadable("its " + nth + " line is not " + what);
        }
        return text.substring(at + prefix.length(), eol);
    }

    private static int expectLine(String text, int at, String line) throws Unreadable {
        if (!text.startsWith(line + "\n", at)) {
            throw new Unreadable("it does not start with '" + line + "'");
        }
        return at + line.length() + 1;
    }

    private static int endOfLine(String text, int from) throws Unreadable {
        int eol = text.indexOf('\n', from);
        if (eol < 0) {
            throw new Unreadable("its last line is cut off (torn)");
        }
        return eol;
    }

    /** One entry line, {@code [from, to)} of {@code text}. */
    private static TreeEntry parse(String text, int from, int to, int number) throws Unreadable {
        try {
            int[] tabs = new int[6];
            int fields = 0;
            for (int i = text.indexOf('\t', from); i >= 0 && i < to; i = text.indexOf('\t', i + 1)) {
                if (fields == tabs.length) {
                    throw new IllegalArgumentException("too many fields");
                }
                tabs[fields++] = i;
            }
            TreeEntry.Type type = TreeEntry.Type.of(tabs[0] == from + 1 ? text.charAt(from) : '?');
            boolean file = type == TreeEntry.Type.FILE;
            boolean link = type == TreeEntry.Type.SYMLINK;
            if (fields != (link ? 6 : 5)) {
                throw new IllegalArgumentException((fields + 1) + " fields");
            }
            int mode = Integer.parseInt(text, tabs[0] + 1, tabs[1], 8);
            long size = file ? Long.parseLong(text, tabs[1] + 1, tabs[2], 10) : -1;
            long ctime = Long.parseLong(text, tabs[2] + 1, tabs[3], 10);
            int crc = file ? Integer.parseUnsignedInt(text, tabs[3] + 1, tabs[4], 16) : 0;
            String path = unescape(text.substring(tabs[4] + 1, link ? tabs[5] : to));
            String target = link ? unescape(text.substring(tabs[5] + 1, to)) : null;
            return new TreeEntry(path, type, mode, size, ctime, crc, target);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new Unreadable("line " + number + " is malformed (" + e.getMessage() + ")");
        }
    }

    private static void escape(String s, StringBuilder to) {
        if (s.indexOf('\\') < 0 && s.indexOf('\t') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            to.append(s); // nearly every name: four scans the JIT does with vector instructions
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> to.append("\\\\");
                case '\t' -> to.append("\\t");
                case '\n' -> to.append("\\n");
                case '\r' -> to.append("\\r");
                default -> to.append(c);
            }
        }
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char next = s.charAt(++i); // a trailing lone backslash is malformed: IndexOutOfBounds
            out.append(switch (next) {
                case '\\' -> '\\';
                case 't' -> '\t';
                case 'n' -> '\n';
                case 'r' -> '\r';
                default -> throw new IllegalArgumentException("unknown escape \\" + next);
            });
        }
        return out.toString();
    }
}
