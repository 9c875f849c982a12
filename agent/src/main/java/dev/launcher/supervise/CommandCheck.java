package dev.launcher.supervise;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tells "not found" (127) from "not executable" (126) before spawning, as a shell does: the JDK's
 * spawn error only carries an errno inside a message whose wording changes between releases.
 */
final class CommandCheck {
    private CommandCheck() {}

    static void requireRunnable(String command, Path workDir, String pathVariable) {
        if (command.contains("/")) {
            check(workDir.resolve(command), command, "in " + workDir);
            return;
        }
        for (String dir : (pathVariable == null ? "" : pathVariable).split(File.pathSeparator)) {
            Path candidate = (dir.isEmpty() ? workDir : workDir.resolve(dir)).resolve(command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return;
            }
        }
        throw new LauncherException(ExitCode.COMMAND_NOT_FOUND, "command '" + command
                + "' not found on PATH: check RUNARGS, or use ./" + command + " for a file in the app dir");
    }

    private static void check(Path file, String command, String where) {
        if (!Files.exists(file)) {
            throw new LauncherException(ExitCode.COMMAND_NOT_FOUND, "command '" + command + "' not found " + where
                    + ": check RUNARGS and the artifact's content");
        }
        if (Files.isDirectory(file) || !Files.isExecutable(file)) {
            throw new LauncherException(ExitCode.NOT_EXECUTABLE, "command '" + command + "' " + where
                    + " is not an executable file: give it mode 0755 before pushing, or run it through its interpreter");
        }
    }
}
