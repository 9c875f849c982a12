package dev.launcher.cache;

import java.util.List;

/** Waits for helper threads (a tree walk's, the unpacker's writers): none may still touch a tree once its owner returned. */
public final class Threads {
    private Threads() {}

    /** Joins every thread even when interrupted (they finish quickly); the interrupt is kept for the caller. */
    public static void joinAll(List<Thread> threads) {
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
