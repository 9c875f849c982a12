package dev.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class MainTest {
    @Test
    void runIsTheDefaultSubcommand() {
        assertArrayEquals(new String[] {"run"}, Main.withDefaultSubcommand(new String[0]));
        assertArrayEquals(new String[] {"run", "--", "node", "x.js"}, Main.withDefaultSubcommand(new String[] {"--", "node", "x.js"}));
        assertArrayEquals(new String[] {"run", "--artifact", "r/a:1"}, Main.withDefaultSubcommand(new String[] {"--artifact", "r/a:1"}));
        assertArrayEquals(new String[] {"pull", "--into", "d"}, Main.withDefaultSubcommand(new String[] {"pull", "--into", "d"}));
        assertArrayEquals(new String[] {"--version"}, Main.withDefaultSubcommand(new String[] {"--version"}));
    }

    @Test
    void versionAndHelpExitZero() {
        var out = new StringWriter();
        var cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute("--version"));
        assertTrue(out.toString().startsWith("launcher "), out.toString());
        assertEquals(0, cli.execute("--help"));
        assertTrue(out.toString().contains("push"), out.toString());
    }

    @Test
    void unknownOptionIsOneLineAndExit64() {
        var err = new StringWriter();
        var cli = Main.commandLine();
        cli.setErr(new PrintWriter(err));
        assertEquals(64, cli.execute(Main.withDefaultSubcommand(new String[] {"--no-such-flag"})));
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertTrue(err.toString().startsWith("launcher: "), err.toString());
    }

    @Test
    void knownFailureIsOneLineWithItsExitCode() {
        var err = new StringWriter();
        var cli = Main.commandLine();
        cli.setErr(new PrintWriter(err));
        // No ARTIFACT in this JVM's environment is assumed; the flag makes it explicit and malformed.
        assertEquals(64, cli.execute("run", "--artifact", "UPPER/Case", "--", "true"));
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertTrue(err.toString().contains("invalid artifact reference 'UPPER/Case'"), err.toString());
    }
}
