package dev.launcher.supervise;

import java.lang.reflect.Field;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of our children the JDK itself waits for (ProcessBuilder children, such as the credential
 * helpers oras-java runs): the reaper must leave their exit status to the JDK, or the JDK reads ECHILD
 * and reports a wrong code. The JDK keeps one "completion" per pid it waits on; we read that map.
 */
final class JdkChildren {
    private static final Logger LOG = LoggerFactory.getLogger(JdkChildren.class);
    private static final Map<?, ?> COMPLETIONS = completions();

    private JdkChildren() {}

    /** True when the JDK waits on {@code pid}; false when it does not or we cannot tell (see {@link #canTell}). */
    static boolean owns(long pid) {
        return COMPLETIONS != null && COMPLETIONS.containsKey(pid);
    }

    static boolean canTell() {
        return COMPLETIONS != null;
    }

    private static Map<?, ?> completions() {
        try {
            Field field = Class.forName("java.lang.ProcessHandleImpl").getDeclaredField("completions");
            field.setAccessible(true);
            return (Map<?, ?>) field.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Needs --add-opens java.base/java.lang=ALL-UNNAMED (bin/launcher passes it).
            LOG.debug("cannot see the JDK's own children ({}); orphans are reaped only after a delay", e.toString());
            return null;
        }
    }
}
