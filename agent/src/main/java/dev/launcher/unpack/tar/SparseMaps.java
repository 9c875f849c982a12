package dev.launcher.unpack.tar;

import static dev.launcher.unpack.tar.HeaderBlock.EXTENSION_ENTRIES;
import static dev.launcher.unpack.tar.HeaderBlock.EXTENSION_IS_EXTENDED;
import static dev.launcher.unpack.tar.HeaderBlock.GNU_IS_EXTENDED;
import static dev.launcher.unpack.tar.HeaderBlock.GNU_SPARSE;
import static dev.launcher.unpack.tar.HeaderBlock.GNU_SPARSE_ENTRIES;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The sparse maps of GNU tar's four formats, as Go's archive/tar reads them: where each run of a sparse file's
 * content goes. The content in the archive is the runs one after the other; everything else is a hole.
 */
final class SparseMaps {
    private static final int MAX_DIGITS = 19;

    private SparseMaps() {}

    /**
     * An old GNU map, and whether the archive must end right after its member: see {@link #oldGnu}.
     */
    record OldGnuMap(List<SparseFragment> fragments, boolean archiveEnds) {}

    /**
     * The old GNU format ('S'): four entries in the header, 21 more in each extension block that follows it.
     *
     * <p>A map whose entries end early but that says more blocks follow is read differently: GNU tar stops at the
     * empty entry and reads the next block as content, or as the next header; Go, Python and bsdtar read it as more
     * map. Only one such case reads the same everywhere, and tar writers that reuse header fields make it: no
     * content, and a block of zeros next, which GNU tar takes for the end of the archive and the others for an empty
     * map block. It is read as the end of the archive, and whatever follows must be the end too.
     */
    static OldGnuMap oldGnu(byte[] header, long storedSize, TarReader.Source source, long at) throws IOException {
        List<SparseFragment> fragments = new ArrayList<>();
        byte[] block = header;
        int offset = GNU_SPARSE;
        int entries = GNU_SPARSE_ENTRIES;
        int flag = GNU_IS_EXTENDED;
        while (true) {
            boolean ended = false;
            for (int i = 0; i < entries; i++) {
                int entry = offset + i * 24;
                if ((block[entry] == 0) != (block[entry + 12] == 0)) {
                    // GNU tar ends the map at an empty length, Go, Python and bsdtar at an empty offset.
                    throw new TarFormatException("the sparse map at byte " + at + " has a run with only one of offset"
                            + " and length: tar readers read it differently");
                }
                if (block[entry] == 0) {
                    ended = true; // the first empty entry ends this block's entries
                    break;
                }
                add(fragments, number(block, entry, "offset", at), number(block, entry + 12, "length", at), at);
            }
            if (block[flag] == 0) {
                return new OldGnuMap(fragments, false);
            }
            block = new byte[HeaderBlock.SIZE];
            source.readBlock(block);
            if (ended) {
                if (storedSize == 0 && HeaderBlock.isZero(block)) {
                    return new OldGnuMap(fragments, true);
                }
                throw new TarFormatException("the sparse map at byte " + at + " ends before its last block but says"
                        + " more blocks follow: tar readers read it differently");
            }
            offset = 0;
            entries = EXTENSION_ENTRIES;
            flag = EXTENSION_IS_EXTENDED;
        }
    }

    /**
     * Whether PAX records describe a sparse file in a version Go's archive/tar reads (0.0, 0.1, 1.0); a version it
     * does not know leaves the member a plain file, as there.
     */
    static boolean isPaxSparse(Map<String, String> pax) {
        String major = pax.get(PaxRecords.SPARSE_MAJOR);
        String minor = pax.get(PaxRecords.SPARSE_MINOR);
        if (major != null || minor != null) {
            return "0".equals(major) && ("0".equals(minor) || "1".equals(minor)) || "1".equals(major) && "0".equals(minor);
        }
        return pax.containsKey(PaxRecords.SPARSE_MAP);
    }

    static long realSize(Map<String, String> pax, long at) throws TarFormatException {
        String size = pax.getOrDefault(PaxRecords.SPARSE_SIZE, pax.get(PaxRecords.SPARSE_REALSIZE));
        if (size == null) {
            throw new TarFormatException("the sparse file at byte " + at + " does not say its real size");
        }
        return TarReader.decimal(size, "sparse size", at);
    }

    /**
     * The map of a PAX sparse file: in the records for 0.0 and 0.1; at the start of the content for 1.0, where it is
     * read from {@code source}, at most {@code contentSize} bytes of it, in whole blocks.
     */
    static List<SparseFragment> pax(Map<String, String> pax, TarReader.Source source, long contentSize, long at)
            throws IOException {
        if ("1".equals(pax.get(PaxRecords.SPARSE_MAJOR))) {
            return fromContent(source, contentSize, at);
        }
        String map = pax.getOrDefault(PaxRecords.SPARSE_MAP, "");
        // Counted before anything is held: a 1 MiB map of "0,0,..." would otherwise be half a million Strings.
        long numbers = map.isEmpty() ? 0 : map.chars().filter(c -> c == ',').count() + 1;
        String count = pax.get(PaxRecords.SPARSE_NUMBLOCKS);
        if (count != null && TarReader.decimal(count, "sparse fragment count", at) != numbers / 2 + numbers % 2) {
            throw new TarFormatException("the sparse map at byte " + at + " has " + numbers
                    + " numbers for " + count + " fragments");
        }
        if (numbers % 2 != 0) {
            throw new TarFormatException("the sparse map at byte " + at + " has an odd count of numbers");
        }
        if (numbers / 2 > TarReader.MAX_SPARSE_FRAGMENTS) {
            throw tooMany(at);
        }
        List<SparseFragment> fragments = new ArrayList<>();
        int from = 0;
        for (long i = 0; i < numbers; i += 2) {
            int comma = map.indexOf(',', from);
            int end = map.indexOf(',', comma + 1);
            end = end < 0 ? map.length() : end;
            add(fragments, TarReader.decimal(map.substring(from, comma), "sparse offset", at),
                    TarReader.decimal(map.substring(comma + 1, end), "sparse length", at), at);
            from = end + 1;
        }
        return fragments;
    }

    /** Format 1.0: decimal numbers, one per line: the count of fragments, then offset and length of each. */
    private static List<SparseFragment> fromContent(TarReader.Source source, long contentSize, long at) throws IOException {
        List<Long> numbers = new ArrayList<>();
        long wanted = -1;
        long read = 0;
        StringBuilder token = new StringBuilder();
        byte[] block = new byte[HeaderBlock.SIZE];
        while (wanted < 0 || numbers.size() < wanted) {
            if (read + HeaderBlock.SIZE > contentSize) {
                throw new TarFormatException("the sparse map of the member at byte " + at + " runs past its content");
            }
            source.readBlock(block);
            read += HeaderBlock.SIZE;
            for (int i = 0; i < block.length && (wanted < 0 || numbers.size() < wanted); i++) {
                byte b = block[i];
                if (b == '\n') {
                    numbers.add(TarReader.decimal(token.toString(), "sparse map number", at));
                    token.setLength(0);
                    if (numbers.size() == 1) {
                        long count = numbers.getFirst();
                        if (count > TarReader.MAX_SPARSE_FRAGMENTS) {
                            throw tooMany(at);
                        }
                        wanted = 1 + 2 * count;
                    }
                } else if (b >= '0' && b <= '9' && token.length() < MAX_DIGITS) {
                    token.append((char) b);
                } else {
                    throw new TarFormatException("the sparse map of the member at byte " + at + " is malformed");
                }
            }
        }
        List<SparseFragment> fragments = new ArrayList<>();
        for (int i = 1; i < numbers.size(); i += 2) {
            add(fragments, numbers.get(i), numbers.get(i + 1), at);
        }
        return fragments;
    }

    /**
     * The checks bsdtar and Go make: no negative or overflowing run, runs in order and apart, none past the file's
     * length; and the content in the archive is exactly the runs.
     */
    static void check(List<SparseFragment> fragments, long length, long dataSize, long at) throws TarFormatException {
        long end = 0;
        long data = 0;
        long unaligned = -1; // the offset of a run of data whose length is not whole blocks
        for (SparseFragment f : fragments) {
            if (f.length() > 0 && unaligned >= 0) {
                // GNU tar reads each run from a block of its own, Go and Python one right after the other: the same
                // only when every run but the last holds whole blocks, as every sparse file GNU tar wrote does.
                throw new TarFormatException("the sparse map of the member at byte " + at + " has a run at " + unaligned
                        + " that is not whole 512-byte blocks and is not the last: tar readers read it differently");
            }
            if (f.length() % HeaderBlock.SIZE != 0) {
                unaligned = f.offset();
            }
            if (f.offset() < 0 || f.length() < 0 || f.offset() > Long.MAX_VALUE - f.length()
                    || f.offset() + f.length() > length || f.offset() < end) {
                throw new TarFormatException("the sparse map of the member at byte " + at + " has runs out of order,"
                        + " overlapping or past the file's length " + length);
            }
            end = f.offset() + f.length();
            data += f.length();
        }
        if (end != length) {
            // GNU tar's file ends where the last run does (a map it wrote ends with an empty run at the length); Go's
            // and Python's at the length the header gives.
            throw new TarFormatException("the sparse map of the member at byte " + at + " ends at " + end
                    + ", not at the file's length " + length + ": tar readers read it differently");
        }
        if (length < 0 || data != dataSize) {
            throw new TarFormatException("the sparse map of the member at byte " + at + " accounts for " + data
                    + " bytes of content, but the archive holds " + dataSize);
        }
    }

    private static void add(List<SparseFragment> fragments, long offset, long length, long at) throws TarFormatException {
        if (fragments.size() >= TarReader.MAX_SPARSE_FRAGMENTS) {
            throw tooMany(at);
        }
        fragments.add(new SparseFragment(offset, length));
    }

    private static TarFormatException tooMany(long at) {
        return new TarFormatException("the sparse map of the member at byte " + at + " has more than "
                + TarReader.MAX_SPARSE_FRAGMENTS + " runs");
    }

    private static long number(byte[] block, int offset, String what, long at) throws TarFormatException {
        try {
            return HeaderBlock.number(block, offset, 12);
        } catch (NumberFormatException e) {
            throw new TarFormatException("the sparse map at byte " + at + " has an invalid " + what + " (" + e.getMessage() + ")");
        }
    }
}
