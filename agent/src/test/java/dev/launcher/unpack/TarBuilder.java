package dev.launcher.unpack;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream;

/** Builds test layers entry by entry, including headers no well-behaved tool would write. */
public final class TarBuilder {
    public static final FileTime MTIME = FileTime.from(Instant.parse("2021-02-03T04:05:06Z"));

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar;
    private byte[] finished;

    public TarBuilder() {
        this(UTF_8.name());
    }

    private TarBuilder(String encoding) {
        tar = new TarArchiveOutputStream(bytes, encoding);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    /** Names and link targets given as raw names (one char per byte) are written as those bytes; under 100 bytes. */
    public static TarBuilder rawNames() {
        return new TarBuilder(java.nio.charset.StandardCharsets.ISO_8859_1.name());
    }

    public TarBuilder file(String name, String content) {
        return file(name, content.getBytes(UTF_8), 0644);
    }

    public TarBuilder file(String name, byte[] content, int mode) {
        TarArchiveEntry entry = entry(name, TarConstants.LF_NORMAL, mode);
        entry.setSize(content.length);
        return add(entry, content);
    }

    public TarBuilder dir(String name, int mode) {
        return add(entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, mode), null);
    }

    public TarBuilder symlink(String name, String target) {
        TarArchiveEntry entry = entry(name, TarConstants.LF_SYMLINK, 0777);
        entry.setLinkName(target);
        return add(entry, null);
    }

    public TarBuilder hardlink(String name, String target) {
        TarArchiveEntry entry = entry(name, TarConstants.LF_LINK, 0644);
        entry.setLinkName(target);
        return add(entry, null);
    }

    /** A character or block device or fifo, by type flag. */
    public TarBuilder special(String name, byte type) {
        TarArchiveEntry entry = entry(name, type, 0666);
        entry.setDevMajor(1);
        entry.setDevMinor(3);
        return add(entry, null);
    }

    public static TarArchiveEntry entry(String name, byte type, int mode) {
        TarArchiveEntry entry = new TarArchiveEntry(name, type, true); // true: keep absolute names as given
        entry.setMode(mode);
        entry.setLastModifiedTime(MTIME);
        entry.setUserName("");
        entry.setGroupName("");
        return entry;
    }

    public TarBuilder add(TarArchiveEntry entry, byte[] content) {
        try {
            tar.putArchiveEntry(entry);
            if (content != null) {
                tar.write(content);
            }
            tar.closeArchiveEntry();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public byte[] tar() {
        if (finished == null) {
            try {
                tar.finish();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            finished = bytes.toByteArray();
        }
        return finished;
    }

    public byte[] gzip() {
        return gzip(tar());
    }

    public byte[] zstd() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new ZstdCompressorOutputStream(out)) {
            z.write(tar());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GzipCompressorOutputStream(out)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Overwrites the 12-byte size field of the header at {@code headerOffset} with a base-256
     * number and fixes the checksum: the only way to declare sizes no writer would accept.
     */
    public static byte[] withBinarySize(byte[] tar, int headerOffset, long size) {
        byte[] patched = tar.clone();
        int field = headerOffset + 124;
        for (int i = 11; i >= 1; i--) {
            patched[field + i] = (byte) (size >>> (8 * (11 - i)));
        }
        patched[field] = (byte) (size < 0 ? 0xff : 0x80);
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            boolean checksumField = i >= 148 && i < 156;
            sum += checksumField ? ' ' : patched[headerOffset + i] & 0xff;
        }
        byte[] octal = String.format("%06o", sum).getBytes(UTF_8);
        System.arraycopy(octal, 0, patched, headerOffset + 148, 6);
        patched[headerOffset + 154] = 0;
        patched[headerOffset + 155] = ' ';
        return patched;
    }

    /** One PAX record: its length counts itself, so the digits are found by trying. */
    public static String paxRecord(String key, String value) {
        String body = " " + key + "=" + value + "\n";
        int length = body.length() + 1;
        while (String.valueOf(length).length() + body.length() != length) {
            length++;
        }
        return length + body;
    }
}
