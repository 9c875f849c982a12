package dev.launcher.cli;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * A known failure is one line on stderr and its exit code; an unknown one is a bug and keeps its
 * stack trace (exit 70, EX_SOFTWARE).
 */
final class FailureHandler implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
    static final int SOFTWARE = 70;

    @Override
    public int handleExecutionException(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        return report(e, cli.getErr());
    }

    static int report(Exception e, PrintWriter err) {
        LauncherException known = known(e);
        if (known != null) {
            err.println("launcher: " + known.getMessage());
            return known.exitCode().code();
        }
        err.println("launcher: internal error, please report it with this trace:");
        e.printStackTrace(err);
        err.flush();
        return SOFTWARE;
    }

    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        cli.getErr().println("launcher: " + e.getMessage() + " (see 'launcher " + cli.getCommandName() + " --help')");
        return ExitCode.USAGE.code();
    }

    private static LauncherException known(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof LauncherException l) {
                return l;
            }
        }
        return null;
    }
}
