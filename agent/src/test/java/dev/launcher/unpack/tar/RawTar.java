package dev.launcher.unpack.tar;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Builds tar bytes block by block, for tests that need headers no ordinary writer produces: any name bytes, any
 * typeflag, size fields as text or base-256, missing or odd magic, all-NUL numeric fields, wrong or signed checksums,
 * hand-made PAX records, GNU long names and old GNU sparse maps with extension blocks.
 *
 * <p>{@link #header()} starts a header block (ustar magic, mode 0644, size 0, type '0'); {@link Header#add()} seals it
 * (checksum included) and appends it. Content, padding and end blocks are appended by the methods of this class.
 */
public final class RawTar {
    public static final int BLOCK = 512;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A new header block, appended to this archive by {@link Header#add()}. */
    public Header header() {
        return new Header(this);
    }

    /** A header block for a regular file of {@code content.length} bytes, followed by its content and padding. */
    public RawTar file(String name, byte[] content) {
        header().name(name).size(content.length).add();
        return content(content);
    }

    public RawTar file(String name, String content) {
        return file(name, content.getBytes(UTF_8));
    }

    /** Bytes of content, padded with NULs to a whole block. */
    public RawTar content(byte[] bytes) {
        out.writeBytes(bytes);
        return pad();
    }

    /** NULs up to the next block boundary. */
    public RawTar pad() {
        int rest = out.size() % BLOCK;
        if (rest != 0) {
            out.writeBytes(new byte[BLOCK - rest]);
        }
        return this;
    }

    /** Bytes as they are: no padding. */
    public RawTar raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    /** One block of zeros. */
    public RawTar zeroBlock() {
        out.writeBytes(new byte[BLOCK]);
        return this;
    }

    /** The end of an archive: two blocks of zeros. */
    public RawTar end() {
        return zeroBlock().zeroBlock();
    }

    /** A PAX extended header ({@code 'x'} or {@code 'g'}) holding these records (see {@link #record}), padded. */
    public RawTar pax(char type, byte[]... records) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] record : records) {
            content.writeBytes(record);
        }
        byte[] bytes = content.toByteArray();
        header().name("PaxHeaders.0/entry").type(type).size(bytes.length).add();
        return content(bytes);
    }

    /** A local PAX header of text records: {@code pax("path", "a", "linkpath", "b")}. */
    public RawTar paxText(String... keysAndValues) {
        return pax('x', records(keysAndValues));
    }

    /** A global PAX header of text records. */
    public RawTar globalText(String... keysAndValues) {
        return pax('g', records(keysAndValues));
    }

    private static byte[][] records(String... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values must pair up");
        }
        byte[][] records = new byte[keysAndValues.length / 2][];
        for (int i = 0; i < keysAndValues.length; i += 2) {
            records[i / 2] = record(keysAndValues[i], keysAndValues[i + 1].getBytes(UTF_8));
        }
        return records;
    }

    /** One PAX record, {@code "LENGTH key=value\n"}, its length prefix counting itself. */
    public static byte[] record(String key, byte[] value) {
        int body = key.getBytes(UTF_8).length + 1 + value.length + 1; // key, '=', value, '\n'
        int length = body + 2;
        while (length != body + 1 + Integer.toString(length).length()) {
            length = body + 1 + Integer.toString(length).length();
        }
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.writeBytes((length + " " + key + "=").getBytes(UTF_8));
        record.writeBytes(value);
        record.write('\n');
        return record.toByteArray();
    }

    public static byte[] record(String key, String value) {
        return record(key, value.getBytes(UTF_8));
    }

    /**
     * A GNU long name ({@code 'L'}) or long link ({@code 'K'}) header in the old GNU format, whose content is exactly
     * {@code bytes} (add a trailing NUL yourself, as GNU tar writes one).
     */
    public RawTar longName(char type, byte[] bytes) {
        header().gnu().name("././@LongLink").type(type).size(bytes.length).add();
        return content(bytes);
    }

    /** A GNU long name header for this name, with the trailing NUL GNU tar writes. */
    public RawTar longName(String name) {
        byte[] text = name.getBytes(UTF_8);
        return longName('L', Arrays.copyOf(text, text.length + 1));
    }

    /**
     * An extension block of an old GNU sparse map: up to 21 (offset, length) pairs, then the "more follow" flag.
     */
    public RawTar sparseExtension(boolean more, long... offsetsAndLengths) {
        if (offsetsAndLengths.length % 2 != 0 || offsetsAndLengths.length > 2 * HeaderBlock.EXTENSION_ENTRIES) {
            throw new IllegalArgumentException("at most 21 pairs of offset and length");
        }
        byte[] block = new byte[BLOCK];
        for (int i = 0; i < offsetsAndLengths.length; i++) {
            octal(block, i * 12, 12, offsetsAndLengths[i]);
        }
        block[HeaderBlock.EXTENSION_IS_EXTENDED] = (byte) (more ? 1 : 0);
        out.writeBytes(block);
        return this;
    }

    /** The bytes written so far. */
    public byte[] bytes() {
        return out.toByteArray();
    }

    /** Writes {@code value} in octal, zero-filled to {@code length - 1} digits, then a NUL. */
    static void octal(byte[] block, int offset, int length, long value) {
        String digits = Long.toOctalString(value);
        if (value < 0 || digits.length() > length - 1) {
            throw new IllegalArgumentException(value + " does not fit in " + length + " bytes of octal");
        }
        String text = "0".repeat(length - 1 - digits.length()) + digits;
        System.arraycopy(text.getBytes(ISO_8859_1), 0, block, offset, length - 1);
        block[offset + length - 1] = 0;
    }

    /** One header block being filled. */
    public static final class Header {
        private final RawTar tar;
        private final byte[] block = new byte[BLOCK];
        private Long checksum;
        private boolean signedChecksum;
        private int checksumDelta;

        private Header(RawTar tar) {
            this.tar = tar;
            octal(block, HeaderBlock.MODE, 8, 0644);
            octal(block, 108, 8, 0); // uid
            octal(block, 116, 8, 0); // gid
            octal(block, HeaderBlock.SIZE_FIELD, 12, 0);
            octal(block, HeaderBlock.MTIME, 12, 0);
            block[HeaderBlock.TYPEFLAG] = '0';
            ustar();
        }

        /** The name field: these bytes, cut or NUL-filled to its 100 bytes. */
        public Header name(byte[] bytes) {
            return field(HeaderBlock.NAME, 100, bytes);
        }

        /** The name field: the UTF-8 bytes of {@code name}. */
        public Header name(String name) {
            return name(name.getBytes(UTF_8));
        }

        public Header linkName(byte[] bytes) {
            return field(HeaderBlock.LINKNAME, 100, bytes);
        }

        public Header linkName(String name) {
            return linkName(name.getBytes(UTF_8));
        }

        /** The ustar prefix field (155 bytes at 345); in the old GNU format that area holds times and a sparse map. */
        public Header prefix(byte[] bytes) {
            return field(HeaderBlock.PREFIX, 155, bytes);
        }

        public Header prefix(String prefix) {
            return prefix(prefix.getBytes(UTF_8));
        }

        public Header type(char type) {
            block[HeaderBlock.TYPEFLAG] = (byte) type;
            return this;
        }

        public Header mode(int mode) {
            octal(block, HeaderBlock.MODE, 8, mode);
            return this;
        }

        public Header mtime(long seconds) {
            octal(block, HeaderBlock.MTIME, 12, seconds);
            return this;
        }

        /** The size field in octal, as tar writes it. */
        public Header size(long size) {
            octal(block, HeaderBlock.SIZE_FIELD, 12, size);
            return this;
        }

        /** The size field as this text, NUL-filled to 12 bytes: {@code "  17 \0"}, {@code "\0\0\0"}, ... */
        public Header sizeText(String text) {
            return field(HeaderBlock.SIZE_FIELD, 12, text.getBytes(ISO_8859_1));
        }

        /** The size field in GNU's base-256: the high bit set, then the value in two's complement, big-endian. */
        public Header sizeBase256(long size) {
            return base256(HeaderBlock.SIZE_FIELD, 12, size);
        }

        /** A numeric field in base-256. */
        public Header base256(int offset, int length, long value) {
            for (int i = length - 1; i >= 0; i--) {
                block[offset + i] = (byte) value;
                value >>= 8; // arithmetic shift: a negative value fills with 0xff
            }
            block[offset] |= (byte) 0x80;
            return this;
        }

        /** The uid field all NULs, as some writers leave it (Go's issue 5290). */
        public Header nulUid() {
            return fill(108, 8, (byte) 0);
        }

        /** The gid field all NULs. */
        public Header nulGid() {
            return fill(116, 8, (byte) 0);
        }

        /** POSIX ustar magic and version: {@code "ustar\0" "00"}. */
        public Header ustar() {
            return field(HeaderBlock.MAGIC, 8, "ustar\00000".getBytes(ISO_8859_1));
        }

        /** The old GNU magic and version: {@code "ustar  \0"}. */
        public Header gnu() {
            return field(HeaderBlock.MAGIC, 8, "ustar  \0".getBytes(ISO_8859_1));
        }

        /** No magic: the original Unix V7 format. */
        public Header v7() {
            return fill(HeaderBlock.MAGIC, 8, (byte) 0);
        }

        /** Old GNU sparse header: entry {@code index} (0-3) of the map in the header. */
        public Header sparseEntry(int index, long offset, long length) {
            if (index < 0 || index >= HeaderBlock.GNU_SPARSE_ENTRIES) {
                throw new IllegalArgumentException("the header holds four sparse entries");
            }
            int at = HeaderBlock.GNU_SPARSE + index * 24;
            octal(block, at, 12, offset);
            octal(block, at + 12, 12, length);
            return this;
        }

        /** Old GNU sparse header: whether extension blocks follow. */
        public Header sparseExtended(boolean extended) {
            block[HeaderBlock.GNU_IS_EXTENDED] = (byte) (extended ? 1 : 0);
            return this;
        }

        /** Old GNU sparse header: the file's real length, holes included. */
        public Header realSize(long size) {
            octal(block, HeaderBlock.GNU_REAL_SIZE, 12, size);
            return this;
        }

        /** Any bytes at any offset, NUL-filled to {@code length}. */
        public Header field(int offset, int length, byte[] bytes) {
            Arrays.fill(block, offset, offset + length, (byte) 0);
            System.arraycopy(bytes, 0, block, offset, Math.min(length, bytes.length));
            return this;
        }

        public Header fill(int offset, int length, byte value) {
            Arrays.fill(block, offset, offset + length, value);
            return this;
        }

        /** A checksum off by {@code delta} from the right one. */
        public Header wrongChecksum(int delta) {
            checksumDelta = delta;
            return this;
        }

        /** The checksum as old tars computed it: the sum of the bytes taken as signed. */
        public Header signedChecksum() {
            signedChecksum = true;
            return this;
        }

        /** This exact checksum value. */
        public Header checksum(long value) {
            checksum = value;
            return this;
        }

        /** The sealed block: checksum computed over the block with the checksum field as spaces. */
        public byte[] block() {
            byte[] sealed = block.clone();
            Arrays.fill(sealed, HeaderBlock.CHECKSUM, HeaderBlock.CHECKSUM + 8, (byte) ' ');
            long sum = 0;
            for (byte b : sealed) {
                sum += signedChecksum ? b : b & 0xff;
            }
            long value = checksum != null ? checksum : sum + checksumDelta;
            octal(sealed, HeaderBlock.CHECKSUM, 7, value); // six digits, NUL
            sealed[HeaderBlock.CHECKSUM + 7] = ' ';
            return sealed;
        }

        /** Appends the sealed block to the archive. */
        public RawTar add() {
            tar.out.writeBytes(block());
            return tar;
        }
    }
}
