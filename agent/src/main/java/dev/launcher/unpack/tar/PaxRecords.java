package dev.launcher.unpack.tar;

import dev.launcher.fs.FileNames;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads the records of one PAX extended header ({@code "LENGTH KEY=VALUE\n"}, POSIX.1-2001) from the archive.
 *
 * <p>Only the records the launcher uses are kept; the value of any other (comments, xattrs, atime, a vendor's
 * megabytes of metadata) is skipped as it streams by, so a header of any size costs no memory. A kept value may
 * be up to {@value #MAX_KEPT_VALUE} bytes, the bound Go's archive/tar puts on a whole header. Values are raw bytes,
 * as GNU tar takes them, whatever {@code hdrcharset} says.
 *
 * <p>Validity follows Go's archive/tar, which rejects what GNU tar and bsdtar reject: a length that is not a decimal
 * number of at least 5, a record that does not end in a newline, a key that is empty or holds a NUL, a path or
 * link path holding a NUL. A record starting with a NUL ends the header, as in GNU tar: some writers pad with NULs.
 */
final class PaxRecords {
    static final String PATH = "path";
    static final String LINKPATH = "linkpath";
    static final String SIZE = "size";
    static final String MTIME = "mtime";
    static final String SPARSE_MAJOR = "GNU.sparse.major";
    static final String SPARSE_MINOR = "GNU.sparse.minor";
    static final String SPARSE_NAME = "GNU.sparse.name";
    static final String SPARSE_SIZE = "GNU.sparse.size";
    static final String SPARSE_REALSIZE = "GNU.sparse.realsize";
    static final String SPARSE_MAP = "GNU.sparse.map";
    static final String SPARSE_NUMBLOCKS = "GNU.sparse.numblocks";
    /** Format 0.0 writes one pair of these per fragment; they are gathered into {@link #SPARSE_MAP} as 0.1 has it. */
    static final String SPARSE_OFFSET = "GNU.sparse.offset";
    static final String SPARSE_NUMBYTES = "GNU.sparse.numbytes";
    /** The digits of the largest number a sparse offset or length can be ({@code Long.MAX_VALUE}). */
    private static final int MAX_SPARSE_DIGITS = 19;

    private static final Set<String> KEPT = Set.of(PATH, LINKPATH, SIZE, MTIME, SPARSE_MAJOR, SPARSE_MINOR, SPARSE_NAME,
            SPARSE_SIZE, SPARSE_REALSIZE, SPARSE_MAP, SPARSE_NUMBLOCKS, SPARSE_OFFSET, SPARSE_NUMBYTES);
    static final int MAX_KEPT_VALUE = 1 << 20;
    private static final int MAX_KEY = 8192;
    private static final int MAX_LENGTH_DIGITS = 19;

    /** Where the header's bytes come from. */
    interface Source {
        int read() throws IOException;

        /** Reads exactly {@code length} bytes. */
        byte[] read(int length) throws IOException;

        void skip(long length) throws IOException;
    }

    private PaxRecords() {}

    /**
     * The kept records of a header of {@code size} bytes; reads all of them.
     *
     * @param where how messages name the header
     */
    static Map<String, String> read(Source in, long size, String where) throws IOException {
        Map<String, String> records = new HashMap<>();
        // GNU 0.0 runs, joined as a 0.1 map as they come: a String per number would hold the heap at a few MB of header.
        StringBuilder sparse = new StringBuilder();
        int sparseNumbers = 0;
        long left = size;
        while (left > 0) {
            int first = in.read();
            left--;
            if (first == 0) {
                in.skip(left);
                break;
            }
            long length = 0;
            int digits = 0;
            for (int c = first; c != ' '; c = in.read(), left--) {
                if (c < '0' || c > '9' || ++digits > MAX_LENGTH_DIGITS || left < 0) {
                    throw malformed(where, "a record length that is not a decimal number");
                }
                length = length * 10 + (c - '0');
            }
            long rest = length - digits - 1; // key, '=', value and '\n'
            if (length < 5 || rest > left + 0 || rest < 3) {
                throw malformed(where, "a record of length " + length + " that does not fit");
            }
            left -= rest;
            StringBuilder key = new StringBuilder();
            long valueLength = rest - 1;
            for (int c = in.read(); c != '='; c = in.read()) {
                if (--valueLength <= 0 || key.length() >= MAX_KEY || c == 0) {
                    throw malformed(where, "a record whose key is missing, too long or holds a NUL");
                }
                key.append((char) c);
            }
            valueLength--; // the '=' read
            if (key.isEmpty()) {
                throw malformed(where, "a record with an empty key");
            }
            String name = key.toString();
            if (KEPT.contains(name)) {
                if (valueLength > MAX_KEPT_VALUE) {
                    throw malformed(where, "a " + name + " record longer than " + MAX_KEPT_VALUE + " bytes");
                }
                String value = FileNames.raw(in.read((int) valueLength));
                if ((name.equals(PATH) || name.equals(LINKPATH)) && value.indexOf('\0') >= 0) {
                    throw malformed(where, "a " + name + " record holding a NUL byte");
                }
                if (name.equals(SPARSE_OFFSET) || name.equals(SPARSE_NUMBYTES)) {
                    // Offsets and sizes must alternate, offset first, as GNU tar 1.14-1.15 wrote them.
                    boolean offsetExpected = sparseNumbers % 2 == 0;
                    if (offsetExpected != name.equals(SPARSE_OFFSET) || value.indexOf(',') >= 0) {
                        throw malformed(where, "GNU sparse 0.0 records out of order");
                    }
                    if (sparseNumbers >= 2 * TarReader.MAX_SPARSE_FRAGMENTS) {
                        throw malformed(where, "a sparse map of more than " + TarReader.MAX_SPARSE_FRAGMENTS + " runs");
                    }
                    if (value.length() > MAX_SPARSE_DIGITS) {
                        throw malformed(where, "a " + name + " record that is not a number");
                    }
                    sparse.append(sparseNumbers++ == 0 ? "" : ",").append(value);
                } else {
                    records.put(name, value);
                }
            } else {
                in.skip(valueLength);
            }
            if (in.read() != '\n') {
                throw malformed(where, "a record that does not end in a newline");
            }
        }
        if (sparseNumbers > 0) {
            records.put(SPARSE_MAP, sparse.toString());
        }
        return records;
    }

    private static TarFormatException malformed(String where, String what) {
        return new TarFormatException(where + " has " + what);
    }
}
