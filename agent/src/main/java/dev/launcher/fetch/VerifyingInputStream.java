package dev.launcher.fetch;

import dev.launcher.error.LauncherException;
import dev.launcher.oci.Descriptor;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Hashes and counts a blob as it streams and fails the read that proves it wrong: one byte past the
 * descriptor's size, or an end of stream with the wrong size or digest. A consumer that reads to the
 * end therefore never sees unverified bytes "succeed".
 */
public final class VerifyingInputStream extends FilterInputStream {
    private final Descriptor expected;
    private final String source;
    private final MessageDigest hasher;
    private long count;
    private long hashNanos;
    private boolean verified;

    public VerifyingInputStream(InputStream in, Descriptor expected, String source) {
        super(in);
        this.expected = expected;
        this.source = source;
        this.hasher = expected.digest().newHasher();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = in.read(buffer, offset, length);
        if (n < 0) {
            finish();
            return -1;
        }
        count += n;
        if (count > expected.size()) {
            throw LauncherException.integrity("blob " + expected.digest() + " from " + source + " is longer than the "
                    + expected.size() + " bytes its descriptor states: the registry or a proxy altered it; nothing was used");
        }
        long start = System.nanoTime();
        hasher.update(buffer, offset, n);
        hashNanos += System.nanoTime() - start;
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // Skipping would leave bytes unhashed; read them instead.
        byte[] sink = new byte[(int) Math.min(n, 65536)];
        int read = read(sink, 0, sink.length);
        return Math.max(read, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void finish() {
        if (verified) {
            return;
        }
        if (count != expected.size()) {
            throw LauncherException.integrity("blob " + expected.digest() + " from " + source + " ended after " + count
                    + " of " + expected.size() + " bytes: the transfer was cut or the registry altered it; nothing was used");
        }
        if (!expected.digest().matches(hasher)) {
            throw LauncherException.integrity("blob " + expected.digest() + " from " + source
                    + " does not match its digest: its content was altered; nothing was used");
        }
        verified = true;
    }

    /** Reads what is left so that the size and digest are checked even when the consumer stopped early. */
    public void verifyToEnd() throws IOException {
        byte[] sink = new byte[65536];
        while (read(sink, 0, sink.length) >= 0) {
            // drain
        }
    }

    public boolean isVerified() {
        return verified;
    }

    public long bytesRead() {
        return count;
    }

    public long hashNanos() {
        return hashNanos;
    }
}
