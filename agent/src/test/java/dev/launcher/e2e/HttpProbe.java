package dev.launcher.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls an app on the host network until it answers 200, as a readiness probe would. */
final class HttpProbe {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private HttpProbe() {}

    /**
     * Returns the body of the first 200 from {@code http://127.0.0.1:port/path}; fails after {@code timeout},
     * or as soon as {@code alive} says the app is gone, with {@code context} (its logs) in the message.
     */
    static String awaitOk(int port, String path, Duration timeout, BooleanSupplier alive, Supplier<String> context) {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return response.body();
                }
                last = "HTTP " + response.statusCode() + ": " + response.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            if (!alive.getAsBoolean()) {
                throw new AssertionError("the app ended before answering on port " + port + ":\n" + context.get());
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("no 200 from port " + port + path + " within " + timeout.toSeconds() + " s (last: " + last
                + "):\n" + context.get());
    }
}
