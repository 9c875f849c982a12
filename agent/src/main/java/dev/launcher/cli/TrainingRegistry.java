package dev.launcher.cli;

import dev.launcher.oci.Digest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Just enough of the registry API for the AOT training run to pull an artifact over loopback and push one, so the
 * cache records the classes of a real pull (HTTP client, oras-java, the streaming unpack) and a real push, and not
 * only those of a warm start. Plain HTTP, anonymous, one request per connection; serves the blobs it was given by digest
 * and the manifest under one tag. Not a test double: nothing is verified against it.
 */
final class TrainingRegistry implements AutoCloseable {
    private final ServerSocket server;
    private final Map<String, byte[]> blobs;
    private final String tag;
    private final Digest manifest;
    private final String manifestType;

    TrainingRegistry(Map<Digest, byte[]> blobs, String tag, Digest manifest, String manifestType) throws IOException {
        this.blobs = new HashMap<>();
        blobs.forEach((digest, bytes) -> this.blobs.put(digest.toString(), bytes));
        this.tag = tag;
        this.manifest = manifest;
        this.manifestType = manifestType;
        this.server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("training-registry").start(this::serve);
    }

    String hostPort() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                answer(socket);
            } catch (IOException e) {
                // a closed server or a client that went away; the training run reports what it missed
            }
        }
    }

    private void answer(Socket socket) throws IOException {
        var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        String request = in.readLine();
        int length = 0;
        while (true) { // headers: only the length of an upload matters here
            String line = in.readLine();
            if (line == null || line.isEmpty()) {
                break;
            }
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        String[] parts = request == null ? new String[0] : request.split(" ");
        if (parts.length < 2) {
            return;
        }
        if (parts[0].equals("POST") || parts[0].equals("PUT")) {
            accept(socket, parts[0], parts[1], in, length);
            return;
        }
        boolean head = parts[0].equals("HEAD");
        String path = parts[1];
        byte[] body = null;
        String type = "application/octet-stream";
        if (path.equals("/v2/") || path.equals("/v2")) {
            body = "{}".getBytes(StandardCharsets.UTF_8);
            type = "application/json";
        } else if (path.contains("/manifests/")) {
            String ref = path.substring(path.lastIndexOf('/') + 1);
            if (ref.equals(tag) || ref.equals(manifest.toString())) {
                body = blobs.get(manifest.toString());
                type = manifestType;
            }
        } else if (path.contains("/blobs/")) {
            body = blobs.get(path.substring(path.lastIndexOf('/') + 1));
        }
        OutputStream out = socket.getOutputStream();
        if (body == null) {
            out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            return;
        }
        String headers = "HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\nContent-Length: " + body.length
                + "\r\nDocker-Content-Digest: " + Digest.sha256(body) + "\r\nConnection: close\r\n\r\n";
        out.write(headers.getBytes(StandardCharsets.ISO_8859_1));
        if (!head) {
            out.write(body);
        }
        out.flush();
    }

    /** An upload, as `launcher push` makes it: POST opens it, PUT ?digest= stores a blob, PUT a manifest stores that. */
    private void accept(Socket socket, String method, String path, BufferedReader in, int length) throws IOException {
        char[] chars = new char[length];
        int read = 0;
        while (read < length) {
            int n = in.read(chars, read, length - read);
            if (n < 0) {
                return;
            }
            read += n;
        }
        byte[] body = new String(chars).getBytes(StandardCharsets.ISO_8859_1);
        String answer;
        if (method.equals("POST")) {
            answer = "HTTP/1.1 202 Accepted\r\nLocation: " + path + "upload\r\n";
        } else if (path.contains("?digest=")) {
            blobs.put(path.substring(path.indexOf("?digest=") + 8), body);
            answer = "HTTP/1.1 201 Created\r\n";
        } else {
            blobs.put(Digest.sha256(body).toString(), body);
            answer = "HTTP/1.1 201 Created\r\nDocker-Content-Digest: " + Digest.sha256(body) + "\r\n";
        }
        OutputStream out = socket.getOutputStream();
        out.write((answer + "Content-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
