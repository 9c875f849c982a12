package dev.launcher.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the launcher tells the supervising JVM it execs into, and which signals that JVM takes from the queue. */
class SupervisorHandoverTest {

    @Test
    void theAdoptedAppItsSettingsAndTheGraceLeftComeThroughTheCommandLine() {
        var settings = new SupervisorSettings(Duration.ofMillis(2500), new ExitRemap(Map.of(143, 0, 130, 2)), true);
        var sent = new SupervisorArgs(4242, Terminal.NONE, settings, 1200);

        List<String> args = sent.toArgs();
        var received = SupervisorArgs.parse(args.toArray(String[]::new));

        assertEquals(4242, received.appPid());
        assertSame(Terminal.NONE, received.terminal());
        assertEquals(settings, received.settings());
        assertEquals(1200, received.graceLeftMillis());
        assertTrue(args.stream().allMatch(arg -> arg.chars().allMatch(c -> c >= 0x20 && c < 0x7f)),
                "printable ASCII only, whatever the locale decodes arguments as: " + args);
    }

    @Test
    void noRemapAndNoStopAskedAreSaidToo() {
        var settings = new SupervisorSettings(SupervisorSettings.DEFAULT_GRACE, ExitRemap.NONE, false);
        var received = SupervisorArgs.parse(new SupervisorArgs(7, Terminal.NONE, settings, -1).toArgs()
                .toArray(String[]::new));
        assertEquals(settings, received.settings());
        assertEquals(-1, received.graceLeftMillis());
    }

    @Test
    void theTerminalsSettingsTravelAsHexAndComeBackTheSame() {
        Terminal none = Terminal.decode(Terminal.NONE.encode());
        assertSame(Terminal.NONE, none);
        Terminal held = Terminal.decode("12:00ff10");
        assertEquals("12:00ff10", held.encode());
        assertEquals("0:", Terminal.decode("0:").encode(), "a terminal whose settings could not be read");
    }

    @Test
    void aWrongCommandLineSaysWhatItExpects() {
        var e = assertThrows(IllegalArgumentException.class, () -> SupervisorArgs.parse(new String[] {"1", "-"}));
        assertTrue(e.getMessage().contains("APP_PID"), e.getMessage());
    }

    @Test
    void theSupervisorsClassPathIsTheLaunchersJarAndSlf4jOnly() {
        String launcher = String.join(":", "/opt/launcher/lib/bcprov-jdk18on-1.84.jar", "/opt/launcher/lib/launcher.jar",
                "/opt/launcher/lib/jackson-core-3.2.0.jar", "/opt/launcher/lib/slf4j-api-2.0.18.jar",
                "/opt/launcher/lib/slf4j-simple-2.0.17.jar", "/opt/launcher/lib/zstd-jni-1.5.7-28.jar");
        assertEquals("/opt/launcher/lib/launcher.jar:/opt/launcher/lib/slf4j-api-2.0.18.jar:"
                + "/opt/launcher/lib/slf4j-simple-2.0.17.jar", SupervisorHandover.supervisorClassPath(launcher));
    }

    @Test
    void everyCatchableSignalIsTakenButTheJvmsOwnAndChld() {
        List<Integer> taken = SignalWait.TAKEN;
        for (int jvms : List.of(4, 7, 8, 11)) {
            assertFalse(taken.contains(jvms), "ILL, BUS, FPE and SEGV stay HotSpot's: " + jvms);
        }
        assertFalse(taken.contains(17), "CHLD is the reaper's");
        assertTrue(taken.contains(3), "QUIT");
        assertTrue(taken.containsAll(List.of(34, 40, 64)), "the real-time signals");
        assertFalse(taken.contains(32) || taken.contains(33), "glibc's own");
        assertEquals(64 - 9, taken.size());
    }
}
