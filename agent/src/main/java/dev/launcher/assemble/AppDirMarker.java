package dev.launcher.assemble;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The file that says "the launcher owns this directory". It is there from the first write of an
 * assembly to the end, empty while the assembly runs and holding the caller's line once it is
 * complete, so a crash mid-way leaves a directory the next run may clear, and only a complete
 * assembly ever reads as one.
 */
final class AppDirMarker {
    static final String NAME = ".launcher-artifact";
    /** Where the next marker is written before it atomically replaces the old one. */
    static final String TEMP_NAME = ".launcher-artifact.tmp";

    private AppDirMarker() {}

    static boolean isReserved(String rootEntryName) {
        return rootEntryName.equals(NAME) || rootEntryName.equals(TEMP_NAME);
    }

    /** A regular file, not a link: the app may write into its dir and must not redirect the marker write. */
    static boolean isPresent(Path appDir) {
        return Files.isRegularFile(appDir.resolve(NAME), NOFOLLOW_LINKS);
    }

    static void markInProgress(Path appDir) throws IOException {
        replace(appDir, new byte[0]);
    }

    static void markComplete(Path appDir, String line) throws IOException {
        replace(appDir, (line + "\n").getBytes(UTF_8));
    }

    /** The line of a complete assembly; empty while one runs or if there is none. */
    static Optional<String> completedLine(Path appDir) throws IOException {
        if (!isPresent(appDir)) {
            return Optional.empty();
        }
        String content = Files.readString(appDir.resolve(NAME), UTF_8);
        if (!content.endsWith("\n") || content.length() < 2) {
            return Optional.empty();
        }
        return Optional.of(content.substring(0, content.length() - 1));
    }

    private static void replace(Path appDir, byte[] content) throws IOException {
        Path temp = appDir.resolve(TEMP_NAME);
        Files.deleteIfExists(temp); // a leftover of a crash; deleting a link removes the link only
        try (OutputStream out = Files.newOutputStream(temp, CREATE_NEW, WRITE, NOFOLLOW_LINKS)) {
            out.write(content);
        }
        // rename(2) replaces the directory entry itself, whatever it was, and never writes through it.
        Files.move(temp, appDir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
