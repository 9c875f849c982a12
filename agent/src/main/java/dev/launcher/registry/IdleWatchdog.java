package dev.launcher.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Fails a read that waits longer than the idle timeout for the next bytes. The JDK's HTTP client has
 * no such timeout for a body once the headers came, and a registry or proxy that stops sending would
 * otherwise hold a starting container forever. Closing the body is what wakes the blocked read.
 */
final class IdleWatchdog {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(
            task -> Thread.ofPlatform().name("idle-watchdog").daemon().unstarted(task));

    private IdleWatchdog() {}

    static InputStream watch(InputStream body, Duration idle) {
        return new Watched(body, idle);
    }

    private static final class Watched extends FilterInputStream {
        private final long idleNanos;
        private final Duration idle;
        private final ScheduledFuture<?> check;
        /** When the read in progress started; 0 while the consumer is not reading, so a slow consumer is never blamed. */
        private volatile long readingSince;
        private volatile boolean stalled;

        Watched(InputStream in, Duration idle) {
            super(in);
            this.idle = idle;
            this.idleNanos = idle.toNanos();
            long period = Math.clamp(idle.toMillis() / 4, 20, 1000);
            this.check = TIMER.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
        }

        private void check() {
            long since = readingSince;
            if (since != 0 && System.nanoTime() - since > idleNanos) {
                stalled = true;
                check.cancel(false);
                try {
                    in.close();
                } catch (IOException ignored) {
                    // the blocked read fails either way
                }
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (stalled) {
                throw new StalledTransferException(idle);
            }
            readingSince = System.nanoTime() | 1;
            try {
                return in.read(buffer, offset, length);
            } catch (IOException e) {
                if (stalled) {
                    throw new StalledTransferException(idle);
                }
                throw e;
            } finally {
                readingSince = 0;
            }
        }

        @Override
        public void close() throws IOException {
            check.cancel(false);
            in.close();
        }
    }
}
