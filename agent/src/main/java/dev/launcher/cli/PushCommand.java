package dev.launcher.cli;

import dev.launcher.config.ConfigResolver;
import dev.launcher.oci.Reference;
import dev.launcher.push.ArtifactPusher;
import dev.launcher.push.PackRecords;
import dev.launcher.supervise.RawEnvironment;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "push", mixinStandardHelpOptions = true,
        description = {"Package directories and files as an artifact and push it; prints the manifest digest.",
            "A directory's contents land at the root of the app dir; a file lands under its own name."})
final class PushCommand implements Callable<Integer> {
    @Mixin
    CommonOptions options;

    @Parameters(index = "0", paramLabel = "REF", description = "where to push, e.g. registry:5000/team/app:1.0")
    String reference;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "PATH", description = "directories and files to package")
    List<Path> paths;

    @Override
    public Integer call() {
        var environment = RawEnvironment.current().text();
        var resolver = new ConfigResolver(environment);
        Reference ref = Reference.parse(reference);
        var pusher = new ArtifactPusher(resolver.registrySettings(options.flags(null, null)), PackRecords.fromEnvironment(environment));
        System.out.println(pusher.push(ref, paths));
        return 0;
    }
}
