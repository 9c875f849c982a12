package dev.launcher.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fault-injecting HTTP/1.1 reverse proxy on 127.0.0.1 in front of a registry, for integration tests that must
 * show how a client copes with a misbehaving server: it writes every byte of its answers itself, so it can lie
 * about Content-Length, cut a body, or fall silent.
 *
 * <p>Each request is forwarded unless a rule added by {@link #inject} matches it; the first matching rule answers
 * with its {@link Fault} instead. Every answer carries {@code Connection: close} and the socket is closed after it,
 * so that a fault never leaves a half-read response in front of the next request on the same connection.
 *
 * <p>The client's {@code Authorization} never goes upstream: the upstream runs without auth, and
 * {@link #requireBearer} makes the proxy play the distribution token flow itself.
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.start(registry.baseUri())) {
 *     proxy.inject(FaultProxy.blobGets(), 1, Fault.cutAfter(1000));
 *     // pull "proxy.hostPort()/app:1.0" and check the blob was resumed with a Range
 * }
 * }</pre>
 */
public final class FaultProxy implements AutoCloseable {
    /** The {@code service} the bearer challenge names and the token endpoint expects. */
    public static final String SERVICE = "fault-proxy";
    public static final String TOKEN_PATH = "/token";

    /** Only what a registry client negotiates with; Authorization is deliberately absent (see class comment). */
    private static final List<String> FORWARDED_REQUEST_HEADERS =
            List.of("Accept", "Range", "If-None-Match", "Content-Type");
    /** Hop-by-hop and framing headers are not here: the proxy frames each answer itself. */
    private static final List<String> RELAYED_RESPONSE_HEADERS = List.of("Content-Type", "Content-Range",
            "Docker-Content-Digest", "Accept-Ranges", "Location", "WWW-Authenticate", "ETag",
            "Docker-Distribution-API-Version", "Docker-Upload-UUID", "Range");
    private static final Pattern BLOB_PATH = Pattern.compile("^/v2/.+/blobs/[a-z0-9]+:[a-f0-9]+$");
    private static final Pattern MANIFEST_PATH = Pattern.compile("^/v2/.+/manifests/[^/]+$");
    private static final Pattern REPOSITORY_PATH = Pattern.compile("^/v2/(.+)/(?:manifests|blobs|tags)/.*$");
    private static final String JSON = "application/json; charset=utf-8";
    private static final int MAX_LINE = 16 * 1024;
    private static final int MAX_HEADERS = 200;
    private static final int MAX_REQUEST_BODY = 64 * 1024 * 1024;
    /** Frees a connection whose client never finishes its request; close() frees the others. */
    private static final int CLIENT_READ_TIMEOUT_MILLIS = 60_000;
    private static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(60);

    private final String upstream;
    private final String advertisedHost;
    private final int port;
    private final List<ServerSocket> listeners;
    private final HttpClient client;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    /** Counted down by close(): stalls wait on it so that close() never waits out a stall. */
    private final CountDownLatch closed = new CountDownLatch(1);
    private final SecureRandom random = new SecureRandom();

    // All guarded by this.
    private final List<Rule> rules = new ArrayList<>();
    private final List<Request> requests = new ArrayList<>();
    private final Set<String> validTokens = new HashSet<>();
    private Credentials tokenCredentials;
    private boolean denyTokens;

    private FaultProxy(URI upstream, String advertisedHost, List<ServerSocket> listeners) {
        String base = upstream.toString();
        this.upstream = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.advertisedHost = advertisedHost;
        this.listeners = listeners;
        this.port = listeners.getFirst().getLocalPort();
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /** A proxy on a free port of 127.0.0.1 that names itself "127.0.0.1:PORT". */
    public static FaultProxy start(URI upstream) {
        return start(upstream, "127.0.0.1");
    }

    /**
     * A proxy on a free port of 127.0.0.1 that names itself {@code advertisedHost} in {@link #baseUri()},
     * {@link #hostPort()} and its token realm: "localhost" gives a redirect target on "another host" than
     * 127.0.0.1. It also listens on [::1] at the same port when it can, for clients that resolve localhost to ::1.
     */
    public static FaultProxy start(URI upstream, String advertisedHost) {
        Objects.requireNonNull(upstream);
        Objects.requireNonNull(advertisedHost);
        List<ServerSocket> listeners = new ArrayList<>();
        try {
            listeners.add(listen(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1", e);
        }
        try {
            listeners.add(listen(InetAddress.getByName("::1"), listeners.getFirst().getLocalPort()));
        } catch (IOException e) {
            // No IPv6 loopback, or the port is taken there: Java clients resolve localhost to 127.0.0.1 first anyway.
        }
        FaultProxy proxy = new FaultProxy(upstream, advertisedHost, List.copyOf(listeners));
        for (ServerSocket listener : proxy.listeners) {
            Thread.ofPlatform().daemon().name("fault-proxy-accept-" + proxy.port)
                    .start(() -> proxy.acceptLoop(listener));
        }
        return proxy;
    }

    private static ServerSocket listen(InetAddress address, int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            socket.bind(new InetSocketAddress(address, port), 100);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** "HOST:PORT" with the advertised host: the registry part of an image reference. */
    public String hostPort() {
        return advertisedHost + ":" + port;
    }

    public int port() {
        return port;
    }

    public URI baseUri() {
        return URI.create("http://" + hostPort());
    }

    /**
     * The next {@code times} requests matching {@code when} get {@code fault} instead of plain forwarding
     * ({@link Integer#MAX_VALUE}: all of them). Rules are tried in the order added; a request uses at most one.
     * With {@link #requireBearer} on, a /v2/ request without a valid token is answered 401 before any rule is
     * tried, so an anonymous probe never uses up a rule. Predicates see {@link Request#status()} -1.
     */
    public FaultProxy inject(Predicate<Request> when, int times, Fault fault) {
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1: " + times);
        }
        synchronized (this) {
            rules.add(new Rule(Objects.requireNonNull(when), Objects.requireNonNull(fault), times));
        }
        return this;
    }

    public synchronized void clearRules() {
        rules.clear();
    }

    /**
     * Every request received, in the order received, each with the status answered (-1 while unanswered, or
     * when the connection ended before a status line). A request whose response a client has seen is here.
     */
    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    /**
     * Makes every /v2/ request need {@code Authorization: Bearer <token>} with a token this proxy issued, and
     * serves {@value #TOKEN_PATH} to issue them against basic auth with these credentials: the distribution
     * token flow, so that a test can watch a client authenticate.
     */
    public synchronized FaultProxy requireBearer(String user, String password) {
        tokenCredentials = new Credentials(user, password);
        return this;
    }

    /** Every token issued so far stops working, as if it expired in the middle of a pull. */
    public synchronized void revokeTokens() {
        validTokens.clear();
    }

    /** While true, tokens are still issued but every /v2/ request is answered 401 anyway. */
    public synchronized void denyTokens(boolean deny) {
        denyTokens = deny;
    }

    /** GETs of a blob by digest; not uploads. */
    public static Predicate<Request> blobGets() {
        return r -> r.method().equals("GET") && BLOB_PATH.matcher(r.path()).matches();
    }

    public static Predicate<Request> blobGet(String digest) {
        return r -> blobGets().test(r) && r.path().endsWith("/blobs/" + digest);
    }

    /** GETs of a manifest, by tag or by digest. */
    public static Predicate<Request> manifestGets() {
        return r -> r.method().equals("GET") && MANIFEST_PATH.matcher(r.path()).matches();
    }

    /** Requests to the token endpoint: a fault here replaces the token answer (e.g. a huge body). */
    public static Predicate<Request> tokenRequests() {
        return r -> r.path().equals(TOKEN_PATH);
    }

    /** Stops listening and cuts every connection, stalled ones included; it does not wait for them. */
    @Override
    public void close() {
        closed.countDown();
        listeners.forEach(FaultProxy::closeQuietly);
        connections.forEach(FaultProxy::closeQuietly);
        client.shutdownNow();
    }

    private void acceptLoop(ServerSocket listener) {
        while (!listener.isClosed()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                pauseAfterFailedAccept(); // closed by close(), which the loop condition sees, or a passing failure
                continue;
            }
            connections.add(socket);
            if (closed.getCount() == 0) {
                closeQuietly(socket); // accepted while close() was cutting the others
                continue;
            }
            Thread.ofVirtual().name("fault-proxy-" + port).start(() -> serve(socket));
        }
    }

    /** A failure that repeats (out of file descriptors) must not spin a core that the tests need. */
    private static void pauseAfterFailedAccept() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout(CLIENT_READ_TIMEOUT_MILLIS);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            Optional<Incoming> incoming;
            try {
                incoming = read(in);
            } catch (ProtocolException e) {
                write(out, plain(400, e.getMessage()), true);
                return;
            }
            if (incoming.isPresent()) {
                respond(incoming.get(), out);
            }
        } catch (IOException e) {
            // The client went away or close() cut the connection: there is nobody left to answer.
        } finally {
            connections.remove(socket);
        }
    }

    private void respond(Incoming incoming, OutputStream out) throws IOException {
        int index = received(incoming.request());
        Answer answer;
        try {
            answer = decide(incoming);
        } catch (RuntimeException e) {
            answer = plain(500, "fault-proxy failed: " + e); // a bug here must show in the test, not hang it
        }
        switch (answer) {
            case Silence silence -> await(silence.duration());
            case Reply reply -> {
                answered(index, reply.status());
                boolean head = incoming.request().method().equals("HEAD");
                write(out, reply, !head && bodyAllowed(reply.status()));
                await(reply.stall());
            }
        }
    }

    private Answer decide(Incoming incoming) {
        Request request = incoming.request();
        if (mustAuthenticate(request)) {
            return challenge(request);
        }
        return takeFault(request).map(fault -> apply(fault, incoming)).orElseGet(() -> real(incoming));
    }

    private Answer apply(Fault fault, Incoming incoming) {
        return switch (fault) {
            case Fault.Status s -> reply(s.code(), s.headers(), s.body());
            case Fault.CutAfter c -> real(incoming).sendingAtMost(c.bytes());
            case Fault.StallAfter s -> real(incoming).sendingAtMost(s.bytes()).stallingFor(s.stall());
            case Fault.StallBeforeHeaders s -> new Silence(s.stall());
            case Fault.Truncate t -> {
                Reply real = real(incoming);
                yield real.declaring(Math.min(t.bytes(), real.contentLength())).sendingAtMost(t.bytes());
            }
            case Fault.Extend e -> {
                Reply real = real(incoming);
                yield real.withBody(new Bytes(concat(real.body().bytes(), e.extra())),
                        real.contentLength() < 0 ? -1 : real.contentLength() + e.extra().length);
            }
            case Fault.ContentLength c -> real(incoming).declaring(c.declared()).sendingAtMost(c.declared());
            case Fault.NoContentLength n -> real(incoming).declaring(-1);
            case Fault.ReplaceBody b -> real(incoming).withBody(new Bytes(b.body()), b.body().length);
            case Fault.Redirect r -> reply(307,
                    Map.of("Location", withoutSlash(r.targetBase()) + incoming.request().target()), new byte[0]);
            case Fault.IgnoreRange i -> forward(incoming, false);
            case Fault.HugeBody h -> new Reply(h.status(), Map.of("Content-Type", JSON), h.bytes(),
                    new Generated(h.bytes()), Long.MAX_VALUE, Duration.ZERO);
        };
    }

    /** What the request gets without a fault: the token endpoint's answer, or upstream's. */
    private Reply real(Incoming incoming) {
        if (incoming.request().path().equals(TOKEN_PATH) && bearerRequired()) {
            return issueToken(incoming.request());
        }
        return forward(incoming, true);
    }

    private Reply forward(Incoming incoming, boolean withRange) {
        Request request = incoming.request();
        boolean hasBody = request.header("Content-Length").isPresent();
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(upstream + request.target()))
                .timeout(UPSTREAM_TIMEOUT)
                .method(request.method(), hasBody
                        ? HttpRequest.BodyPublishers.ofByteArray(incoming.body())
                        : HttpRequest.BodyPublishers.noBody());
        for (String name : FORWARDED_REQUEST_HEADERS) {
            if (withRange || !name.equals("Range")) {
                request.header(name).ifPresent(value -> builder.header(name, value));
            }
        }
        HttpResponse<byte[]> response;
        try {
            response = client.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            return plain(502, "fault-proxy: upstream " + upstream + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return plain(502, "fault-proxy: interrupted while forwarding");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : RELAYED_RESPONSE_HEADERS) {
            response.headers().firstValue(name)
                    .ifPresent(value -> headers.put(name, name.equals("Location") ? rebase(value) : value));
        }
        byte[] body = response.body();
        // A HEAD (or 304) answer has no body, but its Content-Length still tells the size of the content.
        boolean bodiless = request.method().equals("HEAD") || !bodyAllowed(response.statusCode());
        long length = bodiless ? response.headers().firstValueAsLong("Content-Length").orElse(-1) : body.length;
        return new Reply(response.statusCode(), headers, length, new Bytes(body), Long.MAX_VALUE, Duration.ZERO);
    }

    /**
     * The registry writes absolute Locations (upload URLs) from the Host it was asked for, which is the upstream:
     * followed as is, they would bypass the proxy.
     */
    private String rebase(String location) {
        return location.startsWith(upstream + "/") ? baseUri() + location.substring(upstream.length()) : location;
    }

    private synchronized boolean bearerRequired() {
        return tokenCredentials != null;
    }

    private synchronized boolean mustAuthenticate(Request request) {
        if (tokenCredentials == null || !(request.path().startsWith("/v2/") || request.path().equals("/v2"))) {
            return false;
        }
        Optional<String> token = request.header("Authorization")
                .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(value -> value.substring(7).trim());
        return denyTokens || token.isEmpty() || !validTokens.contains(token.get());
    }

    private Reply challenge(Request request) {
        Matcher repository = REPOSITORY_PATH.matcher(request.path());
        String actions = request.method().equals("GET") || request.method().equals("HEAD") ? "pull" : "pull,push";
        String scope = repository.matches() ? ",scope=\"repository:" + repository.group(1) + ":" + actions + "\"" : "";
        return reply(401, Map.of("WWW-Authenticate",
                        "Bearer realm=\"" + baseUri() + TOKEN_PATH + "\",service=\"" + SERVICE + "\"" + scope),
                errorBody("UNAUTHORIZED", "authentication required"));
    }

    private Reply issueToken(Request request) {
        Optional<String> basic = request.header("Authorization")
                .filter(value -> value.regionMatches(true, 0, "Basic ", 0, 6))
                .map(value -> value.substring(6).trim())
                .flatMap(FaultProxy::decodeBase64);
        String token;
        synchronized (this) {
            if (basic.isEmpty() || !basic.get().equals(tokenCredentials.user() + ":" + tokenCredentials.password())) {
                return reply(401, Map.of("WWW-Authenticate", "Basic realm=\"" + SERVICE + "\""),
                        errorBody("UNAUTHORIZED", "invalid username or password"));
            }
            byte[] bytes = new byte[24];
            random.nextBytes(bytes);
            token = HexFormat.of().formatHex(bytes);
            validTokens.add(token);
        }
        String json = "{\"token\":\"" + token + "\",\"access_token\":\"" + token + "\",\"expires_in\":300"
                + ",\"issued_at\":\"" + Instant.now() + "\"}";
        return reply(200, Map.of(), json.getBytes(StandardCharsets.UTF_8));
    }

    private static Optional<String> decodeBase64(String encoded) {
        try {
            return Optional.of(new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private synchronized Optional<Fault> takeFault(Request request) {
        for (Iterator<Rule> it = rules.iterator(); it.hasNext(); ) {
            Rule rule = it.next();
            if (rule.when.test(request)) {
                if (rule.left != Integer.MAX_VALUE && --rule.left == 0) {
                    it.remove();
                }
                return Optional.of(rule.fault);
            }
        }
        return Optional.empty();
    }

    private synchronized int received(Request request) {
        requests.add(request);
        return requests.size() - 1;
    }

    /** Recorded before the status line is written, so that whoever sees the response also sees its record. */
    private synchronized void answered(int index, int status) {
        requests.set(index, requests.get(index).answered(status));
    }

    private void write(OutputStream out, Reply reply, boolean withBody) throws IOException {
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(reply.status()).append(' ')
                .append(reason(reply.status())).append("\r\n");
        reply.headers().forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        if (reply.contentLength() >= 0) {
            head.append("Content-Length: ").append(reply.contentLength()).append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (withBody) {
            reply.body().writeTo(out, Math.min(reply.limit(), reply.body().length()));
        }
        out.flush();
    }

    /** Waits, but no longer than until close(). */
    private void await(Duration duration) {
        if (duration.isZero()) {
            return;
        }
        try {
            closed.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Optional<Incoming> read(InputStream in) throws IOException {
        String requestLine = line(in);
        if (requestLine == null) {
            return Optional.empty(); // connected and left without a request
        }
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.") || !parts[1].startsWith("/")) {
            throw new ProtocolException("not an HTTP/1.x request line in origin form: " + requestLine);
        }
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            if (colon <= 0 || headers.size() >= MAX_HEADERS) {
                throw new ProtocolException("bad header line, or too many: " + line);
            }
            headers.merge(line.substring(0, colon).trim(), line.substring(colon + 1).trim(), (a, b) -> a + ", " + b);
        }
        if (headers.containsKey("Transfer-Encoding")) {
            throw new ProtocolException("chunked request bodies are not supported; send a Content-Length");
        }
        long length;
        try {
            length = Long.parseLong(headers.getOrDefault("Content-Length", "0"));
        } catch (NumberFormatException e) {
            throw new ProtocolException("bad Content-Length: " + headers.get("Content-Length"));
        }
        if (length < 0 || length > MAX_REQUEST_BODY) {
            throw new ProtocolException("request body of " + length + " bytes: at most " + MAX_REQUEST_BODY);
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) {
            throw new EOFException("request body ended after " + body.length + " of " + length + " bytes");
        }
        return Optional.of(new Incoming(new Request(parts[0], parts[1], headers, Instant.now(), -1), body));
    }

    /** A line without its CRLF; null at end of stream before any byte of it. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                if (line.size() == 0) {
                    return null;
                }
                throw new EOFException("the request ended inside a line");
            }
            if (line.size() >= MAX_LINE) {
                throw new ProtocolException("a request line or header longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    private static boolean bodyAllowed(int status) {
        return status >= 200 && status != 204 && status != 304;
    }

    private static Reply reply(int status, Map<String, String> headers, byte[] body) {
        Map<String, String> all = new LinkedHashMap<>(headers);
        boolean typed = all.keySet().stream().anyMatch(name -> name.equalsIgnoreCase("Content-Type"));
        if (body.length > 0 && !typed) {
            all.put("Content-Type", JSON);
        }
        return new Reply(status, all, body.length, new Bytes(body), Long.MAX_VALUE, Duration.ZERO);
    }

    private static Reply plain(int status, String message) {
        return reply(status, Map.of("Content-Type", "text/plain; charset=utf-8"),
                (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** A body shaped like the distribution server's errors. */
    private static byte[] errorBody(String code, String message) {
        return ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 204 -> "No Content";
            case 206 -> "Partial Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 304 -> "Not Modified";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 416 -> "Range Not Satisfiable";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Status " + status;
        };
    }

    private static String withoutSlash(URI base) {
        String text = base.toString();
        return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // closing is all that was wanted
        }
    }

    /**
     * One request as the proxy received it, and the status it answered.
     *
     * @param target  the path and query, as sent
     * @param headers case-insensitive; repeated headers joined with ", "
     * @param status  what the proxy answered; -1 when it wrote no status line (a stall before headers, or a
     *                request it has not answered yet)
     */
    public record Request(String method, String target, Map<String, String> headers, Instant received, int status) {
        public Request {
            TreeMap<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            copy.putAll(headers);
            headers = Collections.unmodifiableMap(copy);
        }

        public Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name));
        }

        public String path() {
            int query = target.indexOf('?');
            return query < 0 ? target : target.substring(0, query);
        }

        private Request answered(int answeredStatus) {
            return new Request(method, target, headers, received, answeredStatus);
        }
    }

    /** What a matching request gets instead of plain forwarding. "Real" below means what forwarding would answer. */
    public sealed interface Fault {
        /** This status, headers and body; a body without a Content-Type header is sent as JSON. */
        static Fault status(int code, Map<String, String> headers, String body) {
            return new Status(code, headers, body.getBytes(StandardCharsets.UTF_8));
        }

        static Fault status(int code, Map<String, String> headers, byte[] body) {
            return new Status(code, headers, body);
        }

        static Fault status(int code) {
            return new Status(code, Map.of(), new byte[0]);
        }

        /** E.g. retryAfter(503, "2") or retryAfter(429, "Wed, 21 Oct 2015 07:28:00 GMT"). */
        static Fault retryAfter(int code, String retryAfter) {
            return new Status(code, Map.of("Retry-After", retryAfter), new byte[0]);
        }

        /** 404 with the registry's error body for a missing blob. */
        static Fault blobUnknown() {
            return new Status(404, Map.of(), errorBody("BLOB_UNKNOWN", "blob unknown to registry"));
        }

        /** 403 with the registry's error body for a denied pull. */
        static Fault forbidden() {
            return new Status(403, Map.of(), errorBody("DENIED", "requested access to the resource is denied"));
        }

        /** The real status and headers with the real, full Content-Length, {@code bytes} of the body, then EOF. */
        static Fault cutAfter(long bytes) {
            return new CutAfter(bytes);
        }

        /** Like cutAfter, but the connection stays open and silent for {@code stall} (or until close()) first. */
        static Fault stallAfter(long bytes, Duration stall) {
            return new StallAfter(bytes, stall);
        }

        /** Reads the request, then sends nothing for {@code stall} and closes. */
        static Fault stallBeforeHeaders(Duration stall) {
            return new StallBeforeHeaders(stall);
        }

        /** Well-formed but short: Content-Length {@code bytes} and the first {@code bytes} of the real body. */
        static Fault truncate(long bytes) {
            return new Truncate(bytes);
        }

        /** Well-formed but long: the real body and {@code extra} after it, counted in Content-Length. */
        static Fault extend(byte[] extra) {
            return new Extend(extra);
        }

        /** The real body under a Content-Length of {@code declared}: all of it then EOF if more is declared, else cut to it. */
        static Fault contentLength(long declared) {
            return new ContentLength(declared);
        }

        /** The real body without Content-Length or chunking: it ends where the connection does. */
        static Fault noContentLength() {
            return new NoContentLength();
        }

        /** The real status and headers around other content, framed correctly (e.g. one byte damaged). */
        static Fault replaceBody(byte[] body) {
            return new ReplaceBody(body);
        }

        /** 307 to {@code targetBase} + the request's path and query, e.g. another proxy's baseUri(). */
        static Fault redirect(URI targetBase) {
            return new Redirect(targetBase);
        }

        /** Forwards without the Range header: the whole content with 200, as from a server without ranges. */
        static Fault ignoreRange() {
            return new IgnoreRange();
        }

        /** 200 with a JSON Content-Type, Content-Length {@code bytes} and a generated body never held in memory. */
        static Fault hugeBody(long bytes) {
            return new HugeBody(200, bytes);
        }

        /** Like hugeBody(bytes) with another status: an error body too big to read whole. */
        static Fault hugeBody(int status, long bytes) {
            return new HugeBody(status, bytes);
        }

        record Status(int code, Map<String, String> headers, byte[] body) implements Fault {
            public Status {
                headers = Map.copyOf(headers);
            }
        }

        record CutAfter(long bytes) implements Fault {}

        record StallAfter(long bytes, Duration stall) implements Fault {}

        record StallBeforeHeaders(Duration stall) implements Fault {}

        record Truncate(long bytes) implements Fault {}

        record Extend(byte[] extra) implements Fault {}

        record ContentLength(long declared) implements Fault {}

        record NoContentLength() implements Fault {}

        record ReplaceBody(byte[] body) implements Fault {}

        record Redirect(URI targetBase) implements Fault {}

        record IgnoreRange() implements Fault {}

        record HugeBody(int status, long bytes) implements Fault {}
    }

    private static final class Rule {
        private final Predicate<Request> when;
        private final Fault fault;
        private int left; // guarded by the proxy

        private Rule(Predicate<Request> when, Fault fault, int left) {
            this.when = when;
            this.fault = fault;
            this.left = left;
        }
    }

    private record Incoming(Request request, byte[] body) {}

    private sealed interface Answer permits Reply, Silence {}

    /** Nothing on the wire for this long, then the connection closes. */
    private record Silence(Duration duration) implements Answer {}

    /**
     * What goes on the wire: status line, headers, Content-Length {@code contentLength} unless negative, at most
     * {@code limit} bytes of {@code body}, then silence for {@code stall}, then the connection closes.
     */
    private record Reply(int status, Map<String, String> headers, long contentLength, Body body, long limit,
                         Duration stall) implements Answer {
        Reply sendingAtMost(long bytes) {
            return new Reply(status, headers, contentLength, body, Math.min(limit, bytes), stall);
        }

        Reply stallingFor(Duration duration) {
            return new Reply(status, headers, contentLength, body, limit, duration);
        }

        Reply declaring(long length) {
            return new Reply(status, headers, length, body, limit, stall);
        }

        Reply withBody(Body other, long length) {
            return new Reply(status, headers, length, other, limit, stall);
        }
    }

    private sealed interface Body permits Bytes, Generated {
        long length();

        void writeTo(OutputStream out, long count) throws IOException;

        /** The content in memory; only forwarded bodies have it. */
        byte[] bytes();
    }

    private record Bytes(byte[] content) implements Body {
        @Override
        public long length() {
            return content.length;
        }

        @Override
        public void writeTo(OutputStream out, long count) throws IOException {
            out.write(content, 0, (int) count);
        }

        @Override
        public byte[] bytes() {
            return content;
        }
    }

    /**
     * A JSON-looking body ({"data":"aaaa…"}) of any length, written in chunks: a test of a client's size cap
     * must not need the proxy to hold the whole thing.
     */
    private record Generated(long length) implements Body {
        private static final byte[] PREFIX = "{\"data\":\"".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] SUFFIX = "\"}".getBytes(StandardCharsets.US_ASCII);

        @Override
        public void writeTo(OutputStream out, long count) throws IOException {
            boolean framed = length >= PREFIX.length + SUFFIX.length;
            byte[] chunk = new byte[64 * 1024];
            for (long written = 0; written < count; ) {
                int n = (int) Math.min(chunk.length, count - written);
                Arrays.fill(chunk, 0, n, (byte) 'a');
                if (framed) {
                    overlay(chunk, written, n, PREFIX, 0);
                    overlay(chunk, written, n, SUFFIX, length - SUFFIX.length);
                }
                out.write(chunk, 0, n);
                written += n;
            }
        }

        /** Puts {@code part}, which starts at {@code at} in the body, into the chunk starting at {@code offset}. */
        private static void overlay(byte[] chunk, long offset, int n, byte[] part, long at) {
            for (int i = 0; i < part.length; i++) {
                long position = at + i - offset;
                if (position >= 0 && position < n) {
                    chunk[(int) position] = part[i];
                }
            }
        }

        @Override
        public byte[] bytes() {
            throw new UnsupportedOperationException("a generated body is not held in memory");
        }
    }
}
