package dev.launcher.cache;

import java.util.List;

/** Waits for helper threads of a tree walk: none may still touch the tree once the walk returned. */
final class Threads {
    private Threads() {}

    /** Joins every thread even when interrupted (they finish quickly); the interrupt is kept for the caller. */
    static void joinAll(List<Thread> threads) {
        boolean interrupted = false;
        for (Thread thread : threads) {
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
