package dev.launcher.unpack;

import dev.launcher.cache.tree.ContentSums;
import dev.launcher.error.LauncherException;
import dev.launcher.fs.FileNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores a layer that is not an archive (a jar, a config file pushed with {@code oras push
 * file:type}) as the single file its {@code org.opencontainers.image.title} annotation names.
 * The title comes from the manifest, so it is held to the same rules as a tar entry name.
 */
public final class FileLayerWriter {
    private static final Logger log = LoggerFactory.getLogger(FileLayerWriter.class);
    private static final int FILE_MODE = 0644;
    private static final int BUFFER = 64 * 1024;

    private final UnpackLimits limits;

    public FileLayerWriter(UnpackLimits limits) {
        this.limits = limits;
    }

    public FileLayerWriter() {
        this(UnpackLimits.defaults());
    }

    /**
     * Writes {@code content} to {@code emptyTargetDir/title} with mode 0644.
     *
     * @param content        the blob; read to its end, not closed
     * @param emptyTargetDir an existing empty directory; empty again if this throws
     * @param title          a relative path such as {@code app.jar} or {@code lib/app.jar}
     * @throws dev.launcher.error.UnsafeArchiveException if the title is unsafe or the content exceeds the limits
     */
    public UnpackStats write(InputStream content, Path emptyTargetDir, String title) {
        return write(content, emptyTargetDir, title, new ContentSums());
    }

    /** As {@link #write(InputStream, Path, String)}, recording the file's CRC32C in {@code sums}. */
    public UnpackStats write(InputStream content, Path emptyTargetDir, String title, ContentSums sums) {
        String layer = "titled '" + title + "'";
        // The title is text from the manifest; the file is named by its UTF-8 bytes, whatever the locale.
        String name = EntryNames.normalize(FileNames.fromText(title), reason -> Refusal.entry(layer, title, reason));
        if (name.isEmpty()) {
            throw Refusal.entry(layer, title, "is not a file name");
        }
        if (Whiteouts.isWhiteout(EntryNames.fileNameOf(name))) {
            throw Refusal.entry(layer, title, "has a name reserved for OCI whiteouts");
        }
        ExtractedTree.requireEmpty(emptyTargetDir, layer);
        long allowed = Math.min(limits.maxEntryBytes(), limits.maxTotalBytes());
        boolean complete = false;
        try {
            ExtractedTree tree = new ExtractedTree(emptyTargetDir, layer, sums);
            long count = 0;
            CRC32C crc = new CRC32C();
            try (OutputStream out = tree.newFile(name)) {
                byte[] buffer = new byte[BUFFER];
                int n;
                while ((n = content.read(buffer)) > 0) {
                    count += n;
                    if (count > allowed) {
                        throw Refusal.limit(layer, title, "is larger than the limit of " + allowed + " bytes");
                    }
                    out.write(buffer, 0, n);
                    crc.update(buffer, 0, n);
                }
            }
            Files.setPosixFilePermissions(FileNames.resolve(emptyTargetDir, name), PosixModes.permissions(FILE_MODE));
            tree.finish();
            sums.record(name, (int) crc.getValue());
            complete = true;
            log.debug("stored single-file layer as {} ({} bytes)", FileNames.display(name), count);
            return new UnpackStats(1, count);
        } catch (IOException e) {
            throw LauncherException.cacheIo("storing the layer " + layer + " in " + emptyTargetDir + " failed: " + e
                    + "; check free space and permissions of the cache directory", e);
        } finally {
            if (!complete) {
                ExtractedTree.discard(emptyTargetDir, layer);
            }
        }
    }
}
