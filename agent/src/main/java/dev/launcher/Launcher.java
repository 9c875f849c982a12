package dev.launcher;

import dev.launcher.assemble.AppAssembler;
import dev.launcher.cache.CacheStore;
import dev.launcher.cache.Lease;
import dev.launcher.config.LauncherConfig;
import dev.launcher.fetch.BlobFetcher;
import dev.launcher.fetch.TransferProgress;
import dev.launcher.oci.Descriptor;
import dev.launcher.oci.Digest;
import dev.launcher.oci.RegistryClient;
import dev.launcher.registry.RegistryReader;
import dev.launcher.resolve.ManifestResolver;
import dev.launcher.resolve.PlatformSelector;
import dev.launcher.resolve.ResolvedArtifact;
import dev.launcher.error.LauncherException;
import dev.launcher.supervise.PosixExec;
import dev.launcher.supervise.RawEnvironment;
import dev.launcher.supervise.Reaper;
import dev.launcher.supervise.Supervisor;
import dev.launcher.supervise.SupervisionSetup;
import dev.launcher.supervise.SupervisorHandover;
import dev.launcher.unpack.CachedLayerTrees;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the stages in order: resolve → fetch + verify + unpack (one pass) → assemble → supervise. */
public final class Launcher {
    private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);
    private final LauncherConfig config;
    private final StageClock clock = new StageClock();
    private final boolean handOver;

    private Launcher(LauncherConfig config, boolean handOver) {
        this.config = config;
        this.handOver = handOver;
    }

    /** In run mode, hands the process over to the supervising JVM once the app dir is ready. */
    public static Launcher create(LauncherConfig config) {
        return new Launcher(config, true);
    }

    /** Supervises the app in this JVM: for the build's AOT training, which runs several starts in one process. */
    public static Launcher supervisingInThisJvm(LauncherConfig config) {
        return new Launcher(config, false);
    }

    /**
     * Prepares the app dir, then runs, hands over to, or leaves the app as the mode says. Until the app
     * is spawned the JVM keeps its own TERM/INT handling on purpose: a stop during the pull exits at once
     * with 143, and the cache's shutdown hook removes our temp files.
     */
    public int run() {
        SupervisionSetup setup = SupervisionSetup.begin();
        Path appDir = config.artifactToPull().isPresent() ? prepare() : assembledAppDir();
        Reaper reaper = setup.awaitReaper();
        return switch (config.mode()) {
            case INIT -> 0;
            case EXEC -> {
                clock.report("start", 0, "exec " + config.command().getFirst());
                PosixExec.chdir(appDir);
                PosixExec.execve(config.command().getFirst(), config.command(), RawEnvironment.current());
                throw new IllegalStateException("execve returned");
            }
            case RUN -> supervise(appDir, reaper);
        };
    }

    private int supervise(Path appDir, Reaper reaper) {
        LongConsumer started = startNanos -> clock.report("start", System.nanoTime() - startNanos,
                config.command().getFirst());
        Supervisor supervisor = new Supervisor(config.supervision());
        Optional<SupervisorHandover> handover = handOver ? SupervisorHandover.available() : Optional.empty();
        if (handover.isPresent()) {
            return supervisor.runHandingOver(reaper, handover.get(), config.command(), appDir, RawEnvironment.current(),
                    started);
        }
        return supervisor.run(reaper, config.command(), appDir, RawEnvironment.current(), started);
    }

    /** No artifact given: the app dir must hold a complete assembly, e.g. from an init container. */
    private Path assembledAppDir() {
        String marker = AppAssembler.assembledContent(config.appDir()).orElseThrow(() -> LauncherException.usage(
                "ARTIFACT is not set and " + config.appDir() + " holds no assembled app: set ARTIFACT, or let an init"
                        + " container (LAUNCHER_MODE=init) pull into it first"));
        LOG.info("no ARTIFACT given; running {} as assembled from {}", config.appDir(), marker);
        return config.appDir();
    }

    /** Resolves, fetches, verifies, unpacks and assembles; returns the ready app dir. */
    private Path prepare() {
        AppAssembler.requireWritable(config.appDir());
        try (CacheStore cache = CacheStore.open(config.cacheRoot())) {
            RegistryReader registry = new RegistryReader(new RegistryClient(config.registries()), config.registries());
            ResolvedArtifact artifact = clock.time("resolve", () ->
                    new ManifestResolver(registry, cache, PlatformSelector.current()).resolve(config.artifact()));
            List<Lease> leases = leaseEverything(cache, artifact.manifest().layers());
            try {
                List<Path> trees = pullLayers(cache, registry, artifact);
                clock.time("assemble", () -> {
                    new AppAssembler().assemble(trees, config.appDir(), artifact.pinned().toString(), config.assembly());
                    return config.appDir();
                });
                return config.appDir();
            } finally {
                leases.forEach(Lease::close);
            }
        }
    }

    /** Leases keep a concurrent `cache gc` off every entry we use, from lookup until the app dir is assembled. */
    private static List<Lease> leaseEverything(CacheStore cache, List<Descriptor> layers) {
        Set<Digest> digests = new LinkedHashSet<>();
        for (Descriptor layer : layers) {
            digests.add(layer.digest());
            digests.add(CachedLayerTrees.treeKey(layer));
        }
        List<Lease> leases = new ArrayList<>();
        for (Digest digest : digests) {
            leases.add(cache.lease(digest));
        }
        return leases;
    }

    /** Each layer's tree, pulled in one pass where missing: download, verify and unpack together. */
    private List<Path> pullLayers(CacheStore cache, RegistryReader registry, ResolvedArtifact artifact) {
        List<Descriptor> layers = artifact.manifest().layers();
        BlobFetcher fetcher = new BlobFetcher(registry, cache, TransferProgress.stderrIsTerminal());
        CachedLayerTrees trees = new CachedLayerTrees(cache);
        List<Path> result = clock.time("pull", () -> inParallel(layers.size(), i -> trees.ensure(layers.get(i),
                unpack -> fetcher.feed(artifact.pinned(), layers.get(i), unpack))));
        clock.report("verify", fetcher.hashNanos(), fetcher.downloadedBytes() + " bytes hashed while unpacking");
        return result;
    }

    private static <T> List<T> inParallel(int count, IntFunction<T> work) {
        if (count <= 1) {
            return count == 0 ? List.of() : List.of(work.apply(0));
        }
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                futures.add(pool.submit(() -> work.apply(index)));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(join(future));
            }
            return results;
        }
    }

    private static <T> T join(Future<T> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing the app", e);
        }
    }
}
