package dev.launcher.testing;

import dev.launcher.oci.Digest;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One line of the registry's access log: what was asked and what the registry answered. */
public record LoggedRequest(String method, String uri, int status) {
    /*
     * The distribution server writes an Apache "combined" access log line per request, e.g.
     *   127.0.0.1 - - [23/Nov/2026:21:12:44 +0000] "GET /v2/app/blobs/sha256:2cf2... HTTP/1.1" 200 5 "" "curl/7.88.1"
     * Its structured "response completed" lines (http.request.method=GET ...) never match this pattern,
     * so both streams can share one log file without a request being counted twice.
     */
    private static final Pattern ACCESS_LINE =
            Pattern.compile("^\\S+ \\S+ \\S+ \\[[^]]*] \"([A-Z]+) (\\S+) HTTP/[0-9.]+\" (\\d{3}) ");
    private static final Pattern BLOB_PATH = Pattern.compile("^/v2/.+/blobs/([a-z0-9]+:[a-f0-9]+)$");

    static Optional<LoggedRequest> parse(String line) {
        Matcher m = ACCESS_LINE.matcher(line);
        return m.find()
                ? Optional.of(new LoggedRequest(m.group(1), m.group(2), Integer.parseInt(m.group(3))))
                : Optional.empty();
    }

    public String path() {
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    /** The digest of a blob this request downloaded (200, or 206 for a range): HEADs and failures are not. */
    public Optional<Digest> downloadedBlob() {
        if (!method.equals("GET") || (status != 200 && status != 206)) {
            return Optional.empty();
        }
        Matcher m = BLOB_PATH.matcher(path());
        return m.matches() ? Optional.of(Digest.parse(m.group(1))) : Optional.empty();
    }
}
