package dev.launcher.registry;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.oci.RegistrySettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Requests to a registry the way a pull (or a push) in a production cluster needs them: failures a moment later may
 * not repeat (5xx, 429, 408, a refused or reset connection, a stall) are retried with backoff, honouring
 * {@code Retry-After}, until the attempts or the deadline run out; answers that will not change (404,
 * credentials refused twice) fail at once. Redirects are followed by hand so that {@code Authorization}
 * only ever goes to the origin it was meant for.
 */
public final class RegistryHttp {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryHttp.class);
    private static final Set<Integer> RETRYABLE = Set.of(408, 429, 500, 502, 503, 504);
    private static final int MAX_REDIRECTS = 5;
    static final int MAX_ERROR_BYTES = 16 << 10;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient client;
    private final Authorizer authorizer;
    private final RetryPolicy policy;
    private final Deadline deadline;
    private final Duration idle;

    public RegistryHttp(HttpClient client, RetryPolicy policy, Deadline deadline, Duration idle) {
        this.client = client;
        this.authorizer = new Authorizer(client, idle);
        this.policy = policy;
        this.deadline = deadline;
        this.idle = idle;
    }

    /**
     * The client for {@code settings}, made by its first use, with one deadline for all its retries from then on
     * (LAUNCHER_PULL_DEADLINE).
     */
    static Memo<RegistryHttp> lazily(RegistrySettings settings) {
        return new Memo<>(() -> new RegistryHttp(httpClient(settings), RetryPolicy.DEFAULT,
                Deadline.after(settings.pullDeadline()), settings.idleTimeout()));
    }

    private static HttpClient httpClient(RegistrySettings settings) {
        Duration connect = settings.idleTimeout().compareTo(Duration.ofSeconds(10)) < 0
                ? settings.idleTimeout() : Duration.ofSeconds(10);
        // HTTP/1.1: one connection per layer, no HTTP/2 flow-control window between a big blob and the socket.
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connect);
        if (settings.caFile() != null) {
            builder.sslContext(TrustedCertificates.withExtraCas(settings.caFile()));
        }
        return builder.build();
    }

    /** Why one attempt failed, whether another may go better, and what to exit with if none does. */
    private record Failure(String description, boolean retryable, ExitCode exitCode, Optional<Duration> retryAfter) {}

    /**
     * GETs {@code uri}, retrying what may pass; returns a 2xx response with its body open.
     *
     * @param what what the caller is doing, for messages: "fetch the manifest of REF"
     * @throws LauncherException NOT_FOUND, AUTH_DENIED, RETRIES_EXHAUSTED (the registry kept failing),
     *     UNREACHABLE (no connection, TLS, or an answer no retry changes)
     */
    public RegistryResponse get(URI uri, Map<String, String> headers, Scope scope, String what) {
        return send(RegistryRequest.get(uri, headers), scope, what, Set.of());
    }

    /**
     * Sends {@code request}, retrying what may pass, as {@link #get}; returns a 2xx response, or one whose status
     * is in {@code accepted} (a HEAD's 404), with its body open. A request with a body is sent again whole on a
     * retry or redirect.
     */
    public RegistryResponse send(RegistryRequest request, Scope scope, String what, Set<Integer> accepted) {
        long started = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            Failure failure;
            URI uri = request.uri();
            try {
                RegistryResponse response = exchange(request, scope);
                if (response.status() / 100 == 2 || accepted.contains(response.status())) {
                    return response;
                }
                failure = failureOf(response);
            } catch (InterruptedIOException e) {
                throw new LauncherException(ExitCode.UNREACHABLE, "cannot " + what + ": interrupted", e);
            } catch (SSLException e) {
                throw new LauncherException(ExitCode.UNREACHABLE, "cannot " + what + ": TLS with " + uri.getAuthority()
                        + " failed (" + e.getMessage() + "): give its CA with LAUNCHER_CA_FILE, or list it in"
                        + " LAUNCHER_INSECURE if it speaks plain HTTP", e);
            } catch (IOException e) {
                failure = new Failure("no answer from " + uri.getAuthority() + " (" + describe(e) + ")", true,
                        ExitCode.UNREACHABLE, Optional.empty());
            }
            if (!failure.retryable()) {
                throw new LauncherException(failure.exitCode(), "cannot " + what + ": " + failure.description());
            }
            Duration wait = failure.retryAfter().isPresent() ? failure.retryAfter().get() : policy.backoff(attempt);
            if (!mayRetry(attempt, wait)) {
                throw exhausted(what, failure, attempt, wait, started);
            }
            LOG.warn("cannot {}: {}; trying again in {} ms (attempt {} of {})", what, failure.description(),
                    wait.toMillis(), attempt + 1, policy.maxAttempts());
            pause(wait, what);
        }
    }

    /** Whether another attempt may follow {@code failures} failed ones after waiting {@code wait}. */
    private boolean mayRetry(int failures, Duration wait) {
        return failures < policy.maxAttempts() && deadline.allows(wait);
    }

    /**
     * For a body that broke after its response came: waits the backoff before attempt {@code failures + 1}
     * and returns true, or returns false at once when the attempts or the deadline are used up.
     */
    boolean awaitRetry(int failures, String what, String why) throws InterruptedIOException {
        Duration wait = policy.backoff(failures);
        if (!mayRetry(failures, wait)) {
            return false;
        }
        LOG.warn("{}: {}; trying again in {} ms", what, why, wait.toMillis());
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to " + what);
        }
        return true;
    }

    private LauncherException exhausted(String what, Failure failure, int attempts, Duration wait, long started) {
        double seconds = (System.nanoTime() - started) / 1e9;
        String why = attempts >= policy.maxAttempts()
                ? attempts + " attempts in " + String.format(Locale.ROOT, "%.1f", seconds) + " s"
                : "the next attempt, in " + wait.toMillis() + " ms, would start after the deadline of "
                        + deadline.total().toSeconds() + " s (LAUNCHER_PULL_DEADLINE)";
        ExitCode code = failure.exitCode() == ExitCode.UNREACHABLE ? ExitCode.UNREACHABLE : ExitCode.RETRIES_EXHAUSTED;
        String advice = code == ExitCode.UNREACHABLE
                ? "check the network, or pin a digest that is already cached"
                : "try again later or check the registry";
        return new LauncherException(code, "cannot " + what + ": " + failure.description() + "; gave up after " + why
                + ": " + advice);
    }

    /** One attempt: the request, its redirects, and one renewal of credentials if they were refused. */
    private RegistryResponse exchange(RegistryRequest request, Scope scope) throws IOException {
        URI uri = request.uri();
        Optional<String> authorization = authorizer.current(uri, scope);
        RegistryResponse response = followRedirects(request, authorization);
        if (!isDenied(response.status())) {
            return response;
        }
        Optional<AuthChallenge> challenge = AuthChallenge.parse(response.header("WWW-Authenticate"));
        String detail = detail(response);
        String renewed = authorizer.renew(uri, scope, challenge, response.status(), detail);
        response = followRedirects(request, Optional.of(renewed));
        if (isDenied(response.status())) {
            int status = response.status();
            String again = detail(response);
            throw new LauncherException(ExitCode.AUTH_DENIED, "registry " + uri.getAuthority() + " denied access (HTTP "
                    + status + again + ") even after authenticating again: check the credentials in docker config.json"
                    + " (DOCKER_CONFIG) or the credential helper, and that they may " + scope.actions().replace(",", " and ")
                    + " this repository");
        }
        return response;
    }

    private RegistryResponse followRedirects(RegistryRequest registryRequest, Optional<String> authorization)
            throws IOException {
        URI uri = registryRequest.uri();
        URI current = uri;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(current).method(registryRequest.method(),
                    registryRequest.body().open()).timeout(idle);
            registryRequest.headers().forEach(request::header);
            if (authorization.isPresent() && Authorizer.origin(current).equals(Authorizer.origin(uri))) {
                request.header("Authorization", authorization.get());
            }
            HttpResponse<InputStream> response = send(request.build());
            int status = response.statusCode();
            if (!isRedirect(status)) {
                return new RegistryResponse(status, response.headers(), IdleWatchdog.watch(response.body(), idle), current);
            }
            response.body().close();
            Optional<String> location = response.headers().firstValue("Location");
            if (location.isEmpty() || hop >= MAX_REDIRECTS) {
                throw new LauncherException(ExitCode.UNREACHABLE, "registry " + uri.getAuthority() + " answered HTTP "
                        + status + (location.isEmpty() ? " without a Location" : " more than " + MAX_REDIRECTS
                        + " times in a row") + " for " + uri.getPath() + ": check the registry or the proxy in front of it");
            }
            current = current.resolve(location.get());
            LOG.debug("redirected to {}", current.getAuthority());
        }
    }

    private HttpResponse<InputStream> send(HttpRequest request) throws IOException {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + request.uri().getAuthority());
        }
    }

    private Failure failureOf(RegistryResponse response) throws IOException {
        int status = response.status();
        String detail = detail(response);
        String host = response.uri().getAuthority();
        if (status == 404) {
            return new Failure("not found in registry " + host + " (HTTP 404" + detail
                    + "): check the repository, tag or digest", false, ExitCode.NOT_FOUND, Optional.empty());
        }
        String answered = "registry " + host + " answered HTTP " + status + detail;
        if (RETRYABLE.contains(status)) {
            return new Failure(answered, true, ExitCode.RETRIES_EXHAUSTED,
                    RetryPolicy.retryAfter(response.header("Retry-After"), Instant.now()));
        }
        return new Failure(answered + ": check the registry", false, ExitCode.UNREACHABLE, Optional.empty());
    }

    /** The registry's own words, from a body read only up to a small cap: " NAME_UNKNOWN: repository name not known". */
    private static String detail(RegistryResponse response) throws IOException {
        byte[] body;
        try (response) {
            body = BoundedBody.readPrefix(response.body(), MAX_ERROR_BYTES);
        }
        try {
            JsonNode first = JSON.readTree(body).path("errors").path(0);
            String code = first.path("code").asString("");
            String message = first.path("message").asString("");
            String text = (code + (code.isEmpty() || message.isEmpty() ? "" : ": ") + message).strip();
            return text.isEmpty() ? "" : " " + sanitize(text);
        } catch (JacksonException | IllegalArgumentException notJson) {
            return "";
        }
    }

    /** A registry's message goes into one log line: no control characters, bounded length. */
    private static String sanitize(String text) {
        String flat = text.replaceAll("\\p{Cntrl}", " ");
        return flat.length() > 200 ? flat.substring(0, 200) + "…" : flat;
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + message;
    }

    private static boolean isDenied(int status) {
        return status == 401 || status == 403;
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static void pause(Duration wait, String what) {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException(ExitCode.UNREACHABLE, "cannot " + what + ": interrupted while waiting to retry", e);
        }
    }
}
