package dev.launcher.cli;

import dev.launcher.cache.CacheEntry;
import dev.launcher.cache.CacheGc;
import dev.launcher.cache.CacheListing;
import dev.launcher.cache.CacheStore;
import dev.launcher.cache.tree.CacheVerification;
import dev.launcher.config.ConfigResolver;
import dev.launcher.error.ExitCode;
import dev.launcher.supervise.RawEnvironment;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "cache", mixinStandardHelpOptions = true, description = "Inspect or trim the shared cache.",
        subcommands = {CacheCommand.Ls.class, CacheCommand.Gc.class, CacheCommand.Verify.class})
final class CacheCommand {
    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List cached blobs, layer trees and tags.")
    static final class Ls implements Callable<Integer> {
        @Option(names = "--cache", paramLabel = "DIR", description = "cache root (env LAUNCHER_CACHE)")
        String cache;

        @Override
        public Integer call() {
            try (CacheStore store = CacheStore.open(new ConfigResolver(RawEnvironment.current().text()).cacheRoot(cache))) {
                for (CacheEntry e : new CacheListing(store.paths()).entries()) {
                    System.out.printf(Locale.ROOT, "%-5s %12d  %-24s  %s%n", e.kind().name().toLowerCase(Locale.ROOT),
                            e.size(), e.lastUsed().truncatedTo(ChronoUnit.SECONDS), e.kind() == CacheEntry.Kind.REF
                                    ? e.name() + " -> " + e.digest() : e.name());
                }
            }
            return 0;
        }
    }

    @Command(name = "gc", mixinStandardHelpOptions = true,
            description = "Evict least-recently-used entries until the cache fits a size; entries in use are kept.")
    static final class Gc implements Callable<Integer> {
        @Option(names = "--cache", paramLabel = "DIR", description = "cache root (env LAUNCHER_CACHE)")
        String cache;

        @Option(names = "--max-size", paramLabel = "SIZE", required = true, converter = SizeConverter.class,
                description = "size to trim to, e.g. 500M, 2G")
        long maxBytes;

        @Override
        public Integer call() {
            try (CacheStore store = CacheStore.open(new ConfigResolver(RawEnvironment.current().text()).cacheRoot(cache))) {
                CacheGc.Result r = new CacheGc(store).collect(maxBytes);
                System.out.printf(Locale.ROOT, "evicted %d entries (%d bytes); kept %d (%d bytes), %d of them in use%n",
                        r.evicted(), r.evictedBytes(), r.kept(), r.keptBytes(), r.busy());
            }
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Read every cached layer tree back and compare it with its index; remove damaged ones."
                    + " Exit 0 if all were whole, 65 if any was damaged (the next start fetches it again).")
    static final class Verify implements Callable<Integer> {
        @Option(names = "--cache", paramLabel = "DIR", description = "cache root (env LAUNCHER_CACHE)")
        String cache;

        @Override
        public Integer call() {
            try (CacheStore store = CacheStore.open(new ConfigResolver(RawEnvironment.current().text()).cacheRoot(cache))) {
                CacheVerification.Result r = new CacheVerification(store).verifyAll(bad ->
                        System.out.printf(Locale.ROOT, "damaged layer tree %s: %s; removed%n", bad.name(), bad.damage()));
                System.out.printf(Locale.ROOT, "verified %d layer trees: %d whole, %d damaged%n",
                        r.verified() + r.damaged().size(), r.verified(), r.damaged().size());
                return r.damaged().isEmpty() ? 0 : ExitCode.INTEGRITY.code();
            }
        }
    }
}
