package dev.launcher.unpack;

import dev.launcher.cache.ContentSums;
import dev.launcher.error.LauncherException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Expands one layer blob (tar, tar+gzip or tar+zstd) into an empty directory, streaming it once.
 * All archive safety rules of the launcher live in this package; see {@link ExtractedTree} for
 * how writes are kept inside the target and {@link SymlinkTargets} for which links are allowed.
 *
 * <p>Beyond staying inside the target: device nodes and fifos are skipped (with one warning per
 * layer), setuid/setgid/sticky bits and ownership are dropped, and sizes are bounded by
 * {@link UnpackLimits} before anything is written. OCI whiteouts are kept as empty marker files
 * for the assembler. On failure the target is emptied again, so a half-written layer is never
 * mistaken for a complete one.
 *
 * <p>Small regular files are written by a few threads ({@link ParallelFileWriter}), since creating
 * them is most of the time a node_modules layer takes. The thread reading the tar still makes
 * every decision and checks every bound; before any change other than a new file or directory
 * on a fresh name it waits for the queued writes, so they never meet a link, a replacement or a
 * deletion.
 */
public final class LayerUnpacker {
    private static final Logger log = LoggerFactory.getLogger(LayerUnpacker.class);

    /**
     * What the tar reader may consume in front of one entry: its header, PAX records, GNU long
     * names, padding of the previous entry and the end-of-archive block. Real headers take a few
     * kilobytes; the bound stops a crafted one from being buffered into the heap, or a chain of
     * long-name headers (the reader recurses once per header) from exhausting the stack.
     */
    static final long MAX_HEADER_BYTES = 128 * 1024;

    private static final int COPY_BUFFER = 64 * 1024;
    private static final int WHITEOUT_MODE = 0644;

    private final UnpackLimits limits;
    private final int writerThreads;

    public LayerUnpacker(UnpackLimits limits) {
        this(limits, ParallelFileWriter.THREADS);
    }

    /** With {@code writerThreads} 0, every file is written by the tar thread itself. */
    LayerUnpacker(UnpackLimits limits, int writerThreads) {
        this.limits = limits;
        this.writerThreads = writerThreads;
    }

    public LayerUnpacker() {
        this(UnpackLimits.defaults());
    }

    /** As {@link #unpackTar(InputStream, Path, String)}, naming the layer by its target directory in messages. */
    public UnpackStats unpackTar(InputStream layerBytes, Path emptyTargetDir) {
        return unpackTar(layerBytes, emptyTargetDir, emptyTargetDir.toString());
    }

    /**
     * Expands a layer.
     *
     * @param layerBytes     the blob as stored in the registry; read to its end, not closed
     * @param emptyTargetDir an existing empty directory; empty again if this throws
     * @param layerName      how messages name the layer, typically its digest
     * @throws dev.launcher.error.UnsafeArchiveException if the layer is malformed or breaks a safety rule
     * @throws LauncherException (CACHE_IO) if the stream or the target cannot be read or written
     */
    public UnpackStats unpackTar(InputStream layerBytes, Path emptyTargetDir, String layerName) {
        return unpackTar(layerBytes, emptyTargetDir, layerName, new ContentSums());
    }

    /** As {@link #unpackTar(InputStream, Path, String)}, recording the CRC32C of the files written in {@code sums}. */
    public UnpackStats unpackTar(InputStream layerBytes, Path emptyTargetDir, String layerName, ContentSums sums) {
        ExtractedTree.requireEmpty(emptyTargetDir, layerName);
        SourceInputStream source = new SourceInputStream(layerBytes);
        boolean complete = false;
        try {
            BufferedInputStream buffered = new BufferedInputStream(source, COPY_BUFFER);
            Compression compression = Compression.detect(buffered);
            UnpackStats stats;
            // Closing the extraction waits for its writer threads, so discard below cannot race them.
            try (InputStream tarBytes = compression.decompress(buffered);
                    Extraction extraction = new Extraction(tarBytes, new ExtractedTree(emptyTargetDir, layerName, sums), layerName)) {
                stats = extraction.run();
            }
            source.drain();
            complete = true;
            log.debug("unpacked layer {} ({}): {} entries, {} bytes", layerName, compression, stats.entries(), stats.bytes());
            return stats;
        } catch (IOException e) {
            throw readFailure(e, layerName);
        } catch (StackOverflowError e) {
            // Only a chain of headers nests this deep; the header budget keeps it short, this covers small thread stacks.
            throw Refusal.layer(layerName, "it contains a chain of nested tar headers too deep to follow", e);
        } finally {
            if (!complete) {
                discard(emptyTargetDir, layerName);
            }
        }
    }

    /** One pass over one tar stream. */
    private final class Extraction implements AutoCloseable {
        private final MeteredInputStream metered;
        private final TarArchiveInputStream tar;
        private final ExtractedTree tree;
        private final ParallelFileWriter writer;
        private final String layer;
        private final byte[] buffer = new byte[COPY_BUFFER];
        private long entries;
        private long bytes;
        private long skipped;
        private String firstSkipped;

        Extraction(InputStream tarBytes, ExtractedTree tree, String layer) {
            this.metered = new MeteredInputStream(tarBytes);
            this.tar = new TarArchiveInputStream(metered, StandardCharsets.UTF_8.name());
            this.tree = tree;
            this.layer = layer;
            this.writer = new ParallelFileWriter(writerThreads, this::writeFailure, tree.sums());
        }

        UnpackStats run() throws IOException {
            long unread = 0;
            while (true) {
                metered.allow(MAX_HEADER_BYTES + unread, "a tar header larger than " + MAX_HEADER_BYTES + " bytes");
                TarArchiveEntry entry = tar.getNextEntry();
                if (entry == null) {
                    break;
                }
                checkBounds(entry);
                // The tar reader never reads past an entry's data; this bound only backs that up.
                metered.allow(entry.getSize() + MAX_HEADER_BYTES, "entry data longer than its header declares");
                boolean consumed = extract(entry);
                unread = consumed ? 0 : entry.getSize();
            }
            writer.awaitAll();
            write(null, tree::finish);
            if (skipped > 0) {
                log.warn("layer {}: skipped {} device node/fifo/unsupported entries (first: '{}'); the launcher never creates them",
                        layer, skipped, firstSkipped);
            }
            return new UnpackStats(entries, bytes);
        }

        /** Refuses the entry before any of it is written if it breaks a bound. */
        private void checkBounds(TarArchiveEntry entry) {
            String name = entry.getName();
            if (++entries > limits.maxEntries()) {
                throw Refusal.limit(layer, name, "exceeds the limit of " + limits.maxEntries() + " entries per layer");
            }
            if (entry.getSize() < 0 || entry.getRealSize() < 0) {
                throw Refusal.entry(layer, name, "declares a negative size");
            }
            long declared = Math.max(entry.getSize(), entry.getRealSize()); // the real size of a sparse file is larger
            if (declared > limits.maxEntryBytes()) {
                throw Refusal.limit(layer, name, "declares " + declared + " bytes, above the limit of "
                        + limits.maxEntryBytes() + " bytes per entry");
            }
            if (declared > limits.maxTotalBytes() - bytes) {
                throw Refusal.limit(layer, name, "would bring the layer above the limit of "
                        + limits.maxTotalBytes() + " uncompressed bytes");
            }
            bytes += declared;
        }

        /** Writes one entry; returns whether its data was read (else the tar reader skips it). */
        private boolean extract(TarArchiveEntry entry) throws IOException {
            String raw = entry.getName();
            String name = EntryNames.normalize(raw, reason -> Refusal.entry(layer, raw, reason));
            FileTime mtime = entry.getLastModifiedTime();
            int mode = entry.getMode();
            if (name.isEmpty()) {
                if (!entry.isDirectory()) {
                    throw Refusal.entry(layer, raw, "names the layer root but is not a directory");
                }
                return false; // the root belongs to the cache; its mode and mtime are not the layer's to set
            }
            if (Whiteouts.isWhiteout(EntryNames.fileNameOf(name))) {
                writer.awaitAll(); // rare, and it may replace a directory holding queued files
                // Only the name matters; data of a whiteout would be meaningless.
                write(name, () -> {
                    tree.newFile(name).close();
                    tree.finishFile(name, WHITEOUT_MODE, mtime);
                });
                return false;
            }
            if (entry.isLink()) {
                String rawTarget = entry.getLinkName();
                String target = EntryNames.normalize(rawTarget,
                        reason -> Refusal.entry(layer, raw, "is a hard link whose target '" + rawTarget + "' " + reason));
                if (!target.equals(name)) { // a link to itself changes nothing
                    writer.awaitAll(); // the target may be a queued file
                    write(name, () -> tree.hardLink(name, target));
                }
                return false;
            }
            if (entry.isSymbolicLink()) {
                String target = entry.getLinkName();
                if (target.isEmpty() || target.indexOf('\0') >= 0) {
                    throw Refusal.entry(layer, raw, "is a symlink with an empty or NUL-containing target");
                }
                writer.awaitAll(); // it may replace a directory holding queued files
                write(name, () -> tree.symlink(name, target, mtime));
                return false;
            }
            if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
                skip(raw);
                return false;
            }
            if (entry.isDirectory()) {
                if (writer.touchesPending(name) || tree.isSymlink(name)) {
                    writer.awaitAll();
                }
                write(name, () -> tree.directory(name, mode, mtime));
                return false;
            }
            if (isRegular(entry)) {
                writeFile(entry, name, mode, mtime);
                return true;
            }
            skip(raw); // volume labels, multi-volume continuations, vendor types: nothing to create
            return false;
        }

        private boolean isRegular(TarArchiveEntry entry) {
            byte flag = entry.getLinkFlag();
            return flag == TarConstants.LF_NORMAL
                    || flag == TarConstants.LF_OLDNORM
                    || flag == TarConstants.LF_CONTIG
                    || flag == TarConstants.LF_GNUTYPE_SPARSE;
        }

        private void writeFile(TarArchiveEntry entry, String name, int mode, FileTime mtime) throws IOException {
            // Replacing a directory deletes its files, queued ones too; a second write of a name races the first.
            if (writer.touchesPending(name) || tree.isDirectory(name) || tree.isSymlink(name)) {
                writer.awaitAll();
            }
            long allowed = Math.max(entry.getSize(), entry.getRealSize());
            if (writerThreads > 0 && allowed <= ParallelFileWriter.MAX_FILE_BYTES) {
                Path path = place(name);
                writer.submit(name, path, readContent(entry, (int) allowed), mode, mtime);
                return;
            }
            OutputStream out = open(name);
            boolean written = false;
            CRC32C crc = new CRC32C();
            try {
                long count = 0;
                int n;
                // Reads and writes fail for different reasons (bad archive vs. full cache), so they are kept apart.
                while ((n = tar.read(buffer, 0, buffer.length)) > 0) {
                    count += n;
                    if (count > allowed) { // a sparse map expanding beyond the size the header declared
                        throw Refusal.limit(layer, entry.getName(), "expands beyond the " + allowed + " bytes it declares");
                    }
                    try {
                        out.write(buffer, 0, n);
                    } catch (IOException e) {
                        throw writeFailure(name, e);
                    }
                    crc.update(buffer, 0, n);
                }
                written = true;
            } finally {
                try {
                    out.close();
                } catch (IOException e) {
                    if (written) {
                        throw writeFailure(name, e);
                    }
                }
            }
            write(name, () -> tree.finishFile(name, mode, mtime));
            tree.sums().record(name, (int) crc.getValue());
        }

        /** Reads a small entry whole, for a writer thread; refused like {@link #writeFile} if it expands beyond its size. */
        private byte[] readContent(TarArchiveEntry entry, int allowed) throws IOException {
            byte[] data = new byte[allowed];
            int count = 0;
            int n;
            while (count < allowed && (n = tar.read(data, count, allowed - count)) > 0) {
                count += n;
            }
            if (tar.read(buffer, 0, 1) > 0) {
                throw Refusal.limit(layer, entry.getName(), "expands beyond the " + allowed + " bytes it declares");
            }
            return count == allowed ? data : Arrays.copyOf(data, count);
        }

        private Path place(String name) {
            Path[] path = new Path[1];
            write(name, () -> path[0] = tree.clearForNonDirectory(name));
            return path[0];
        }

        private OutputStream open(String name) {
            OutputStream[] out = new OutputStream[1];
            write(name, () -> out[0] = tree.newFile(name));
            return out[0];
        }

        private void skip(String raw) {
            if (skipped++ == 0) {
                firstSkipped = raw;
            }
        }

        private void write(String name, IoAction action) {
            try {
                action.run();
            } catch (IOException e) {
                throw writeFailure(name, e);
            }
        }

        @Override
        public void close() {
            writer.close();
        }

        private LauncherException writeFailure(String name, IOException e) {
            return LauncherException.cacheIo("writing "
                    + (name == null ? "layer " + layer : "entry '" + name + "' of layer " + layer)
                    + " into the cache failed: " + e + "; check free space and permissions of the cache directory", e);
        }
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    private static LauncherException readFailure(IOException e, String layer) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MeteredInputStream.BudgetExceeded budget) {
                return Refusal.layer(layer, "it contains " + budget.getMessage(), e);
            }
            if (t instanceof SourceInputStream.SourceFailure) {
                return LauncherException.cacheIo("reading layer " + layer + " failed: " + t.getCause()
                        + "; if the blob comes from the cache, delete it so the next run downloads it again", e);
            }
        }
        return Refusal.layer(layer, "it is not a valid tar archive (" + e.getMessage() + ")", e);
    }

    private static void discard(Path dir, String layer) {
        ExtractedTree.discard(dir, layer);
    }
}
