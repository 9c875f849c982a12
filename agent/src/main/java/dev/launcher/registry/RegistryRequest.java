package dev.launcher.registry;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.file.Path;
import java.util.Map;

/** One request to a registry, sent as often as retries and redirects need: the body is made anew each time. */
public record RegistryRequest(String method, URI uri, Map<String, String> headers, Body body) {
    /** Makes the body for one sending. */
    @FunctionalInterface
    public interface Body {
        BodyPublisher open() throws IOException;
    }

    public RegistryRequest {
        headers = Map.copyOf(headers);
    }

    static RegistryRequest get(URI uri, Map<String, String> headers) {
        return new RegistryRequest("GET", uri, headers, BodyPublishers::noBody);
    }

    static RegistryRequest head(URI uri) {
        return new RegistryRequest("HEAD", uri, Map.of(), BodyPublishers::noBody);
    }

    static RegistryRequest post(URI uri) {
        return new RegistryRequest("POST", uri, Map.of(), BodyPublishers::noBody);
    }

    static RegistryRequest put(URI uri, String contentType, byte[] content) {
        return new RegistryRequest("PUT", uri, Map.of("Content-Type", contentType), () -> BodyPublishers.ofByteArray(content));
    }

    static RegistryRequest put(URI uri, String contentType, Path file) {
        return new RegistryRequest("PUT", uri, Map.of("Content-Type", contentType), () -> BodyPublishers.ofFile(file));
    }
}
