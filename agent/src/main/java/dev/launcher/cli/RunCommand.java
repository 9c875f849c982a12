package dev.launcher.cli;

import dev.launcher.Launcher;
import dev.launcher.config.ConfigResolver;
import dev.launcher.supervise.RawEnvironment;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Pull, verify, cache and assemble the artifact, then run the command in the app dir (the default).",
            "Without ARTIFACT, an app dir assembled earlier (by an init container) is run as it is."})
final class RunCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    @Mixin
    SupervisionOptions supervision;

    @Parameters(paramLabel = "CMD", arity = "0..*", description = "command to run instead of RUNARGS (after --)")
    List<String> command;

    @Override
    public Integer call() {
        var config = new ConfigResolver(RawEnvironment.current().text()).resolve(options.flags(command, supervision), ConfigResolver.Purpose.RUN);
        return Launcher.create(config).run();
    }
}
