package dev.launcher.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ReadAheadInputStreamTest {
    private static final String THREAD = "read-ahead-test";

    @Test
    void deliversEveryByteInOrderWhateverTheReadSizes() throws IOException {
        byte[] data = new byte[3_000_001];
        new Random(7).nextBytes(data);
        var ahead = new ReadAheadInputStream(new ByteArrayInputStream(data), 4096, THREAD);
        byte[] out = new byte[data.length];
        int at = 0;
        Random sizes = new Random(11);
        int n;
        while ((n = ahead.read(out, at, Math.min(out.length - at, 1 + sizes.nextInt(20_000)))) > 0) {
            at += n;
        }
        assertEquals(data.length, at);
        assertArrayEquals(data, out);
        assertEquals(-1, ahead.read(), "the end stays the end");
        ahead.close();
        ahead.awaitReader();
    }

    @Test
    void theSourcesFailureReachesTheConsumerAfterTheBytesBeforeIt() throws IOException {
        IOException cut = new IOException("connection reset");
        InputStream source = new InputStream() {
            private int left = 10_000;

            @Override
            public int read() throws IOException {
                if (left-- <= 0) {
                    throw cut;
                }
                return 'x';
            }
        };
        var ahead = new ReadAheadInputStream(source, 1024, THREAD);
        byte[] buffer = new byte[100];
        long got = 0;
        IOException thrown = null;
        try {
            int n;
            while ((n = ahead.read(buffer, 0, buffer.length)) > 0) {
                got += n;
            }
        } catch (IOException e) {
            thrown = e;
        }
        assertSame(cut, thrown, "the same exception, so callers can tell network failures apart");
        // InputStream.read(byte[]) returns the bytes before a failure, which then comes at the next read.
        assertTrue(got >= 9 * 1024 && got <= 10_000, "bytes before the failure were delivered: " + got);
        assertThrows(IOException.class, () -> ahead.read(buffer, 0, 1), "the failure stays");
        ahead.close();
        ahead.awaitReader();
    }

    @Test
    void aRuntimeFailureOfTheSourceIsRethrownAsItIs() {
        IllegalStateException wrong = new IllegalStateException("digest mismatch");
        InputStream source = new InputStream() {
            @Override
            public int read() {
                throw wrong;
            }
        };
        var ahead = new ReadAheadInputStream(source, 1024, THREAD);
        assertSame(wrong, assertThrows(IllegalStateException.class, () -> ahead.read(new byte[10], 0, 10)));
        ahead.close();
        ahead.awaitReader();
    }

    @Test
    void closeStopsTheReaderThreadThatWaitsForRoom() throws Exception {
        CountDownLatch manyRead = new CountDownLatch(1);
        InputStream endless = new InputStream() {
            private long count;

            @Override
            public int read() {
                if (++count == 8 * 1024) {
                    manyRead.countDown();
                }
                return 0;
            }
        };
        var ahead = new ReadAheadInputStream(endless, 1024, THREAD);
        assertEquals(0, ahead.read());
        manyRead.await(); // the queue is full now and the reader waits for the consumer
        ahead.close();
        ahead.awaitReader();
        assertFalse(readerAlive(), "no reader thread is left behind");
    }

    private static boolean readerAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(THREAD) && t.isAlive());
    }
}
