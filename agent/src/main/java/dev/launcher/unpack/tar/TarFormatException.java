package dev.launcher.unpack.tar;

import java.io.IOException;

/** Bytes that are not a tar archive GNU tar reads the same way; the message says what is wrong and where. */
public final class TarFormatException extends IOException {
    public TarFormatException(String message) {
        super(message);
    }
}
