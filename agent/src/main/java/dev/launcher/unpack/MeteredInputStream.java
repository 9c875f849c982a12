package dev.launcher.unpack;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Puts a byte budget on the uncompressed tar stream. The tar reader buffers PAX headers and GNU
 * long names in memory and follows chains of them recursively, so a few kilobytes of gzip could
 * otherwise claim gigabytes of heap or the whole stack before the unpacker sees an entry.
 */
final class MeteredInputStream extends FilterInputStream {
    /** Thrown through the tar reader when the current budget is spent. */
    static final class BudgetExceeded extends IOException {
        BudgetExceeded(String message) {
            super(message);
        }
    }

    private long remaining;
    private String purpose = "";

    MeteredInputStream(InputStream in) {
        super(in);
    }

    /** Replaces the budget: at most {@code bytes} more may be read, for the given purpose. */
    void allow(long bytes, String purpose) {
        this.remaining = bytes;
        this.purpose = purpose;
    }

    @Override
    public int read() throws IOException {
        spend(1);
        return super.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        // Read at most one byte past the budget: enough to know it was exceeded.
        int allowed = (int) Math.min(len, Math.max(1, Math.min(remaining, Integer.MAX_VALUE)));
        int n = super.read(b, off, allowed);
        if (n > 0) {
            spend(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // Skipped bytes are decompressed all the same, so they count.
        long skipped = super.skip(Math.min(n, Math.max(1, remaining)));
        spend(skipped);
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void spend(long n) throws BudgetExceeded {
        remaining -= n;
        if (remaining < 0) {
            throw new BudgetExceeded(purpose);
        }
    }
}
