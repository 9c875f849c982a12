package dev.launcher.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TransferProgressTest {
    @Test
    void drawsABarOnATerminal() {
        var bytes = new ByteArrayOutputStream();
        var progress = new TransferProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), "abc123", 4 << 20, true);
        progress.update(2 << 20);
        progress.update(4 << 20);
        progress.done(4 << 20);
        String shown = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(shown.contains("abc123 [###############               ] 2.0 MiB/4.0 MiB"), shown);
        assertTrue(shown.contains("[##############################] 4.0 MiB/4.0 MiB"), shown);
        assertTrue(shown.contains("abc123 4.0 MiB in "), shown);
    }

    @Test
    void drawsNothingWhenNotATerminal() {
        var bytes = new ByteArrayOutputStream();
        var progress = new TransferProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), "abc123", 100, false);
        progress.update(50);
        progress.done(100);
        assertEquals("", bytes.toString(StandardCharsets.UTF_8), "logs get one summary line through the logger instead");
    }

    @Test
    void humanSizes() {
        assertEquals("512 B", TransferProgress.human(512));
        assertEquals("1.5 KiB", TransferProgress.human(1536));
        assertEquals("200.0 MiB", TransferProgress.human(200L << 20));
    }
}
