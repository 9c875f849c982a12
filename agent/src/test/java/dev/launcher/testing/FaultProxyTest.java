package dev.launcher.testing;

import static dev.launcher.testing.FaultProxy.Fault.blobUnknown;
import static dev.launcher.testing.FaultProxy.Fault.contentLength;
import static dev.launcher.testing.FaultProxy.Fault.cutAfter;
import static dev.launcher.testing.FaultProxy.Fault.extend;
import static dev.launcher.testing.FaultProxy.Fault.forbidden;
import static dev.launcher.testing.FaultProxy.Fault.hugeBody;
import static dev.launcher.testing.FaultProxy.Fault.ignoreRange;
import static dev.launcher.testing.FaultProxy.Fault.noContentLength;
import static dev.launcher.testing.FaultProxy.Fault.redirect;
import static dev.launcher.testing.FaultProxy.Fault.replaceBody;
import static dev.launcher.testing.FaultProxy.Fault.retryAfter;
import static dev.launcher.testing.FaultProxy.Fault.stallAfter;
import static dev.launcher.testing.FaultProxy.Fault.stallBeforeHeaders;
import static dev.launcher.testing.FaultProxy.Fault.status;
import static dev.launcher.testing.FaultProxy.Fault.truncate;
import static dev.launcher.testing.FaultProxy.blobGet;
import static dev.launcher.testing.FaultProxy.blobGets;
import static dev.launcher.testing.FaultProxy.manifestGets;
import static dev.launcher.testing.FaultProxy.tokenRequests;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each fault as it shows on the wire, against a tiny upstream standing in for registry:2. */
class FaultProxyTest {
    private static final byte[] BLOB = blob(200_000);
    private static final String DIGEST = "sha256:" + sha256(BLOB);
    private static final String BLOB_PATH = "/v2/app/blobs/" + DIGEST;
    private static final String MANIFEST_PATH = "/v2/app/manifests/latest";
    private static final byte[] MANIFEST = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
    private static final String UPLOADS_PATH = "/v2/app/blobs/uploads/";
    /** Where the upstream puts a request's body among its headers. */
    private static final String BODY = "(body)";
    private static final Duration STALL = Duration.ofMillis(400);
    /** Shorter than STALL: a read that waits this long without a byte shows the stall. */
    private static final int QUIET_MILLIS = 150;

    private final List<Map<String, String>> upstreamRequests = new CopyOnWriteArrayList<>();
    private HttpServer upstream;
    private FaultProxy proxy;
    private HttpClient client;

    @BeforeEach
    void start() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        upstream.createContext("/", this::serveUpstream);
        upstream.start();
        proxy = FaultProxy.start(URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()));
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @AfterEach
    void stop() {
        client.shutdownNow();
        proxy.close();
        upstream.stop(0);
    }

    @Test
    void forwardsAndRelaysARangeAsA206WithoutTheClientsAuthorization() throws Exception {
        HttpResponse<byte[]> whole = get(BLOB_PATH, "Authorization", "Basic dTpw");
        assertEquals(200, whole.statusCode());
        assertArrayEquals(BLOB, whole.body());
        assertEquals(Optional.of(DIGEST), whole.headers().firstValue("Docker-Content-Digest"));

        HttpResponse<byte[]> rest = get(BLOB_PATH, "Range", "bytes=1000-");
        assertEquals(206, rest.statusCode());
        assertEquals(Optional.of("bytes 1000-199999/200000"), rest.headers().firstValue("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(BLOB, 1000, BLOB.length), rest.body());

        assertEquals(List.of(200, 206), statuses(proxy));
        assertEquals(Optional.of("Basic dTpw"), proxy.requests().getFirst().header("authorization"));
        assertFalse(upstreamRequests.getFirst().containsKey("Authorization"), upstreamRequests.toString());
        assertEquals("bytes=1000-", upstreamRequests.get(1).get("Range"));
    }

    @Test
    void forwardsARequestBodyAndPointsUploadLocationsBackAtTheProxy() throws Exception {
        HttpResponse<byte[]> started = client.send(HttpRequest.newBuilder(proxy.baseUri().resolve(UPLOADS_PATH))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofString("hello")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(202, started.statusCode());
        assertEquals(Optional.of(proxy.baseUri() + UPLOADS_PATH + "u1?_state=s"),
                started.headers().firstValue("Location"));
        assertEquals("hello", upstreamRequests.getFirst().get(BODY));
        assertEquals("application/octet-stream", upstreamRequests.getFirst().get("Content-Type"));
    }

    @Test
    void headRelaysTheLengthWithoutABody() throws Exception {
        Raw head = Raw.exchange(proxy.port(), "HEAD", BLOB_PATH);
        assertEquals(200, head.status());
        assertEquals("200000", head.headers().get("Content-Length"));
        assertEquals(0, head.body().length);
    }

    @Test
    void rulesAreTriedInOrderAndUsedUp() throws Exception {
        proxy.inject(manifestGets(), 2, retryAfter(503, "2"))
                .inject(manifestGets(), 1, status(429))
                .inject(blobGet(DIGEST), 1, blobUnknown());

        HttpResponse<byte[]> first = get(MANIFEST_PATH);
        assertEquals(503, first.statusCode());
        assertEquals(Optional.of("2"), first.headers().firstValue("Retry-After"));
        assertEquals(503, get(MANIFEST_PATH).statusCode());
        assertEquals(429, get(MANIFEST_PATH).statusCode());
        assertArrayEquals(MANIFEST, get(MANIFEST_PATH).body());

        HttpResponse<byte[]> missing = get(BLOB_PATH);
        assertEquals(404, missing.statusCode());
        assertTrue(new String(missing.body(), StandardCharsets.UTF_8).contains("\"BLOB_UNKNOWN\""));
        assertEquals(200, get(BLOB_PATH).statusCode());
        assertEquals(List.of(503, 503, 429, 200, 404, 200), statuses(proxy));
        assertEquals(2, upstreamRequests.size(), "faults answer without asking upstream");
    }

    @Test
    void aForeverRuleLastsUntilCleared() throws Exception {
        proxy.inject(blobGets(), Integer.MAX_VALUE, status(500));
        for (int i = 0; i < 3; i++) {
            assertEquals(500, get(BLOB_PATH).statusCode());
        }
        proxy.clearRules();
        assertEquals(200, get(BLOB_PATH).statusCode());
    }

    @Test
    void cutAfterDeclaresTheWholeLengthAndClosesAfterNBytes() throws Exception {
        proxy.inject(blobGets(), 2, cutAfter(1000));
        Raw cut = Raw.exchange(proxy.port(), "GET", BLOB_PATH);
        assertEquals(200, cut.status());
        assertEquals("200000", cut.headers().get("Content-Length"));
        assertArrayEquals(Arrays.copyOf(BLOB, 1000), cut.body());
        assertTrue(cut.eof());

        IOException e = assertThrows(IOException.class, () -> get(BLOB_PATH));
        assertTrue(String.valueOf(e.getMessage()).contains("bytes received: 1000"), e.toString());
    }

    @Test
    void stallAfterSendsNBytesThenNothingThenCloses() throws Exception {
        proxy.inject(blobGets(), 1, stallAfter(500, STALL));
        long start = System.nanoTime();
        try (Socket socket = Raw.send(proxy.port(), "GET", BLOB_PATH)) {
            InputStream in = socket.getInputStream();
            Map<String, String> headers = Raw.head(in).headers();
            assertEquals("200000", headers.get("Content-Length"));
            assertArrayEquals(Arrays.copyOf(BLOB, 500), in.readNBytes(500));
            socket.setSoTimeout(QUIET_MILLIS);
            assertThrows(SocketTimeoutException.class, in::read, "a byte arrived during the stall");
            socket.setSoTimeout(5_000);
            assertEquals(-1, in.read());
        }
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(STALL) >= 0);
    }

    @Test
    void stallBeforeHeadersSendsNothingAtAll() throws Exception {
        proxy.inject(manifestGets(), 1, stallBeforeHeaders(STALL));
        try (Socket socket = Raw.send(proxy.port(), "GET", MANIFEST_PATH)) {
            InputStream in = socket.getInputStream();
            socket.setSoTimeout(QUIET_MILLIS);
            assertThrows(SocketTimeoutException.class, in::read, "a byte arrived during the stall");
            socket.setSoTimeout(5_000);
            assertEquals(-1, in.read());
        }
        assertEquals(List.of(-1), statuses(proxy));
    }

    @Test
    void closeEndsAStallAtOnce() throws Exception {
        proxy.inject(manifestGets(), 1, stallBeforeHeaders(Duration.ofMinutes(5)));
        try (Socket socket = Raw.send(proxy.port(), "GET", MANIFEST_PATH)) {
            awaitRequests(1);
            proxy.close();
            socket.setSoTimeout(5_000);
            assertEquals(-1, socket.getInputStream().read());
        }
    }

    @Test
    void truncateAndExtendAreWellFramedButWrong() throws Exception {
        proxy.inject(blobGets(), 1, truncate(100)).inject(blobGets(), 1, extend("xyz".getBytes()));
        Raw shorter = Raw.exchange(proxy.port(), "GET", BLOB_PATH);
        assertEquals("100", shorter.headers().get("Content-Length"));
        assertArrayEquals(Arrays.copyOf(BLOB, 100), shorter.body());

        Raw longer = Raw.exchange(proxy.port(), "GET", BLOB_PATH);
        assertEquals("200003", longer.headers().get("Content-Length"));
        assertArrayEquals(BLOB, Arrays.copyOf(longer.body(), 200_000));
        assertEquals(200_003, longer.body().length);
        assertEquals("xyz", new String(longer.body(), 200_000, 3, StandardCharsets.US_ASCII));
    }

    @Test
    void contentLengthLiesEitherWay() throws Exception {
        proxy.inject(blobGets(), 1, contentLength(300_000)).inject(blobGets(), 1, contentLength(10));
        Raw over = Raw.exchange(proxy.port(), "GET", BLOB_PATH);
        assertEquals("300000", over.headers().get("Content-Length"));
        assertArrayEquals(BLOB, over.body());
        assertTrue(over.eof());

        Raw under = Raw.exchange(proxy.port(), "GET", BLOB_PATH);
        assertEquals("10", under.headers().get("Content-Length"));
        assertArrayEquals(Arrays.copyOf(BLOB, 10), under.body());
    }

    @Test
    void noContentLengthEndsTheBodyByClosing() throws Exception {
        proxy.inject(blobGets(), 1, noContentLength());
        Raw raw = Raw.exchange(proxy.port(), "GET", BLOB_PATH);
        assertFalse(raw.headers().containsKey("Content-Length"));
        assertFalse(raw.headers().containsKey("Transfer-Encoding"));
        assertArrayEquals(BLOB, raw.body());
    }

    @Test
    void replaceBodyKeepsStatusAndHeaders() throws Exception {
        byte[] damaged = BLOB.clone();
        damaged[1234] ^= 1;
        proxy.inject(blobGets(), 1, replaceBody(damaged));
        HttpResponse<byte[]> response = get(BLOB_PATH);
        assertEquals(200, response.statusCode());
        assertEquals(Optional.of(DIGEST), response.headers().firstValue("Docker-Content-Digest"));
        assertArrayEquals(damaged, response.body());
    }

    @Test
    void ignoreRangeAnswersTheWholeBlob() throws Exception {
        proxy.inject(blobGets(), 1, ignoreRange());
        HttpResponse<byte[]> response = get(BLOB_PATH, "Range", "bytes=1000-");
        assertEquals(200, response.statusCode());
        assertArrayEquals(BLOB, response.body());
        assertFalse(upstreamRequests.getFirst().containsKey("Range"));
    }

    /** localhost is another host than 127.0.0.1 to a client: the redirect test for credentials leaking. */
    @Test
    void redirectPointsAtAnotherProxyByHostName() throws Exception {
        try (FaultProxy other = FaultProxy.start(URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()),
                "localhost")) {
            assertEquals("localhost:" + other.port(), other.hostPort());
            proxy.inject(blobGets(), 1, redirect(other.baseUri()));
            HttpResponse<byte[]> redirected = get(BLOB_PATH, "Authorization", "Bearer secret");
            assertEquals(307, redirected.statusCode());
            String location = redirected.headers().firstValue("Location").orElseThrow();
            assertEquals("http://localhost:" + other.port() + BLOB_PATH, location);

            HttpResponse<byte[]> followed = client.send(HttpRequest.newBuilder(URI.create(location)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertArrayEquals(BLOB, followed.body());
            assertEquals(1, other.requests().size());
            assertEquals(Optional.empty(), other.requests().getFirst().header("Authorization"));
        }
    }

    @Test
    void bearerFlowChallengesIssuesAndAccepts() throws Exception {
        proxy.requireBearer("user", "secret");
        HttpResponse<byte[]> base = get("/v2/");
        assertEquals(401, base.statusCode());
        assertEquals("Bearer realm=\"" + proxy.baseUri() + "/token\",service=\"fault-proxy\"",
                base.headers().firstValue("WWW-Authenticate").orElseThrow());

        HttpResponse<byte[]> challenged = get(MANIFEST_PATH);
        assertEquals(401, challenged.statusCode());
        Map<String, String> challenge = challenge(challenged);
        assertEquals("repository:app:pull", challenge.get("scope"));
        String tokenTarget = URI.create(challenge.get("realm")).getPath() + "?service="
                + URLEncoder.encode(challenge.get("service"), StandardCharsets.UTF_8)
                + "&scope=" + URLEncoder.encode(challenge.get("scope"), StandardCharsets.UTF_8);

        assertEquals(401, get(tokenTarget).statusCode());
        assertEquals(401, get(tokenTarget, "Authorization", basic("user", "wrong")).statusCode());
        String token = token(tokenTarget);
        HttpResponse<byte[]> manifest = get(MANIFEST_PATH, "Authorization", "Bearer " + token);
        assertEquals(200, manifest.statusCode());
        assertArrayEquals(MANIFEST, manifest.body());
        assertEquals(List.of(), upstreamRequests.stream().filter(h -> h.containsKey("Authorization")).toList());

        proxy.revokeTokens();
        assertEquals(401, get(MANIFEST_PATH, "Authorization", "Bearer " + token).statusCode());
        String renewed = token(tokenTarget);
        assertEquals(200, get(MANIFEST_PATH, "Authorization", "Bearer " + renewed).statusCode());

        proxy.denyTokens(true);
        String denied = token(tokenTarget);
        assertEquals(401, get(MANIFEST_PATH, "Authorization", "Bearer " + denied).statusCode());
        proxy.denyTokens(false);
        assertEquals(200, get(MANIFEST_PATH, "Authorization", "Bearer " + denied).statusCode());
        assertEquals(List.of(401, 401, 401, 401, 200, 200, 401, 200, 200, 200, 401, 200), statuses(proxy));
    }

    @Test
    void anUnauthenticatedRequestDoesNotUseUpARule() throws Exception {
        proxy.requireBearer("user", "secret").inject(manifestGets(), 1, forbidden());
        assertEquals(401, get(MANIFEST_PATH).statusCode());
        String bearer = "Bearer " + token("/token?service=fault-proxy");
        HttpResponse<byte[]> denied = get(MANIFEST_PATH, "Authorization", bearer);
        assertEquals(403, denied.statusCode());
        assertTrue(new String(denied.body(), StandardCharsets.UTF_8).contains("\"DENIED\""));
        assertEquals(200, get(MANIFEST_PATH, "Authorization", bearer).statusCode());
    }

    @Test
    void hugeBodyIsStreamedWithItsLength() throws Exception {
        long size = 64L * 1024 * 1024;
        proxy.requireBearer("user", "secret").inject(tokenRequests(), 1, hugeBody(size));
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(proxy.baseUri().resolve("/token"))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertEquals(OptionalLong.of(size), response.headers().firstValueAsLong("Content-Length"));
        try (InputStream in = response.body()) {
            byte[] start = in.readNBytes(9);
            assertEquals("{\"data\":\"", new String(start, StandardCharsets.US_ASCII));
            long rest = in.transferTo(OutputStream.nullOutputStream());
            assertEquals(size - 9, rest);
        }
    }

    @Test
    void hugeBodyEndsWhenTheClientGivesUp() throws Exception {
        proxy.inject(manifestGets(), 1, hugeBody(404, Long.MAX_VALUE));
        try (Socket socket = Raw.send(proxy.port(), "GET", MANIFEST_PATH)) {
            Raw head = Raw.head(socket.getInputStream());
            assertEquals(404, head.status());
            assertEquals(String.valueOf(Long.MAX_VALUE), head.headers().get("Content-Length"));
            assertEquals(1 << 20, socket.getInputStream().readNBytes(1 << 20).length);
        }
        assertEquals(200, get(MANIFEST_PATH).statusCode());
    }

    private String token(String tokenTarget) throws Exception {
        HttpResponse<byte[]> response = get(tokenTarget, "Authorization", basic("user", "secret"));
        assertEquals(200, response.statusCode());
        String json = new String(response.body(), StandardCharsets.UTF_8);
        Matcher token = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(json);
        assertTrue(token.find(), json);
        assertTrue(json.contains("\"access_token\":\"" + token.group(1) + "\""), json);
        return token.group(1);
    }

    private static Map<String, String> challenge(HttpResponse<?> response) {
        String header = response.headers().firstValue("WWW-Authenticate").orElseThrow();
        assertTrue(header.startsWith("Bearer "), header);
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(\\w+)=\"([^\"]*)\"").matcher(header);
        while (m.find()) {
            params.put(m.group(1), m.group(2));
        }
        return params;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<byte[]> get(String target, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(proxy.baseUri().resolve(target));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static List<Integer> statuses(FaultProxy proxy) {
        return proxy.requests().stream().map(FaultProxy.Request::status).toList();
    }

    private void awaitRequests(int count) throws InterruptedException {
        for (int i = 0; i < 200 && proxy.requests().size() < count; i++) {
            Thread.sleep(10);
        }
        assertEquals(count, proxy.requests().size());
    }

    /** Fixed content, a range of it for {@code Range: bytes=N-}, and its headers, as registry:2 serves a blob. */
    private void serveUpstream(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, String.join(", ", values)));
            headers.put(BODY, new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            upstreamRequests.add(headers);
            String path = exchange.getRequestURI().getRawPath();
            if (exchange.getRequestMethod().equals("POST") && path.equals(UPLOADS_PATH)) {
                // registry:2 writes absolute upload URLs from the Host it was asked for: the upstream's.
                exchange.getResponseHeaders().set("Location", "http://127.0.0.1:" + upstream.getAddress().getPort()
                        + UPLOADS_PATH + "u1?_state=s");
                send(exchange, 202, new byte[0]);
                return;
            }
            byte[] content = switch (path) {
                case "/v2/" -> "{}".getBytes(StandardCharsets.UTF_8);
                case MANIFEST_PATH -> MANIFEST;
                default -> path.equals(BLOB_PATH) ? BLOB : null;
            };
            var response = exchange.getResponseHeaders();
            response.set("Content-Type", "application/json");
            if (content == null) {
                send(exchange, 404, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\"}]}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            response.set("Docker-Content-Digest", "sha256:" + sha256(content));
            response.set("Accept-Ranges", "bytes");
            Matcher range = Pattern.compile("bytes=(\\d+)-").matcher(headers.getOrDefault("Range", ""));
            if (range.matches()) {
                int from = Integer.parseInt(range.group(1));
                response.set("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
                send(exchange, 206, Arrays.copyOfRange(content, from, content.length));
            } else {
                send(exchange, 200, content);
            }
        }
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        if (exchange.getRequestMethod().equals("HEAD")) {
            // HttpServer frames a HEAD answer itself only when told no length; the header is set by hand.
            exchange.getResponseHeaders().set("Content-Length", String.valueOf(body.length));
            exchange.sendResponseHeaders(status, -1);
        } else {
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private static byte[] blob(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31 + (i >> 8));
        }
        return bytes;
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A response read off a raw socket, because HttpClient hides exactly what these tests look at: a declared
     * length it was not given, a body it refused, and where the bytes stopped.
     *
     * @param eof whether the connection ended (rather than going quiet for a read timeout)
     */
    private record Raw(int status, Map<String, String> headers, byte[] body, boolean eof) {
        static Socket send(int port, String method, String target) throws IOException {
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write((method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return socket;
        }

        /** Sends a request and reads the whole answer, up to the end of the connection. */
        static Raw exchange(int port, String method, String target) throws IOException {
            try (Socket socket = send(port, method, target)) {
                InputStream in = socket.getInputStream();
                Raw head = head(in);
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                boolean eof = true;
                try {
                    in.transferTo(body);
                } catch (SocketTimeoutException e) {
                    eof = false;
                }
                return new Raw(head.status(), head.headers(), body.toByteArray(), eof);
            }
        }

        /** Reads a status line and headers, byte by byte so that no body byte is consumed. */
        static Raw head(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("the connection ended inside the headers: " + head);
                }
                head.write(b);
            }
            List<String> lines = head.toString(StandardCharsets.ISO_8859_1).lines().toList();
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String line : lines.subList(1, lines.size())) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
                }
            }
            return new Raw(Integer.parseInt(lines.getFirst().split(" ")[1]), headers, new byte[0], false);
        }
    }
}
