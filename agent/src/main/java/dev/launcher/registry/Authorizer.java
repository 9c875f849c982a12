package dev.launcher.registry;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code Authorization} a registry wants, per origin and repository: nothing until it asks, then
 * Basic credentials or a bearer token from its token server (the distribution token flow). A token is
 * renewed once when the registry refuses it; the caller gives up after that.
 */
final class Authorizer {
    static final int MAX_TOKEN_BYTES = 1 << 20;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient client;
    private final Duration idle;
    private final Map<String, String> authorizations = new ConcurrentHashMap<>();
    private final Map<String, AuthChallenge> challenges = new ConcurrentHashMap<>();

    Authorizer(HttpClient client, Duration idle) {
        this.client = client;
        this.idle = idle;
    }

    /** What to send to {@code uri} now: what worked before for this origin and repository, if anything. */
    Optional<String> current(URI uri, Scope scope) {
        return Optional.ofNullable(authorizations.get(key(uri, scope)));
    }

    /**
     * A new authorization after the registry answered {@code status} with {@code challenge} (or with
     * none, then the last challenge of this origin is reused).
     *
     * @throws LauncherException AUTH_DENIED when there is no way to authenticate
     * @throws IOException when the token server could not be reached; worth retrying
     */
    String renew(URI uri, Scope scope, Optional<AuthChallenge> challenge, int status, String detail) throws IOException {
        AuthChallenge known = challenge.orElse(challenges.get(origin(uri)));
        if (known == null) {
            throw denied(uri, status, detail, "and asked for no credentials");
        }
        challenges.put(origin(uri), known);
        String authorization;
        if (known.isBasic()) {
            authorization = scope.basicCredentials().get().orElseThrow(() -> denied(uri, status, detail,
                    "and no credentials for it were found"));
        } else if (known.isBearer()) {
            authorization = "Bearer " + token(uri, scope, known, status, detail);
        } else {
            throw denied(uri, status, detail, "and asked for the unsupported auth scheme '" + known.scheme() + "'");
        }
        authorizations.put(key(uri, scope), authorization);
        return authorization;
    }

    private String token(URI uri, Scope scope, AuthChallenge challenge, int status, String detail) throws IOException {
        String realm = challenge.parameter("realm").orElseThrow(() -> denied(uri, status, detail,
                "and its bearer challenge names no token server (realm)"));
        StringBuilder query = new StringBuilder();
        challenge.parameter("service").ifPresent(s -> query.append("service=").append(encode(s)).append('&'));
        query.append("scope=").append(encode(challenge.parameter("scope").orElse(scope.tokenScope())));
        URI tokenUri = URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
        HttpRequest.Builder request = HttpRequest.newBuilder(tokenUri).GET().timeout(idle);
        // The token server is where the registry sends credentials, on whatever host it lives.
        scope.basicCredentials().get().ifPresent(basic -> request.header("Authorization", basic));
        HttpResponse<InputStream> response = send(request.build());
        try (InputStream body = response.body()) {
            if (response.statusCode() == 401 || response.statusCode() == 403) {
                throw denied(uri, status, detail, "and its token server " + realm + " refused the credentials (HTTP "
                        + response.statusCode() + ")");
            }
            if (response.statusCode() != 200) {
                throw new IOException("token server " + realm + " answered HTTP " + response.statusCode());
            }
            return parseToken(BoundedBody.read(IdleWatchdog.watch(body, idle),
                    response.headers().firstValueAsLong("Content-Length"), MAX_TOKEN_BYTES, "the token from " + realm), realm);
        }
    }

    private HttpResponse<InputStream> send(HttpRequest request) throws IOException {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while asking " + request.uri() + " for a token");
        }
    }

    private static String parseToken(byte[] bytes, String realm) {
        try {
            JsonNode json = JSON.readTree(bytes);
            for (String field : new String[] {"access_token", "token"}) {
                JsonNode value = json.get(field);
                if (value != null && value.isString() && !value.asString().isBlank()) {
                    return value.asString();
                }
            }
        } catch (JacksonException e) {
            // reported below
        }
        throw new LauncherException(ExitCode.AUTH_DENIED, "the token server " + realm
                + " answered without a token: check the registry's auth setup");
    }

    private static LauncherException denied(URI uri, int status, String detail, String why) {
        return new LauncherException(ExitCode.AUTH_DENIED, "registry " + uri.getAuthority() + " denied access (HTTP "
                + status + detail + ") " + why
                + ": check the credentials in docker config.json (DOCKER_CONFIG) or the credential helper");
    }

    private static String key(URI uri, Scope scope) {
        return origin(uri) + " " + scope.tokenScope();
    }

    static String origin(URI uri) {
        int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        return uri.getScheme().toLowerCase() + "://" + uri.getHost().toLowerCase() + ":" + port;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
