package dev.launcher.cli;

import dev.launcher.config.ConfigResolver;
import java.util.List;
import picocli.CommandLine.Option;

/** The flags that mirror environment variables; a flag wins over its variable. */
final class CommonOptions {
    @Option(names = "--artifact", paramLabel = "REF", description = "OCI reference, tag and/or @sha256 digest (env ARTIFACT)")
    String artifact;

    @Option(names = "--runargs", paramLabel = "CMD", description = "command: JSON array or shell-style words (env RUNARGS)")
    String runArgs;

    @Option(names = "--cache", paramLabel = "DIR", description = "cache root (env LAUNCHER_CACHE, default /var/cache/launcher)")
    String cache;

    @Option(names = "--app-dir", paramLabel = "DIR", description = "app directory (env LAUNCHER_APP_DIR, default /app)")
    String appDir;

    @Option(names = "--insecure", paramLabel = "HOST:PORT,...", description = "registries reached over plain HTTP (env LAUNCHER_INSECURE)")
    String insecure;

    @Option(names = "--require-digest", arity = "0..1", fallbackValue = "true", description = "refuse tag references (env LAUNCHER_REQUIRE_DIGEST)")
    Boolean requireDigest;

    @Option(names = "--ca-file", paramLabel = "PEM", description = "extra CA certificates for registries (env LAUNCHER_CA_FILE)")
    String caFile;

    ConfigResolver.Flags flags(List<String> command, SupervisionOptions supervision) {
        SupervisionOptions s = supervision == null ? new SupervisionOptions() : supervision;
        return new ConfigResolver.Flags(artifact, runArgs, command, cache, appDir, insecure, requireDigest, caFile,
                s.mode, s.grace, s.exitRemap, s.signalGroup);
    }
}
