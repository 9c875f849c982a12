package dev.launcher.unpack.tar;

import dev.launcher.fs.FileNames;

/**
 * The fields of one 512-byte tar header block, read as GNU tar and Go's archive/tar read them: strings end at their
 * first NUL, numbers are octal (padded with spaces or NULs, an empty field being 0) or GNU's base-256.
 */
final class HeaderBlock {
    static final int SIZE = 512;

    enum Format {
        /** No magic: the original Unix format. */
        V7,
        /** {@code ustar\0}: POSIX, also the format PAX headers come in; has a 155-byte name prefix. */
        USTAR,
        /** {@code ustar  \0}: the old GNU format, whose prefix area holds times and the sparse map instead. */
        GNU,
        /** {@code ustar\0} with {@code tar\0} at the end: Jörg Schilling's star, with a 131-byte prefix. */
        STAR
    }

    static final int NAME = 0;
    static final int MODE = 100;
    static final int SIZE_FIELD = 124;
    static final int MTIME = 136;
    static final int CHECKSUM = 148;
    static final int TYPEFLAG = 156;
    static final int LINKNAME = 157;
    static final int MAGIC = 257;
    static final int PREFIX = 345;
    /** Old GNU sparse header: four (offset, length) pairs of 12 bytes each, the "more follow" flag, the real size. */
    static final int GNU_SPARSE = 386;
    static final int GNU_SPARSE_ENTRIES = 4;
    static final int GNU_IS_EXTENDED = 482;
    static final int GNU_REAL_SIZE = 483;
    /** An extension block of the old GNU sparse map: 21 pairs, then the flag. */
    static final int EXTENSION_ENTRIES = 21;
    static final int EXTENSION_IS_EXTENDED = 504;

    private HeaderBlock() {}

    static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether the stored checksum matches the block's bytes, summed unsigned or (as some old tars did) signed. */
    static boolean checksumMatches(byte[] block) {
        long stored;
        try {
            stored = octal(block, CHECKSUM, 8);
        } catch (NumberFormatException e) {
            return false;
        }
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < SIZE; i++) {
            boolean field = i >= CHECKSUM && i < CHECKSUM + 8;
            unsigned += field ? ' ' : block[i] & 0xff;
            signed += field ? ' ' : block[i];
        }
        return stored == unsigned || stored == signed;
    }

    static Format format(byte[] block) {
        boolean ustarMagic = matches(block, MAGIC, "ustar\0");
        if (ustarMagic && matches(block, 508, "tar\0")) {
            return Format.STAR;
        }
        if (ustarMagic) {
            return Format.USTAR;
        }
        if (matches(block, MAGIC, "ustar ") && matches(block, MAGIC + 6, " \0")) {
            return Format.GNU;
        }
        return Format.V7;
    }

    static char typeflag(byte[] block) {
        return (char) (block[TYPEFLAG] & 0xff);
    }

    /** The name with the prefix of the formats that have one. */
    static String name(byte[] block, Format format) {
        String name = string(block, NAME, 100);
        String prefix = switch (format) {
            case USTAR -> string(block, PREFIX, 155);
            case STAR -> string(block, PREFIX, 131);
            case V7, GNU -> "";
        };
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    static String linkName(byte[] block) {
        return string(block, LINKNAME, 100);
    }

    /** The raw bytes of a field up to its first NUL. */
    static String string(byte[] block, int offset, int length) {
        int end = offset;
        while (end < offset + length && block[end] != 0) {
            end++;
        }
        return FileNames.raw(block, offset, end);
    }

    /**
     * A numeric field: base-256 when its first bit is set (GNU's encoding for values octal cannot hold, negative
     * ones included), else octal.
     *
     * @throws NumberFormatException if it is neither, or does not fit in a long
     */
    static long number(byte[] block, int offset, int length) {
        if ((block[offset] & 0x80) == 0) {
            return octal(block, offset, length);
        }
        int invert = (block[offset] & 0x40) != 0 ? 0xff : 0; // negative: two's complement
        long value = 0;
        for (int i = 0; i < length; i++) {
            int b = (block[offset + i] & 0xff) ^ invert;
            if (i == 0) {
                b &= 0x7f;
            }
            if ((value >>> 56) != 0) {
                throw new NumberFormatException("base-256 number too large");
            }
            value = value << 8 | b;
        }
        if (value < 0) {
            throw new NumberFormatException("base-256 number too large");
        }
        return invert != 0 ? ~value : value;
    }

    /** Octal digits, with leading and trailing spaces and NULs ignored, up to the first NUL; empty is 0. */
    static long octal(byte[] block, int offset, int length) {
        int from = offset;
        int to = offset + length;
        while (from < to && (block[from] == ' ' || block[from] == 0)) {
            from++;
        }
        while (to > from && (block[to - 1] == ' ' || block[to - 1] == 0)) {
            to--;
        }
        long value = 0;
        for (int i = from; i < to && block[i] != 0; i++) {
            int digit = block[i] - '0';
            if (digit < 0 || digit > 7) {
                throw new NumberFormatException("'" + (char) (block[i] & 0xff) + "' is not an octal digit");
            }
            if ((value >>> 60) != 0) {
                throw new NumberFormatException("octal number too large");
            }
            value = value << 3 | digit;
        }
        return value;
    }

    private static boolean matches(byte[] block, int offset, String expected) {
        for (int i = 0; i < expected.length(); i++) {
            if (block[offset + i] != expected.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
