package dev.launcher.unpack;

import dev.launcher.cache.tree.ContentSums;
import dev.launcher.error.LauncherException;
import dev.launcher.fs.FileNames;
import dev.launcher.fs.NativeFiles;
import dev.launcher.unpack.tar.SparseFragment;
import dev.launcher.unpack.tar.TarEntry;
import dev.launcher.unpack.tar.TarReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Expands one layer blob (tar, tar+gzip or tar+zstd) into an empty directory, streaming it once.
 * All archive safety rules of the launcher live in this package; see {@link ExtractedTree} for
 * how writes are kept inside the target and {@link SymlinkTargets} for which links are allowed.
 * The archive is read as GNU tar reads it ({@link TarReader}), names as bytes.
 *
 * <p>Beyond staying inside the target: device nodes and fifos are skipped (with one warning per
 * layer), setuid/setgid/sticky bits and ownership are dropped, and sizes are bounded by
 * {@link UnpackLimits} before anything is written. Sparse files keep their holes. OCI whiteouts
 * are kept as empty marker files for the assembler. On failure the target is emptied again, so a half-written layer is never
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
        } finally {
            if (!complete) {
                discard(emptyTargetDir, layerName);
            }
        }
    }

    /** One pass over one tar stream. */
    private final class Extraction implements AutoCloseable {
        private final MeteredInputStream metered;
        private final TarReader tar;
        private final ExtractedTree tree;
        private final ParallelFileWriter writer;
        private final String layer;
        private final byte[] buffer = new byte[COPY_BUFFER];
        private long entries;
        private long bytes;
        private long skipped;
        private String firstSkipped;
        private long unknownTypes;
        private TarEntry firstUnknown;
        /** Bytes of holes in the sparse files so far. */
        private long sparseHoles;

        Extraction(InputStream tarBytes, ExtractedTree tree, String layer) {
            this.metered = new MeteredInputStream(tarBytes);
            this.tar = new TarReader(metered);
            this.tree = tree;
            this.layer = layer;
            this.writer = new ParallelFileWriter(writerThreads, this::writeFailure, tree.sums());
        }

        UnpackStats run() throws IOException {
            // Headers cost what content costs to decompress, so they count too: a layer of endless PAX records or
            // long names is a bomb as much as one of endless content. Memory is bounded by the reader itself.
            long streamBudget = 2 * limits.maxTotalBytes();
            metered.allow(streamBudget, "more than " + streamBudget + " bytes of tar headers and content");
            TarEntry entry;
            while ((entry = tar.next()) != null) {
                checkBounds(entry);
                extract(entry);
            }
            // What follows the end marker is decompressed too: data after a gzip stream is refused, as containerd does.
            metered.transferTo(OutputStream.nullOutputStream());
            writer.awaitAll();
            write(null, tree::finish);
            if (skipped > 0) {
                log.warn("layer {}: skipped {} device node/fifo/volume label entries (first: '{}'); the launcher never creates them",
                        layer, skipped, firstSkipped);
            }
            if (unknownTypes > 0) {
                log.warn("layer {}: {} entries of a type tar does not define (first: '{}', type '{}') were unpacked as regular"
                        + " files, as GNU tar does", layer, unknownTypes, FileNames.display(firstUnknown.name()),
                        FileNames.display(String.valueOf(firstUnknown.typeflag())));
            }
            return new UnpackStats(entries, bytes);
        }

        /**
         * Refuses the entry before any of it is written if it breaks a bound. A sparse file is bounded by its length
         * (a file of many gigabytes is a trap for every tool that copies the app later, holes or not), the layer by
         * what is really written, and the holes of its sparse files together by a bound of their own.
         */
        private void checkBounds(TarEntry entry) {
            String name = entry.name();
            if (++entries > limits.maxEntries()) {
                throw Refusal.limit(layer, name, "exceeds the limit of " + limits.maxEntries() + " entries per layer");
            }
            if (entry.size() > limits.maxEntryBytes()) {
                throw Refusal.limit(layer, name, "declares " + entry.size() + " bytes, above the limit of "
                        + limits.maxEntryBytes() + " bytes per entry");
            }
            if (entry.dataSize() > limits.maxTotalBytes() - bytes) {
                throw Refusal.limit(layer, name, "would bring the layer above the limit of "
                        + limits.maxTotalBytes() + " uncompressed bytes");
            }
            bytes += entry.dataSize();
            if (entry.sparse() != null) {
                // Holes cost nothing to write but as much as data to everything that reads the file later (the cache's
                // checksums, each app dir's copy): a million hole-only files of 4 GiB would each cost seconds.
                long holes = entry.size() - entry.dataSize();
                if (holes > limits.maxHoleBytes() - sparseHoles) {
                    throw Refusal.limit(layer, name, "would bring the holes of the layer's sparse files above the limit"
                            + " of " + limits.maxHoleBytes() + " bytes");
                }
                sparseHoles += holes;
            }
        }

        /** Writes one entry; the reader skips whatever content of it is not read here. */
        private void extract(TarEntry entry) throws IOException {
            String raw = entry.name();
            String name = EntryNames.normalize(raw, reason -> Refusal.entry(layer, raw, reason));
            FileTime mtime = entry.mtime();
            int mode = entry.mode();
            switch (entry.kind()) {
                case CHARACTER_DEVICE, BLOCK_DEVICE, FIFO, NOTHING -> {
                    skip(raw);
                    return;
                }
                default -> {}
            }
            if (name.isEmpty()) {
                if (entry.kind() != TarEntry.Kind.DIRECTORY) {
                    throw Refusal.entry(layer, raw, "names the layer root but is not a directory");
                }
                return; // the root belongs to the cache; its mode and mtime are not the layer's to set
            }
            String fileName = EntryNames.fileNameOf(name);
            if (Whiteouts.isWhiteout(fileName)) {
                if (!Whiteouts.isValid(fileName)) {
                    throw Refusal.entry(layer, raw, "is not a valid whiteout: it would hide '"
                            + FileNames.display(fileName.substring(Whiteouts.PREFIX.length())) + "', which names no entry");
                }
                writer.awaitAll(); // rare, and it may replace a directory holding queued files
                // Only the name matters; data of a whiteout would be meaningless.
                write(name, () -> {
                    tree.newFile(name).close();
                    tree.finishFile(name, WHITEOUT_MODE, mtime);
                });
                return;
            }
            switch (entry.kind()) {
                case HARD_LINK -> {
                    String rawTarget = entry.linkName();
                    String target = EntryNames.normalize(rawTarget, reason -> Refusal.entry(layer, raw,
                            "is a hard link whose target '" + FileNames.display(rawTarget) + "' " + reason));
                    if (!target.equals(name)) { // a link to itself changes nothing
                        writer.awaitAll(); // the target may be a queued file
                        write(name, () -> tree.hardLink(name, target));
                    }
                }
                case SYMLINK -> {
                    String target = entry.linkName();
                    if (target.isEmpty()) {
                        throw Refusal.entry(layer, raw, "is a symlink with an empty target");
                    }
                    if (target.length() > EntryNames.MAX_LINK_TARGET_BYTES) {
                        throw Refusal.entry(layer, raw, "is a symlink whose target is longer than the "
                                + EntryNames.MAX_LINK_TARGET_BYTES + " bytes Linux allows");
                    }
                    writer.awaitAll(); // it may replace a directory holding queued files
                    write(name, () -> tree.symlink(name, target, mtime));
                }
                case DIRECTORY -> {
                    if (writer.touchesPending(name) || tree.isSymlink(name)) {
                        writer.awaitAll();
                    }
                    write(name, () -> tree.directory(name, mode, mtime));
                }
                default -> {
                    if (entry.unknownType() && unknownTypes++ == 0) {
                        firstUnknown = entry;
                    }
                    writeFile(entry, name, mode, mtime);
                }
            }
        }

        private void writeFile(TarEntry entry, String name, int mode, FileTime mtime) throws IOException {
            // Replacing a directory deletes its files, queued ones too; a second write of a name races the first.
            if (writer.touchesPending(name) || tree.isDirectory(name) || tree.isSymlink(name)) {
                writer.awaitAll();
            }
            if (entry.sparse() != null) {
                writeSparse(entry, name, mode, mtime);
                return;
            }
            long size = entry.dataSize();
            if (writerThreads > 0 && size <= ParallelFileWriter.MAX_FILE_BYTES) {
                Path path = place(name);
                writer.submit(name, path, readContent((int) size), mode, mtime);
                return;
            }
            OutputStream out = open(name);
            boolean written = false;
            CRC32C crc = new CRC32C();
            try {
                int n;
                // Reads and writes fail for different reasons (bad archive vs. full cache), so they are kept apart.
                while ((n = tar.read(buffer, 0, buffer.length)) > 0) {
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

        /** Writes the runs of a sparse file where they go and leaves the holes unwritten. */
        private void writeSparse(TarEntry entry, String name, int mode, FileTime mtime) throws IOException {
            FileChannel[] opened = new FileChannel[1];
            write(name, () -> opened[0] = tree.newChannel(name));
            CRC32C crc = new CRC32C();
            long end = 0;
            long written = 0; // the file's length so far: GNU maps end with an empty run at the real size
            try (FileChannel out = opened[0]) {
                for (SparseFragment run : entry.sparse()) {
                    ContentSums.updateZeros(crc, run.offset() - end);
                    long at = run.offset();
                    long left = run.length();
                    while (left > 0) {
                        int n = tar.read(buffer, 0, (int) Math.min(buffer.length, left));
                        ByteBuffer data = ByteBuffer.wrap(buffer, 0, n);
                        try {
                            while (data.hasRemaining()) {
                                at += out.write(data, at);
                            }
                        } catch (IOException e) {
                            throw writeFailure(name, e);
                        }
                        crc.update(buffer, 0, n);
                        left -= n;
                    }
                    end = run.offset() + run.length();
                    if (run.length() > 0) {
                        written = end;
                    }
                }
            }
            // The reader's map ends at the file's length, with an empty run if the file ends in a hole.
            boolean trailingHole = written < entry.size();
            write(name, () -> {
                if (trailingHole) {
                    NativeFiles.truncate(tree.path(name), entry.size()); // the trailing hole
                }
                tree.finishFile(name, mode, mtime);
            });
            tree.sums().record(name, (int) crc.getValue());
        }

        /** Reads a small entry's whole content, for a writer thread. */
        private byte[] readContent(int size) throws IOException {
            byte[] data = new byte[size];
            int count = 0;
            while (count < size) {
                count += tar.read(data, count, size - count);
            }
            return data;
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
                firstSkipped = FileNames.display(raw);
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
                    + (name == null ? "layer " + layer : "entry '" + FileNames.display(name) + "' of layer " + layer)
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
