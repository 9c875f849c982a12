package dev.launcher.cache;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * d	0755	-	1717171717123456789	-	.
 * f	0644	1234	1717171717123456789	1a2b3c4d	lib/x.js
 * l	0777	-	1717171717123456789	-	bin/tool	../lib/tool.js
 * end 3
 * </pre>
 *
 * Fields are separated by tabs: type, mode (octal), size, ctime (ns), CRC32C (hex), path, and for a symlink its
 * target; {@code \}, tab, CR and LF in names are escaped. The count at the end tells a whole index from a torn one.
 * The index has no checksum of its own: damage to it can only make the tree look damaged, and then the layer is
 * fetched again, which is the right outcome for a damaged cache entry either way.
 */
record TreeIndex(String bootId, List<TreeEntry> entries) {
    static final String MAGIC = "launcher-tree-index 1";
    private static final String BOOT = "boot ";
    private static final String END = "end ";

    /** Thrown for an index that is not one this version wrote whole. */
    static final class Unreadable extends IOException {
        Unreadable(String message) {
            super(message);
        }
    }

    TreeIndex {
        entries = List.copyOf(entries);
    }

    /** Position of each path in {@link #entries}. */
    Map<String, Integer> positions() {
        Map<String, Integer> positions = HashMap.newHashMap(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            positions.put(entries.get(i).path(), i);
        }
        return positions;
    }

    void write(Path file) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(MAGIC + "\n" + BOOT + bootId + "\n");
            StringBuilder line = new StringBuilder(128);
            for (TreeEntry e : entries) {
                line.setLength(0);
                line.append(e.type().code).append('\t')
                        .append(padded(Integer.toOctalString(e.mode()), 4)).append('\t')
                        .append(e.type() == TreeEntry.Type.FILE ? Long.toString(e.size()) : "-").append('\t')
                        .append(e.ctimeNanos()).append('\t')
                        .append(e.type() == TreeEntry.Type.FILE ? padded(Integer.toHexString(e.crc()), 8) : "-").append('\t');
                escape(e.path(), line);
                if (e.target() != null) {
                    escape(e.target(), line.append('\t'));
                }
                out.append(line).append('\n');
            }
            out.write(END + entries.size() + "\n");
        }
    }

    private static String padded(String digits, int width) {
        return digits.length() >= width ? digits : "0".repeat(width - digits.length()) + digits;
    }

    static TreeIndex read(Path file) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            if (!MAGIC.equals(in.readLine())) {
                throw new Unreadable("it does not start with '" + MAGIC + "'");
            }
            String boot = in.readLine();
            if (boot == null || !boot.startsWith(BOOT)) {
                throw new Unreadable("its second line is not the boot id");
            }
            List<TreeEntry> entries = new ArrayList<>();
            for (String line = in.readLine(); ; line = in.readLine()) {
                if (line == null) {
                    throw new Unreadable("it ends after " + entries.size() + " entries without its end line (torn)");
                }
                if (line.startsWith(END)) {
                    if (!line.equals(END + entries.size()) || in.readLine() != null) {
                        throw new Unreadable("its end line does not match its " + entries.size() + " entries");
                    }
                    return new TreeIndex(boot.substring(BOOT.length()), entries);
                }
                entries.add(parse(line, entries.size() + 3));
            }
        }
    }

    private static TreeEntry parse(String line, int number) throws Unreadable {
        String[] f = line.split("\t", -1);
        try {
            TreeEntry.Type type = TreeEntry.Type.of(f[0].length() == 1 ? f[0].charAt(0) : '?');
            boolean file = type == TreeEntry.Type.FILE;
            boolean link = type == TreeEntry.Type.SYMLINK;
            if (f.length != (link ? 7 : 6)) {
                throw new IllegalArgumentException(f.length + " fields");
            }
            return new TreeEntry(unescape(f[5]), type, Integer.parseInt(f[1], 8), file ? Long.parseLong(f[2]) : -1,
                    Long.parseLong(f[3]), file ? Integer.parseUnsignedInt(f[4], 16) : 0, link ? unescape(f[6]) : null);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new Unreadable("line " + number + " is malformed (" + e.getMessage() + ")");
        }
    }

    private static void escape(String s, StringBuilder to) {
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
