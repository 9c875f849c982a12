package dev.launcher.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class IdleWatchdogTest {
    @Test
    void aReadThatGetsNothingForTheIdleTimeFailsAsStalled() throws Exception {
        InputStream watched = IdleWatchdog.watch(new SilentAfter(3), Duration.ofMillis(200));
        assertEquals(3, watched.readNBytes(3).length);
        var e = assertThrows(StalledTransferException.class, () -> watched.read(new byte[10]));
        assertEquals("no data for 0.2 s (LAUNCHER_IDLE_TIMEOUT)", e.getMessage());
        assertThrows(StalledTransferException.class, watched::read, "a stalled stream stays failed");
    }

    /**
     * Gives {@code count} bytes, then blocks until closed, like the JDK HTTP client's body stream (whose
     * close wakes a blocked read; a PipedInputStream's does not).
     */
    private static final class SilentAfter extends InputStream {
        private final CountDownLatch closed = new CountDownLatch(1);
        private int left;

        SilentAfter(int count) {
            this.left = count;
        }

        @Override
        public int read() throws IOException {
            if (left > 0) {
                left--;
                return 7;
            }
            try {
                closed.await();
            } catch (InterruptedException e) {
                throw new InterruptedIOException();
            }
            throw new IOException("closed");
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }

    @Test
    void aConsumerThatTakesItsTimeBetweenReadsIsNotBlamed() throws Exception {
        var pipe = new PipedOutputStream();
        var source = new PipedInputStream(pipe);
        pipe.write(new byte[] {1, 2});
        pipe.close();
        try (InputStream watched = IdleWatchdog.watch(source, Duration.ofMillis(100))) {
            assertEquals(1, watched.read());
            Thread.sleep(400);
            assertEquals(2, watched.read());
            assertEquals(-1, watched.read());
        }
    }

    @Test
    void otherFailuresOfTheSourceStayWhatTheyWere() {
        InputStream broken = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset");
            }
        };
        var e = assertThrows(IOException.class, () -> IdleWatchdog.watch(broken, Duration.ofSeconds(5)).read(new byte[4]));
        assertEquals("connection reset", e.getMessage());
    }
}
