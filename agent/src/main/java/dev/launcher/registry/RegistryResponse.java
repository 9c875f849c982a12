package dev.launcher.registry;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.Optional;
import java.util.OptionalLong;

/** A successful answer whose body is still to be read; the reader closes it. */
public record RegistryResponse(int status, HttpHeaders headers, InputStream body, URI uri) implements Closeable {
    public Optional<String> header(String name) {
        return headers.firstValue(name);
    }

    public OptionalLong contentLength() {
        return headers.firstValueAsLong("Content-Length");
    }

    @Override
    public void close() throws IOException {
        body.close();
    }
}
