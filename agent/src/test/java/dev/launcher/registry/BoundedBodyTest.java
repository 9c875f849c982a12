package dev.launcher.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class BoundedBodyTest {
    @Test
    void aBodyUpToTheCapIsReadWhole() throws Exception {
        byte[] body = new byte[100];
        assertArrayEquals(body, BoundedBody.read(new ByteArrayInputStream(body), OptionalLong.of(100), 100, "x"));
        assertArrayEquals(body, BoundedBody.read(new ByteArrayInputStream(body), OptionalLong.empty(), 100, "x"));
    }

    @Test
    void aDeclaredLengthOverTheCapFailsBeforeReadingAByte() {
        InputStream neverRead = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("read");
            }
        };
        var e = assertThrows(LauncherException.class,
                () -> BoundedBody.read(neverRead, OptionalLong.of(5_000_000_000L), 1024, "the manifest of x"));
        assertEquals(ExitCode.INTEGRITY, e.exitCode());
        assertTrue(e.getMessage().contains("the manifest of x is 5000000000 bytes"), e.getMessage());
    }

    @Test
    void anEndlessBodyWithoutLengthStopsOneByteAfterTheCap() {
        int[] served = {0};
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                served[0]++;
                return 'x';
            }
        };
        var e = assertThrows(LauncherException.class, () -> BoundedBody.read(endless, OptionalLong.empty(), 4096, "a token"));
        assertEquals(ExitCode.INTEGRITY, e.exitCode());
        assertEquals(4097, served[0]);
    }

    @Test
    void anErrorBodyKeepsOnlyItsPrefix() throws Exception {
        assertEquals(10, BoundedBody.readPrefix(new ByteArrayInputStream(new byte[1000]), 10).length);
    }
}
