package dev.launcher.supervise;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.BufferedReader;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives back the file pages the supervising JVM's start mapped in: most of libjvm's code (class loading, linking,
 * bytecode generation for the FFM calls), the runtime's module image and class data it read: 45 MB resident
 * before, 28 MB after. The supervisor then sleeps for the app's whole life and touches a small part of them
 * again; the kernel maps those back from the page cache on demand, as it would after reclaiming them under memory
 * pressure.
 *
 * <p>Only mappings that are read-only, backed by a file and hold no private copy of a page are dropped
 * (madvise MADV_DONTNEED): such a page is exactly the file's content, so dropping it loses nothing. A read-only
 * mapping with private copies (the relocated data of a shared library) is left alone, whatever it holds.
 */
final class StartupPages {
    private static final Logger LOG = LoggerFactory.getLogger(StartupPages.class);
    private static final int MADV_DONTNEED = 4;
    private static final Path SMAPS = Path.of("/proc/self/smaps");
    private static final MethodHandle MADVISE = Posix.handle("madvise",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));

    private StartupPages() {}

    /**
     * Drops them from a thread of its own, once the app has run for half a second: an app that is done by then
     * (a job, a crash) does not wait for it.
     */
    static void releaseSoon() {
        Thread.ofPlatform().name("release").daemon().start(() -> {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
            release();
        });
    }

    /** Drops what it can; any failure only leaves the pages resident. */
    static void release() {
        long released = 0;
        try (BufferedReader smaps = Files.newBufferedReader(SMAPS, StandardCharsets.ISO_8859_1)) {
            Mapping mapping = null;
            for (String line = smaps.readLine(); line != null; line = smaps.readLine()) {
                Mapping next = Mapping.parse(line);
                if (next != null) {
                    mapping = next;
                } else if (mapping != null && line.startsWith("Anonymous:")) {
                    if (mapping.droppable() && line.substring("Anonymous:".length()).strip().equals("0 kB")
                            && (int) MADVISE.invokeExact(mapping.start(), mapping.end() - mapping.start(), MADV_DONTNEED) == 0) {
                        released += mapping.end() - mapping.start();


                    }
                    mapping = null;
                }
            }
        } catch (Throwable e) {
            LOG.debug("could not give back the start's pages: {}", e.toString());
        }
        LOG.debug("gave back up to {} KiB of read-only file mappings", released / 1024);

    }

    /** One mapping's header line of smaps: {@code start-end perms offset dev inode [path]}. */
    private record Mapping(long start, long end, String perms, String path) {
        static Mapping parse(String line) {
            String[] fields = line.split("\\s+", 6);
            int dash = fields[0].indexOf('-');
            if (fields.length < 5 || dash <= 0 || fields[1].length() != 4) {
                return null; // a "Key: value" line
            }
            try {
                return new Mapping(Long.parseUnsignedLong(fields[0], 0, dash, 16),
                        Long.parseUnsignedLong(fields[0], dash + 1, fields[0].length(), 16), fields[1],
                        fields.length == 6 ? fields[5] : "");
            } catch (NumberFormatException e) {
                return null;
            }
        }

        boolean droppable() {
            return path.startsWith("/") && perms.charAt(1) != 'w';
        }
    }
}
