package dev.launcher.registry;

import dev.launcher.error.LauncherException;
import dev.launcher.oci.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A blob's bytes as one stream, whatever happens to the connection: a transfer cut or stalled midway is
 * asked again from where it stopped with {@code Range}, so a 200 MB layer does not start over at 190 MB.
 * The caller hashes the stream as a whole, so a resumed blob is verified exactly like an uncut one.
 *
 * <p>What the registry announces is checked before any body byte is used: a {@code Content-Length} other
 * than the descriptor's size (or the rest of it) is an integrity failure, not a network one, and is not
 * retried.
 */
final class BlobStream extends InputStream {
    private static final Logger LOG = LoggerFactory.getLogger(BlobStream.class);
    /** A resume that got at least this far was progress: the failures before it no longer count. */
    private static final long PROGRESS = 1 << 20;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private final RegistryHttp http;
    private final URI uri;
    private final Scope scope;
    private final Descriptor blob;
    private final String what;
    private InputStream body;
    private long position;
    private long openedAt;
    private int cuts;
    private boolean closed;

    private BlobStream(RegistryHttp http, URI uri, Scope scope, Descriptor blob, String what) {
        this.http = http;
        this.uri = uri;
        this.scope = scope;
        this.blob = blob;
        this.what = what;
    }

    /** Opens the blob: fails here, before any byte is read, if the registry refuses it. */
    static BlobStream open(RegistryHttp http, URI uri, Scope scope, Descriptor blob, String what) throws IOException {
        BlobStream stream = new BlobStream(http, uri, scope, blob, what);
        stream.connect();
        return stream;
    }

    private void connect() throws IOException {
        Map<String, String> headers = position == 0
                ? Map.of("Accept", "application/octet-stream")
                : Map.of("Accept", "application/octet-stream", "Range", "bytes=" + position + "-");
        RegistryResponse response = http.get(uri, headers, scope, what);
        try {
            if (response.status() == 206 && position > 0) {
                checkRange(response);
            } else {
                checkLength(response, blob.size());
                if (position > 0) {
                    // A server without range support sends it all again; the part already hashed is dropped.
                    LOG.info("{}: the registry ignored the Range request; skipping {} bytes it sent again", what, position);
                    long skipped = discard(response.body(), position);
                    if (skipped < position) {
                        throw new IOException("the registry's answer ended after " + skipped + " of the " + position + " bytes to skip");
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            response.close();
            throw e;
        }
        body = response.body();
        openedAt = position;
    }

    private void checkRange(RegistryResponse response) {
        Matcher range = CONTENT_RANGE.matcher(response.header("Content-Range").orElse(""));
        if (!range.matches() || Long.parseLong(range.group(1)) != position
                || Long.parseLong(range.group(2)) != blob.size() - 1) {
            throw LauncherException.integrity("blob " + blob.digest() + ": asked for bytes " + position + "- of "
                    + blob.size() + ", the registry sent the range '" + response.header("Content-Range").orElse("(none)")
                    + "': the registry or a proxy is broken; nothing was used");
        }
        checkLength(response, blob.size() - position);
    }

    private void checkLength(RegistryResponse response, long expected) {
        var declared = response.contentLength();
        if (declared.isPresent() && declared.getAsLong() != expected) {
            throw LauncherException.integrity("blob " + blob.digest() + ": the registry announced "
                    + declared.getAsLong() + " bytes (Content-Length) where " + expected + " were due (the descriptor says "
                    + blob.size() + "): the registry or a proxy altered it; nothing was used");
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        while (true) {
            if (closed) {
                throw new IOException("stream closed");
            }
            if (body == null) {
                connect();
            }
            try {
                int n = body.read(buffer, offset, length);
                if (n > 0) {
                    position += n;
                }
                return n;
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException cut) {
                resumeAfter(cut);
            }
        }
    }

    /** Drops the broken connection and waits before the next try; throws when retries are used up. */
    private void resumeAfter(IOException cut) throws IOException {
        closeBody();
        if (position - openedAt >= PROGRESS) {
            cuts = 0;
        }
        cuts++;
        String why = "the transfer broke at byte " + position + " of " + blob.size() + " (" + cut.getMessage()
                + "); resuming from there";
        if (!http.awaitRetry(cuts, what, why)) {
            throw new IOException("the transfer broke " + cuts + " times without progress, at byte " + position + " of "
                    + blob.size() + " (last: " + cut.getMessage() + ")", cut);
        }
    }

    private void closeBody() {
        if (body != null) {
            try {
                body.close();
            } catch (IOException ignored) {
                // the connection is already broken
            }
            body = null;
        }
    }

    @Override
    public void close() {
        closed = true;
        closeBody();
    }

    private static long discard(InputStream in, long count) throws IOException {
        byte[] sink = new byte[64 << 10];
        long done = 0;
        while (done < count) {
            int n = in.read(sink, 0, (int) Math.min(sink.length, count - done));
            if (n < 0) {
                break;
            }
            done += n;
        }
        return done;
    }
}
