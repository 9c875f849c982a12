package dev.launcher.unpack;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Wraps the caller's layer stream so that a failure to read it (a damaged cache file, a dropped
 * connection) can be told apart from malformed archive content after decompressors and the tar
 * reader have rethrown it, and so that closing those wrappers leaves the caller's stream open.
 */
final class SourceInputStream extends FilterInputStream {
    /** Marks an IOException as coming from the caller's stream, not from the archive format. */
    static final class SourceFailure extends IOException {
        SourceFailure(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    SourceInputStream(InputStream in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        try {
            return super.read();
        } catch (IOException e) {
            throw new SourceFailure(e);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            return super.read(b, off, len);
        } catch (IOException e) {
            throw new SourceFailure(e);
        }
    }

    @Override
    public long skip(long n) throws IOException {
        try {
            return super.skip(n);
        } catch (IOException e) {
            throw new SourceFailure(e);
        }
    }

    /**
     * Reads what the archive did not need (tar padding, trailing zero blocks) so that a caller
     * hashing the stream as it goes sees every byte.
     */
    void drain() throws IOException {
        byte[] sink = new byte[8192];
        while (read(sink, 0, sink.length) >= 0) {
            // discard
        }
    }

    /** The caller opened the stream and closes it. */
    @Override
    public void close() {}
}
