package dev.launcher.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a stream on a thread of its own, a few chunks ahead of the consumer, so that what the source does
 * per byte (receiving and hashing a blob) runs beside what the consumer does (inflating and writing
 * files) instead of taking turns with it on one core. A failure of the source reaches the consumer at the
 * read where it happened, as the same exception.
 */
final class ReadAheadInputStream extends InputStream {
    private static final int CHUNKS = 8;

    /** A filled buffer, the end of the source, or the source's failure. */
    private record Chunk(byte[] bytes, int length, Throwable failure) {
        static final Chunk END = new Chunk(null, -1, null);
    }

    private final InputStream source;
    private final int chunkSize;
    private final BlockingQueue<Chunk> filled = new ArrayBlockingQueue<>(CHUNKS);
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(CHUNKS + 1);
    private final Thread reader;
    private Chunk current;
    private int position;
    private volatile boolean closed;

    ReadAheadInputStream(InputStream source, int chunkSize, String threadName) {
        this.source = source;
        this.chunkSize = chunkSize;
        this.reader = Thread.ofPlatform().name(threadName).daemon().start(this::fill);
    }

    private void fill() {
        try {
            while (!closed) {
                byte[] buffer = free.poll();
                if (buffer == null) {
                    buffer = new byte[chunkSize];
                }
                int n = source.readNBytes(buffer, 0, buffer.length);
                if (n == 0) {
                    filled.put(Chunk.END);
                    return;
                }
                filled.put(new Chunk(buffer, n, null));
            }
        } catch (InterruptedException e) {
            // closed by the consumer
        } catch (Throwable t) {
            if (closed) {
                return; // the consumer stopped reading: closing the source is what failed the read
            }
            try {
                filled.put(new Chunk(null, -1, t));
            } catch (InterruptedException closing) {
                // closed by the consumer meanwhile
            }
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (current == null || position == current.length()) {
            if (current != null && current.bytes() != null) {
                free.offer(current.bytes());
            }
            current = take();
            position = 0;
        }
        if (current.failure() != null) {
            return rethrow(current.failure());
        }
        if (current == Chunk.END) {
            return -1;
        }
        int n = Math.min(len, current.length() - position);
        System.arraycopy(current.bytes(), position, b, off, n);
        position += n;
        return n;
    }

    private Chunk take() throws IOException {
        try {
            return filled.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the blob's next bytes");
        }
    }

    private static int rethrow(Throwable failure) throws IOException {
        switch (failure) {
            case IOException e -> throw e;
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new IOException(failure);
        }
    }

    /**
     * Stops the reader thread and waits for it, so the source is no longer read once this returns; the
     * caller closes the source itself (which also ends a read the thread is blocked in).
     */
    @Override
    public void close() {
        closed = true;
        reader.interrupt();
    }

    /**
     * Waits until the reader thread has stopped touching the source: call after {@link #close()} and
     * after closing the source. Bounded, so a source that ignores both cannot hang the launcher; the
     * thread is a daemon.
     */
    void awaitReader() {
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
