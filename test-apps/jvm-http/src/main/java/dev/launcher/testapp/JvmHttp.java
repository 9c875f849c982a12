package dev.launcher.testapp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * Test app for the jvm runtime image: answers HTTP on $PORT (default 8080) and stops cleanly on SIGTERM.
 *
 * <p>The JVM runs shutdown hooks on SIGTERM and then ends with status 143 (128 + 15), which is what the
 * launcher passes through; {@code LAUNCHER_EXIT_REMAP=143=0} makes that a clean stop.
 */
public final class JvmHttp {
    private JvmHttp() {}

    public static void main(String[] args) throws IOException {
        String version = readVersion();
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        HttpServer server = HttpServer.create(new InetSocketAddress("0.0.0.0", port), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/healthz", exchange -> reply(exchange, 200, "ok\n"));
        server.createContext("/", exchange -> {
            if (!exchange.getRequestURI().getPath().equals("/")) {
                reply(exchange, 404, "not found\n");
                return;
            }
            reply(exchange, 200, "jvm-http " + version + " pid " + ProcessHandle.current().pid()
                    + " java " + Runtime.version().feature() + "\n");
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("stopping");
            // Gives requests in flight up to a second, well inside the launcher's grace period.
            server.stop(1);
            System.out.println("stopped");
        }, "shutdown"));
        server.start();
        System.out.println("jvm-http " + version + " listening on 0.0.0.0:" + port);
    }

    /** The version is a resource, so a rollout is a rebuild with a new version.txt. */
    private static String readVersion() throws IOException {
        try (InputStream in = JvmHttp.class.getResourceAsStream("/version.txt")) {
            return in == null ? "unknown" : new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
