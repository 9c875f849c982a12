package dev.launcher.fetch;

import dev.launcher.cache.CacheStore;
import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.error.UnsafeArchiveException;
import dev.launcher.oci.Descriptor;
import dev.launcher.oci.Reference;
import dev.launcher.registry.RegistryReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands a layer blob's bytes to a consumer (the unpacker) in one pass: straight from the registry's
 * socket, hashed and counted on the way, so nothing is written to a temp file and read again.
 *
 * <p>The consumer only writes into private temp space, and {@link #feed} returns only once every byte
 * was read and the size and digest matched; the caller publishes what the consumer made after that and
 * throws it away when this throws. Unverified bytes are therefore unpacked, but never used: the unpacker
 * applies the same safety rules to every archive, verified or not, since a hostile archive can have a
 * correct digest too.
 */
public final class BlobFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(BlobFetcher.class);
    /** The HTTP client's buffers are 256 KiB (see bin/launcher); a chunk takes one or more of them whole. */
    private static final int CHUNK = 512 * 1024;
    private final RegistryReader registry;
    private final CacheStore cache;
    private final boolean terminal;
    private final AtomicLong hashNanos = new AtomicLong();
    private final AtomicLong downloadedBytes = new AtomicLong();

    public BlobFetcher(RegistryReader registry, CacheStore cache, boolean terminal) {
        this.registry = registry;
        this.cache = cache;
        this.terminal = terminal;
    }

    /**
     * Feeds the blob to {@code consumer}, which must read it to the end (or stop at the end of its content:
     * what is left is read here, so trailing bytes are verified too). A blob the cache holds already
     * verified (a manifest, or a layer stored by an earlier version) is read from there instead.
     *
     * @throws LauncherException INTEGRITY if size or digest are wrong (whatever the consumer made of the
     *     bytes), UNREACHABLE if the transfer failed, or what the consumer threw for correct bytes
     */
    public void feed(Reference ref, Descriptor blob, Consumer<InputStream> consumer) {
        Optional<Path> cached = cache.blob(blob.digest());
        if (cached.isPresent() && isIntact(cached.get(), blob)) {
            feedCached(cached.get(), consumer);
        } else {
            download(ref, blob, consumer);
        }
    }

    /**
     * A layer blob cached by an earlier version is hashed before it is used (only such caches hold layer
     * blobs, so this read is rare); one that no longer matches is deleted and downloaded again.
     */
    private static boolean isIntact(Path file, Descriptor blob) {
        try (InputStream in = new VerifyingInputStream(Files.newInputStream(file), blob, file.toString())) {
            in.transferTo(OutputStream.nullOutputStream());
            return true;
        } catch (LauncherException corrupt) {
            LOG.warn("cached blob {} is corrupt ({}); fetching it again", blob.digest(), corrupt.getMessage());
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw LauncherException.cacheIo("cannot delete corrupt cached blob " + file + ": " + e.getMessage(), e);
            }
            return false;
        } catch (IOException e) {
            throw LauncherException.cacheIo("cannot read cached blob " + file + ": " + e.getMessage()
                    + ": delete it so the next start downloads it again", e);
        }
    }

    private static void feedCached(Path blob, Consumer<InputStream> consumer) {
        try (InputStream in = Files.newInputStream(blob)) {
            consumer.accept(in);
        } catch (IOException e) {
            throw LauncherException.cacheIo("cannot read cached blob " + blob + ": " + e.getMessage()
                    + ": delete it so the next start downloads it again", e);
        }
    }

    private void download(Reference ref, Descriptor blob, Consumer<InputStream> consumer) {
        var progress = new TransferProgress(System.err, blob.digest().shortForm(), blob.size(), terminal);
        VerifyingInputStream verifying = null;
        ReadAheadInputStream ahead = null;
        try (InputStream raw = registry.blob(ref, blob)) {
            verifying = new VerifyingInputStream(new TransferInputStream(raw), blob, ref.repositoryName());
            ahead = new ReadAheadInputStream(verifying, CHUNK, "fetch-" + blob.digest().shortForm());
            try {
                consumer.accept(new ProgressInputStream(ahead, progress));
                ahead.transferTo(OutputStream.nullOutputStream()); // what the consumer left is verified too
            } catch (RuntimeException e) {
                throw explain(e, ahead, verifying, ref, blob);
            } finally {
                ahead.close();
            }
        } catch (IOException e) {
            throw transferFailed(ref, blob, e);
        } finally {
            if (ahead != null) {
                ahead.awaitReader();
            }
            if (verifying != null) {
                hashNanos.addAndGet(verifying.hashNanos());
                downloadedBytes.addAndGet(verifying.bytesRead());
            }
        }
        progress.done(verifying.bytesRead());
    }

    /**
     * The consumer's failure, told apart from a failure of the bytes it was given: a cut transfer is the
     * network's fault, and an archive "refused" because a proxy damaged it is an integrity failure. So
     * before blaming the content, the rest of the blob is read to see whether it was the registry's.
     */
    private static RuntimeException explain(RuntimeException failure, InputStream rest, VerifyingInputStream verifying,
            Reference ref, Descriptor blob) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof TransferInputStream.Failure transfer) {
                return transferFailed(ref, blob, transfer.getCause());
            }
        }
        boolean wrongBytesAlready = failure instanceof LauncherException l && l.exitCode() == ExitCode.INTEGRITY
                && !(failure instanceof UnsafeArchiveException);
        if (verifying.isVerified() || wrongBytesAlready) {
            return failure;
        }
        try {
            rest.transferTo(OutputStream.nullOutputStream());
        } catch (LauncherException wrongBytes) {
            wrongBytes.addSuppressed(failure);
            return wrongBytes;
        } catch (IOException cut) {
            return transferFailed(ref, blob, cut);
        }
        return failure;
    }

    private static LauncherException transferFailed(Reference ref, Descriptor blob, IOException e) {
        return new LauncherException(ExitCode.UNREACHABLE, "download of blob " + blob.digest()
                + " from " + ref.repositoryName() + " failed: " + e.getMessage() + ": check the network and retry", e);
    }

    /** Time spent hashing, summed over the blobs this fetcher downloaded. */
    public long hashNanos() {
        return hashNanos.get();
    }

    public long downloadedBytes() {
        return downloadedBytes.get();
    }

    /** Marks failures of the registry's stream, so they stay network failures after the unpacker wrapped them. */
    private static final class TransferInputStream extends FilterInputStream {
        static final class Failure extends IOException {
            Failure(IOException cause) {
                super(cause.getMessage(), cause);
            }

            @Override
            public synchronized IOException getCause() {
                return (IOException) super.getCause();
            }
        }

        TransferInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                throw new Failure(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw new Failure(e);
            }
        }
    }

    /** Draws the progress bar as the consumer reads. */
    private static final class ProgressInputStream extends FilterInputStream {
        private final TransferProgress progress;
        private long done;

        ProgressInputStream(InputStream in, TransferProgress progress) {
            super(in);
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                progress.update(++done);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                done += n;
                progress.update(done);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // VerifyingInputStream reads what is skipped, so it is hashed; count it too.
            long skipped = in.skip(n);
            done += skipped;
            progress.update(done);
            return skipped;
        }

        /** The fetcher closes the registry's stream itself, after verifying what is left. */
        @Override
        public void close() {}
    }
}
