package dev.launcher.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunArgsTest {
    @Test
    void jsonArrayGivesExactArgv() {
        assertEquals(List.of("node", "server.js", "a b", "$HOME"), RunArgs.parse("[\"node\",\"server.js\",\"a b\",\"$HOME\"]"));
    }

    @Test
    void jsonEscapesAndWhitespace() {
        assertEquals(List.of("a\"b", "c\\d", "e\nf", "\u00e9", "/"), RunArgs.parse(" [ \"a\\\"b\" , \"c\\\\d\",\"e\\nf\",\"\\u00e9\",\"\\/\" ] "));
    }

    @Test
    void shellWordsHonourQuotesAndBackslashesWithoutExpansion() {
        assertEquals(List.of("php", "-S", "0.0.0.0:8080", "-t", "pub lic"), RunArgs.parse("php -S 0.0.0.0:8080 -t 'pub lic'"));
        assertEquals(List.of("echo", "a \"b\"", "$HOME", "c d", ""), RunArgs.parse("echo \"a \\\"b\\\"\" $HOME c\\ d ''"));
        assertEquals(List.of("sh", "-c", "echo $1 && exit 3"), RunArgs.parse("sh -c 'echo $1 && exit 3'"));
    }

    @Test
    void emptyMeansNoCommand() {
        assertEquals(List.of(), RunArgs.parse(null));
        assertEquals(List.of(), RunArgs.parse("   "));
    }

    @Test
    void malformedInputIsAUsageError() {
        for (String bad : new String[] {"[\"node\", 1]", "[\"unclosed\"", "[]", "echo 'unclosed", "echo \\", "[\"a\"] x", "[\"a\",]", "[\"\\x\"]", "[\"\\u12\"]", "[\"a\" \"b\"]"}) {
            LauncherException e = assertThrows(LauncherException.class, () -> RunArgs.parse(bad), bad);
            assertEquals(ExitCode.USAGE, e.exitCode(), bad);
        }
    }
}
