package dev.launcher.config;

import dev.launcher.cache.CachePaths;
import dev.launcher.error.LauncherException;
import dev.launcher.oci.Reference;
import dev.launcher.oci.RegistrySettings;
import dev.launcher.supervise.ExitRemap;
import dev.launcher.supervise.SupervisorSettings;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Merges the environment with command-line flags (flags win) into one validated {@link LauncherConfig}.
 * Every check that can fail without the network happens here, so bad configuration exits 64 at once.
 */
public final class ConfigResolver {
    public static final String DEFAULT_CACHE = CachePaths.DEFAULT_ROOT.toString();
    public static final String DEFAULT_APP_DIR = "/app";

    private final Map<String, String> env;

    public ConfigResolver(Map<String, String> env) {
        this.env = env;
    }

    /** Values given on the command line; null means "not given". */
    public record Flags(
            String artifact,
            String runArgs,
            List<String> command,
            String cache,
            String appDir,
            String insecure,
            Boolean requireDigest,
            String caFile,
            String mode,
            String grace,
            String exitRemap,
            Boolean signalGroup) {
        /** Nothing given on the command line: the environment alone decides. */
        public static final Flags NONE = new Flags(null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** What the command is for: pulling needs an artifact; running may use an already assembled app dir. */
    public enum Purpose { RUN, PULL }

    public LauncherConfig resolve(Flags flags, Purpose purpose) {
        LauncherMode mode = purpose == Purpose.PULL ? LauncherMode.INIT : LauncherMode.parse(pick(flags.mode(), "LAUNCHER_MODE"));
        String artifactText = pick(flags.artifact(), "ARTIFACT");
        boolean runAsAssembled = (artifactText == null || artifactText.isBlank()) && mode != LauncherMode.INIT;
        Reference artifact = runAsAssembled ? null : Reference.parse(artifactText);
        boolean requireDigest = flags.requireDigest() != null ? flags.requireDigest() : truthy("LAUNCHER_REQUIRE_DIGEST");
        if (requireDigest && artifact != null && !artifact.isPinned()) {
            throw LauncherException.usage("artifact " + artifact + " is a tag but LAUNCHER_REQUIRE_DIGEST is set: "
                    + "reference it by digest (…@sha256:…)");
        }
        List<String> command = resolveCommand(flags);
        if (mode != LauncherMode.INIT && command.isEmpty()) {
            throw LauncherException.usage("no command to run: set RUNARGS (e.g. RUNARGS='node server.js') or pass it after --");
        }
        return new LauncherConfig(
                artifact,
                command,
                cacheRoot(flags.cache()),
                path(pickOr(flags.appDir(), "LAUNCHER_APP_DIR", DEFAULT_APP_DIR), "LAUNCHER_APP_DIR"),
                registrySettings(flags),
                mode,
                AssemblyMode.parse(pick(null, "LAUNCHER_ASSEMBLY")),
                new SupervisorSettings(grace(pick(flags.grace(), "LAUNCHER_GRACE")),
                        ExitRemap.parse(pick(flags.exitRemap(), "LAUNCHER_EXIT_REMAP")),
                        flags.signalGroup() != null ? flags.signalGroup() : truthy("LAUNCHER_SIGNAL_GROUP")));
    }

    private static Duration grace(String value) {
        return seconds(value, "LAUNCHER_GRACE", SupervisorSettings.DEFAULT_GRACE, false);
    }

    /** A duration given in seconds, decimals allowed ("25", "2.5"); the default when unset. */
    private static Duration seconds(String value, String variable, Duration fallback, boolean positive) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            Duration duration = Duration.ofMillis(Math.round(Double.parseDouble(value.strip()) * 1000));
            if (!duration.isNegative() && !(positive && duration.isZero())) {
                return duration;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw LauncherException.usage(variable + "='" + value + "' is not a" + (positive ? " positive" : "")
                + " number of seconds such as 25 or 2.5");
    }

    public RegistrySettings registrySettings(Flags flags) {
        Path caFile = null;
        String ca = pick(flags.caFile(), "LAUNCHER_CA_FILE");
        if (ca != null && !ca.isBlank()) {
            caFile = path(ca, "LAUNCHER_CA_FILE");
            if (!Files.isReadable(caFile)) {
                throw LauncherException.usage("LAUNCHER_CA_FILE " + caFile + " is not a readable file: mount the PEM bundle there");
            }
        }
        String dockerConfig = env.get("DOCKER_CONFIG");
        return new RegistrySettings(
                insecureList(pick(flags.insecure(), "LAUNCHER_INSECURE")),
                caFile,
                dockerConfig == null || dockerConfig.isBlank() ? null : Path.of(dockerConfig),
                seconds(env.get("LAUNCHER_PULL_DEADLINE"), "LAUNCHER_PULL_DEADLINE", RegistrySettings.DEFAULT_PULL_DEADLINE, true),
                seconds(env.get("LAUNCHER_IDLE_TIMEOUT"), "LAUNCHER_IDLE_TIMEOUT", RegistrySettings.DEFAULT_IDLE_TIMEOUT, true));
    }

    public Path cacheRoot(String flag) {
        return path(pickOr(flag, "LAUNCHER_CACHE", DEFAULT_CACHE), "LAUNCHER_CACHE");
    }

    private List<String> resolveCommand(Flags flags) {
        if (flags.command() != null && !flags.command().isEmpty()) {
            if (flags.runArgs() != null) {
                throw LauncherException.usage("both --runargs and a command after -- were given: give the command once");
            }
            return flags.command();
        }
        return RunArgs.parse(pick(flags.runArgs(), "RUNARGS"));
    }

    private static Set<String> insecureList(String value) {
        Set<String> hosts = new LinkedHashSet<>();
        if (value == null) {
            return hosts;
        }
        for (String host : value.split(",")) {
            String h = host.strip();
            if (h.isEmpty()) {
                continue;
            }
            if (h.contains("/") || h.contains(" ")) {
                throw LauncherException.usage("LAUNCHER_INSECURE entry '" + h + "' must be host:port, without scheme or path");
            }
            hosts.add(h);
        }
        return hosts;
    }

    private String pick(String flag, String variable) {
        return flag != null ? flag : env.get(variable);
    }

    private String pickOr(String flag, String variable, String fallback) {
        String value = pick(flag, variable);
        return value == null || value.isBlank() ? fallback : value;
    }

    private boolean truthy(String variable) {
        String value = env.get(variable);
        if (value == null || value.isBlank()) {
            return false;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes", "on" -> true;
            case "0", "false", "no", "off" -> false;
            default -> throw LauncherException.usage(variable + "='" + value + "' is not a boolean: use true or false");
        };
    }

    private static Path path(String value, String variable) {
        try {
            return Path.of(value).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw LauncherException.usage(variable + "='" + value + "' is not a valid path: " + e.getMessage());
        }
    }
}
