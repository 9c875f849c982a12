package dev.launcher.supervise;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * What the launcher needs before it can spawn the app, begun at once on a thread of its own: taking up reaping,
 * the reaper, and linking the native calls for spawning and the terminal. Linking runs in the interpreter at first
 * and took about 60 ms of a warm start; prepared beside the cache lookup and assembly, it costs the start nothing
 * on a machine with a second core.
 */
public final class SupervisionSetup {
    private final CompletableFuture<Reaper> reaper = new CompletableFuture<>();

    private SupervisionSetup() {}

    public static SupervisionSetup begin() {
        SupervisionSetup setup = new SupervisionSetup();
        Thread.ofPlatform().name("supervision-setup").daemon().start(setup::prepare);
        return setup;
    }

    private void prepare() {
        try {
            ProcessRole.takeUpReaping();
            Reaper started = Reaper.start();
            PosixSpawn.linkCalls();
            Terminal.linkCalls();
            reaper.complete(started);
        } catch (Throwable e) {
            reaper.completeExceptionally(e);
        }
    }

    /** The process's reaper, once everything is ready; a failure of the setup is rethrown here. */
    public Reaper awaitReaper() {
        try {
            return reaper.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }
}
