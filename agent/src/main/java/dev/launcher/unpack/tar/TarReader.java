package dev.launcher.unpack.tar;

import dev.launcher.fs.FileNames;
import dev.launcher.unpack.tar.HeaderBlock.Format;
import dev.launcher.unpack.tar.TarEntry.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Reads a tar stream member by member, as GNU tar reads it. Where readers disagree, GNU tar is the reference; where
 * GNU tar's own reading is one no other reader shares, or makes no sense, the member is refused. In particular:
 *
 * <ul>
 *   <li>Names are bytes, kept as they are, from every source: the header (with the ustar or star prefix; the old GNU
 *       format has none), a GNU long name ({@code L}), a PAX {@code path}. Each ends at its first NUL, except a PAX
 *       path, which may not hold one.
 *   <li>Several headers of one kind before a member: the last wins, whole. A later {@code x} header replaces an
 *       earlier one, records it lacks included (GNU tar and Go; Python takes the first). A GNU long name and a PAX
 *       path that disagree are refused: GNU tar takes the path, Go the long name.
 *   <li>Global PAX headers ({@code g}) apply to every later member, under its own {@code x} records (GNU tar and
 *       Python; Go ignores them). An empty value applies too: a member whose name becomes empty is then refused by
 *       the unpacker, as GNU tar fails on it. A global size or sparse record is refused: Python applies it only
 *       after reading the content by the header's size.
 *   <li>Links, devices, fifos and directories have no content, whatever their size field says; a GNU dumpdir
 *       ({@code D}) is a directory whose listing is skipped. A type GNU tar does not know is a regular file, with
 *       its content; volume labels and continuations of multi-volume archives are nothing. A regular file (types
 *       {@code 0}, {@code 7}, NUL) named with a trailing slash is a directory, as in GNU tar; with content, unless
 *       of type NUL, it is refused: Go and Python read it as a file and skip the content GNU tar reads as headers.
 *   <li>Sparse files in every GNU format (old GNU {@code S}; PAX 0.0, 0.1 and 1.0) come with their map, so that the
 *       holes need not be written.
 *   <li>The first block of zeros ends the archive, as in GNU tar; so does the end of the stream at a header. The end
 *       of the stream anywhere else is a truncated archive.
 * </ul>
 *
 * Not a thread-safe object: one reader per stream.
 */
public final class TarReader {
    /** Bounds the memory a GNU long name takes; it holds a path, which the kernel caps at 4 KiB anyway. */
    static final int MAX_LONG_NAME = 1 << 20;
    /** Bounds the memory a sparse map takes: 16 bytes per fragment. */
    static final int MAX_SPARSE_FRAGMENTS = 1 << 18;

    private final InputStream in;
    private final byte[] block = new byte[HeaderBlock.SIZE];
    private final Map<String, String> globals = new HashMap<>();
    private final Source source = new Source();
    private long position;
    /** Content bytes of the current member not read yet, and the padding after them. */
    private long remaining;
    private long padding;
    private TarEntry current;
    private boolean ended;
    /** Set by the one member after which tar readers agree only if the archive ends: see {@link SparseMaps#oldGnu}. */
    private boolean archiveMustEnd;

    public TarReader(InputStream in) {
        this.in = in;
    }

    /** Bytes of the stream consumed so far. */
    public long position() {
        return position;
    }

    /**
     * Skips what is left of the current member and reads the next one's headers.
     *
     * @return the next member, or null at the end of the archive
     * @throws TarFormatException if the bytes are not a tar archive, or the stream ends inside one
     */
    public TarEntry next() throws IOException {
        if (ended) {
            return null;
        }
        skipFully(remaining + padding);
        remaining = 0;
        padding = 0;
        current = null;
        long start = position;
        if (archiveMustEnd) {
            if (readHeader()) {
                throw new TarFormatException("the header at byte " + start + " follows a sparse map that GNU tar"
                        + " reads as the end of the archive: tar readers read it differently");
            }
            ended = true;
            return null;
        }
        Map<String, String> local = null;
        String longName = null;
        String longLink = null;
        while (true) {
            long at = position;
            if (!readHeader()) {
                // A global header stands alone (git archive ends with one); a member's own headers need their member.
                if (local != null || longName != null || longLink != null) {
                    throw new TarFormatException("the archive ends after the extended header at byte " + start
                            + ", before the member it describes");
                }
                ended = true;
                return null;
            }
            char type = HeaderBlock.typeflag(block);
            long size = number(HeaderBlock.SIZE_FIELD, 12, "size", at);
            if (size < 0) {
                throw new TarFormatException("the header at byte " + at + " declares a negative size");
            }
            switch (type) {
                case 'x', 'X' -> local = paxHeader(size, "the PAX header at byte " + at);
                case 'g' -> globals.putAll(global(paxHeader(size, "the global PAX header at byte " + at), at));
                case 'L' -> longName = longName(size, at);
                case 'K' -> longLink = longName(size, at);
                default -> {
                    current = member(type, size, start, at, local, longName, longLink);
                    return current;
                }
            }
        }
    }

    /**
     * Reads content of the current member: its bytes, or for a sparse file the bytes of its fragments one after
     * the other. Returns -1 once all {@link TarEntry#dataSize} bytes were read.
     *
     * @throws TarFormatException if the stream ends first
     */
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (remaining == 0) {
            return -1;
        }
        int n = in.read(buffer, offset, (int) Math.min(length, remaining));
        if (n < 0) {
            throw truncated("the content of '" + FileNames.display(current.name()) + "'");
        }
        position += n;
        remaining -= n;
        return n;
    }

    private TarEntry member(char type, long size, long start, long at, Map<String, String> local, String longName,
            String longLink) throws IOException {
        Format format = HeaderBlock.format(block);
        Map<String, String> pax = new HashMap<>(globals);
        if (local != null) {
            pax.putAll(local);
        }
        String name = pick(HeaderBlock.name(block, format), longName, pax.get(PaxRecords.PATH), "name", at);
        String linkName = pick(HeaderBlock.linkName(block), longLink, pax.get(PaxRecords.LINKPATH), "link target", at);
        int mode = (int) (number(HeaderBlock.MODE, 8, "mode", at) & 07777);
        FileTime mtime = pax.containsKey(PaxRecords.MTIME)
                ? paxTime(pax.get(PaxRecords.MTIME), at)
                : FileTime.from(number(HeaderBlock.MTIME, 12, "mtime", at), TimeUnit.SECONDS); // saturates, as time_t would wrap
        if (pax.containsKey(PaxRecords.SIZE)) {
            size = decimal(pax.get(PaxRecords.SIZE), "PAX size", at);
        }
        if (size > Long.MAX_VALUE - HeaderBlock.SIZE) {
            throw new TarFormatException("the header at byte " + at + " declares a size of " + size
                    + " bytes, more than any stream holds");
        }
        Kind kind = kind(type, name);
        if (kind == Kind.DIRECTORY && type != '\0' && type != '5' && type != 'D' && size > 0) {
            // GNU tar makes a directory and reads what follows as headers; Go and Python a file, and skip its content.
            throw new TarFormatException("the member at byte " + at + " is a file (type '" + type + "') named as a"
                    + " directory ('" + FileNames.display(name) + "') with content: tar readers read it differently");
        }
        boolean hasContent = switch (kind) {
            case FILE, NOTHING -> true;
            case DIRECTORY -> type == 'D'; // a dumpdir's listing follows it; other directories have none
            default -> false; // links, devices, fifos: GNU tar, Go and Python all ignore their size field
        };
        long dataSize = hasContent ? size : 0;
        long length = dataSize;
        List<SparseFragment> sparse = null;
        if (type == 'S') {
            if (format != Format.GNU) {
                throw new TarFormatException("the sparse header at byte " + at + " is not in the GNU format");
            }
            length = number(HeaderBlock.GNU_REAL_SIZE, 12, "real size", at);
            SparseMaps.OldGnuMap map = SparseMaps.oldGnu(block, size, source, at);
            sparse = map.fragments();
            archiveMustEnd = map.archiveEnds();
        } else if (SparseMaps.isPaxSparse(pax)) {
            if (kind != Kind.FILE) {
                throw new TarFormatException("the header at byte " + at + " has a sparse map but is not a regular file");
            }
            String sparseName = pax.get(PaxRecords.SPARSE_NAME);
            if (sparseName != null && !sparseName.isEmpty()) {
                name = sparseName;
            }
            length = SparseMaps.realSize(pax, at);
            long before = position;
            sparse = SparseMaps.pax(pax, source, dataSize, at);
            dataSize -= position - before; // a 1.0 map takes the first blocks of the content
        }
        if (sparse != null) {
            SparseMaps.check(sparse, length, dataSize, at);
        }
        remaining = dataSize;
        padding = padding(hasContent ? size : 0);
        return new TarEntry(name, linkName, kind, type, mode, length, dataSize, mtime, sparse, start);
    }

    /** The name from the one source that gives it; the header's field when neither a long name nor PAX does. */
    private static String pick(String header, String gnu, String pax, String what, long at) throws TarFormatException {
        if (gnu != null && pax != null && !gnu.equals(pax)) {
            throw new TarFormatException("the member at byte " + at + " has a GNU long " + what + " and a PAX " + what
                    + " that differ ('" + FileNames.display(gnu) + "', '" + FileNames.display(pax)
                    + "'): tar readers disagree on which one counts");
        }
        return gnu != null ? gnu : pax != null ? pax : header;
    }

    private static Kind kind(char type, String name) {
        return switch (type) {
            case '0', '\0', '7' -> name.endsWith("/") ? Kind.DIRECTORY : Kind.FILE; // a trailing slash: an old directory
            case '1' -> Kind.HARD_LINK;
            case '2' -> Kind.SYMLINK;
            case '3' -> Kind.CHARACTER_DEVICE;
            case '4' -> Kind.BLOCK_DEVICE;
            case '5', 'D' -> Kind.DIRECTORY;
            case '6' -> Kind.FIFO;
            case 'V', 'M', 'N' -> Kind.NOTHING;
            default -> Kind.FILE; // '7', 'S', and types GNU tar does not know: "extracted as normal file"
        };
    }

    /**
     * The records of a global header, which apply to every later member. GNU tar and Python agree on a global path,
     * link path and time (Go ignores global headers); not on a global size or sparse map, which Python applies only
     * after reading the content by the header's own size: those are refused.
     */
    private static Map<String, String> global(Map<String, String> records, long at) throws TarFormatException {
        for (String key : records.keySet()) {
            if (key.equals(PaxRecords.SIZE) || key.startsWith("GNU.sparse.")) {
                throw new TarFormatException("the global PAX header at byte " + at + " sets '" + key
                        + "' for every member: tar readers read it differently");
            }
        }
        return records;
    }

    /** The kept records of a PAX header, and its padding skipped. */
    private Map<String, String> paxHeader(long size, String where) throws IOException {
        Map<String, String> records = PaxRecords.read(source, size, where);
        skipFully(padding(size));
        return records;
    }

    /** The content of a GNU long name or link header, up to its first NUL. */
    private String longName(long size, long at) throws IOException {
        if (size > MAX_LONG_NAME) {
            throw new TarFormatException("the GNU long name at byte " + at + " is " + size + " bytes long, more than "
                    + MAX_LONG_NAME);
        }
        byte[] bytes = source.read((int) size);
        skipFully(padding(size));
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return FileNames.raw(bytes, 0, end);
    }

    /** Reads the next header block into {@link #block}; false at the end of the archive. */
    private boolean readHeader() throws IOException {
        int n = in.readNBytes(block, 0, HeaderBlock.SIZE);
        position += n;
        if (n == 0) {
            return false;
        }
        if (n < HeaderBlock.SIZE) {
            throw truncated("a header");
        }
        if (HeaderBlock.isZero(block)) {
            return false;
        }
        if (!HeaderBlock.checksumMatches(block)) {
            throw new TarFormatException("the header at byte " + (position - HeaderBlock.SIZE)
                    + " has a wrong checksum: it is not a tar header, or it is damaged");
        }
        return true;
    }

    private long number(int offset, int length, String field, long at) throws TarFormatException {
        try {
            return HeaderBlock.number(block, offset, length);
        } catch (NumberFormatException e) {
            throw new TarFormatException("the header at byte " + at + " has an invalid " + field + " field ("
                    + e.getMessage() + ")");
        }
    }

    static long decimal(String value, String what, long at) throws TarFormatException {
        try {
            long n = Long.parseLong(value);
            if (n < 0 || value.startsWith("+")) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new TarFormatException("the member at byte " + at + " has an invalid " + what + " '"
                    + FileNames.display(value) + "'");
        }
    }

    /** A PAX time: decimal seconds, possibly negative, with an optional fraction. */
    private static FileTime paxTime(String value, long at) throws TarFormatException {
        int dot = value.indexOf('.');
        String seconds = dot < 0 ? value : value.substring(0, dot);
        String fraction = dot < 0 ? "" : value.substring(dot + 1);
        try {
            if (seconds.isEmpty() || seconds.startsWith("+") || !fraction.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new NumberFormatException();
            }
            long whole = Long.parseLong(seconds);
            String nanosText = (fraction + "000000000").substring(0, 9);
            long nanos = Long.parseLong(nanosText);
            boolean negative = seconds.startsWith("-");
            return FileTime.from(java.time.Instant.ofEpochSecond(whole, negative ? -nanos : nanos));
        } catch (NumberFormatException | java.time.DateTimeException | ArithmeticException e) {
            throw new TarFormatException("the member at byte " + at + " has an invalid PAX mtime '"
                    + FileNames.display(value) + "'");
        }
    }

    static long padding(long size) {
        return (HeaderBlock.SIZE - size % HeaderBlock.SIZE) % HeaderBlock.SIZE;
    }

    private void skipFully(long n) throws IOException {
        while (n > 0) {
            long skipped = in.skip(n);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw truncated(current == null ? "a header" : "the content of '" + FileNames.display(current.name()) + "'");
                }
                skipped = 1;
            }
            position += skipped;
            n -= skipped;
        }
    }

    private TarFormatException truncated(String where) {
        return new TarFormatException("the archive is truncated: it ends inside " + where + " (at byte " + position + ")");
    }

    /** The raw stream, for the readers of headers that follow a header: PAX records, sparse maps. */
    final class Source implements PaxRecords.Source {
        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b < 0) {
                throw truncated("an extended header");
            }
            position++;
            return b;
        }

        @Override
        public byte[] read(int length) throws IOException {
            byte[] bytes = in.readNBytes(length);
            position += bytes.length;
            if (bytes.length < length) {
                throw truncated("an extended header");
            }
            return bytes;
        }

        @Override
        public void skip(long length) throws IOException {
            skipFully(length);
        }

        /** Reads one whole block into {@code into}. */
        void readBlock(byte[] into) throws IOException {
            int n = in.readNBytes(into, 0, HeaderBlock.SIZE);
            position += n;
            if (n < HeaderBlock.SIZE) {
                throw truncated("a sparse map");
            }
        }
    }
}
