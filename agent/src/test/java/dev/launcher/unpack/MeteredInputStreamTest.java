package dev.launcher.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class MeteredInputStreamTest {
    @Test
    void readsUpToTheBudgetThenFails() throws IOException {
        MeteredInputStream in = new MeteredInputStream(new ByteArrayInputStream(new byte[100]));
        in.allow(10, "too much");
        assertEquals(10, in.readNBytes(10).length);
        MeteredInputStream.BudgetExceeded e = assertThrows(MeteredInputStream.BudgetExceeded.class, in::read);
        assertEquals("too much", e.getMessage());
    }

    @Test
    void skippedBytesCount() throws IOException {
        MeteredInputStream in = new MeteredInputStream(new ByteArrayInputStream(new byte[100]));
        in.allow(10, "skip");
        assertEquals(10, in.skip(10));
        assertThrows(MeteredInputStream.BudgetExceeded.class, () -> in.skip(50));
    }

    @Test
    void aNewBudgetReplacesTheOld() throws IOException {
        MeteredInputStream in = new MeteredInputStream(new ByteArrayInputStream(new byte[100]));
        in.allow(5, "first");
        in.readNBytes(5);
        in.allow(50, "second");
        assertEquals(50, in.readNBytes(50).length);
    }

    @Test
    void endOfStreamIsNotAnOverrun() throws IOException {
        MeteredInputStream in = new MeteredInputStream(new ByteArrayInputStream(new byte[3]));
        in.allow(3, "x");
        assertEquals(3, in.readAllBytes().length);
    }
}
