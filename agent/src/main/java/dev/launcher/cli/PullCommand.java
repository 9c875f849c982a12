package dev.launcher.cli;

import dev.launcher.Launcher;
import dev.launcher.config.ConfigResolver;
import dev.launcher.error.LauncherException;
import dev.launcher.supervise.RawEnvironment;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "pull", mixinStandardHelpOptions = true,
        description = "Fetch, verify and assemble the artifact into a directory, then exit (no run).")
final class PullCommand implements Callable<Integer> {
    @Mixin
    CommonOptions options;

    @Option(names = "--into", paramLabel = "DIR", description = "directory to assemble into (default: the app dir)")
    String into;

    @Override
    public Integer call() {
        if (into != null) {
            if (options.appDir != null && !Path.of(options.appDir).toAbsolutePath().normalize()
                    .equals(Path.of(into).toAbsolutePath().normalize())) {
                throw LauncherException.usage("--into " + into + " and --app-dir " + options.appDir
                        + " name different directories: give one of them");
            }
            options.appDir = into;
        }
        var config = new ConfigResolver(RawEnvironment.current().text()).resolve(options.flags(null, null), ConfigResolver.Purpose.PULL);
        return Launcher.create(config).run();
    }
}
