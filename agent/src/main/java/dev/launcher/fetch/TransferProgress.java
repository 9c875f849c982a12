package dev.launcher.fetch;

import java.io.PrintStream;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of one blob transfer: a redrawn bar on a terminal, one summary line (size and rate)
 * otherwise, so logs stay readable.
 */
public final class TransferProgress {
    private static final Logger LOG = LoggerFactory.getLogger(TransferProgress.class);
    private static final long REDRAW_NANOS = 100_000_000L;
    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private long lastDraw;

    public TransferProgress(PrintStream out, String label, long total, boolean terminal) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.terminal = terminal;
    }

    public static boolean stderrIsTerminal() {
        var console = System.console();
        return console != null && console.isTerminal();
    }

    public void update(long done) {
        if (!terminal) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < REDRAW_NANOS && done < total) {
            return;
        }
        lastDraw = now;
        int width = 30;
        int filled = total == 0 ? width : (int) (width * Math.min(1.0, (double) done / total));
        synchronized (out) {
            out.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(width - filled) + "] "
                    + human(done) + "/" + human(total));
            out.flush();
        }
    }

    public void done(long bytes) {
        double seconds = Math.max((System.nanoTime() - startNanos) / 1e9, 1e-6);
        String line = String.format(Locale.ROOT, "%s %s in %.2f s (%s/s)", label, human(bytes), seconds, human((long) (bytes / seconds)));
        if (!terminal) {
            LOG.info("fetched {}", line);
            return;
        }
        synchronized (out) {
            out.println("\r" + line + " ".repeat(20));
        }
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
