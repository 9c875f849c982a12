package dev.launcher.cli;

import dev.launcher.Launcher;
import dev.launcher.config.ConfigResolver;
import dev.launcher.supervise.RawEnvironment;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point. With no subcommand it runs: the image's ENTRYPOINT is just {@code launcher}. */
@Command(
        name = "launcher",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Pulls an app shipped as an OCI artifact, verifies it by digest, caches it and runs it.",
        footer = {"", "Without a subcommand, 'run' is assumed. Exit codes: see the README."})
public final class Main {
    private static final Set<String> TOP_LEVEL = Set.of("run", "pull", "push", "cache", "help", "-h", "--help", "-V", "--version");

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        if (args.length == 0) {
            return runFromEnvironment();
        }
        String[] withSubcommand = withDefaultSubcommand(args);
        return commandLine(withSubcommand[0]).execute(withSubcommand);
    }

    /**
     * The ENTRYPOINT case, `launcher` with only environment variables, skips picocli: building its
     * command model by reflection took 0.3 to 0.7 s of every container start.
     */
    static int runFromEnvironment() {
        try {
            var config = new ConfigResolver(RawEnvironment.current().text()).resolve(ConfigResolver.Flags.NONE, ConfigResolver.Purpose.RUN);
            return Launcher.create(config).run();
        } catch (Exception e) {
            return FailureHandler.report(e, new PrintWriter(System.err, true));
        }
    }

    /** Every subcommand, for help and for tests. */
    static CommandLine commandLine() {
        return commandLine("help");
    }

    /**
     * Picocli builds the model of every subcommand it is given, by reflection: for a push that was 0.1 s. So a
     * known subcommand gets only its own; anything else (help, a typo) gets them all, to list them.
     */
    static CommandLine commandLine(String subcommand) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new FailureHandler());
        cli.setParameterExceptionHandler(new FailureHandler());
        Map<String, Supplier<Object>> all = new LinkedHashMap<>();
        all.put("run", RunCommand::new);
        all.put("pull", PullCommand::new);
        all.put("push", PushCommand::new);
        all.put("cache", CacheCommand::new);
        if (all.containsKey(subcommand)) {
            cli.addSubcommand(subcommand, all.get(subcommand).get());
        } else {
            all.forEach((name, command) -> cli.addSubcommand(name, command.get()));
            cli.addSubcommand("help", new CommandLine.HelpCommand());
        }
        return cli;
    }

    static String[] withDefaultSubcommand(String[] args) {
        if (args.length > 0 && TOP_LEVEL.contains(args[0])) {
            return args;
        }
        List<String> withRun = new ArrayList<>(List.of("run"));
        withRun.addAll(List.of(args));
        return withRun.toArray(String[]::new);
    }
}
