package dev.launcher.registry;

import java.util.function.Supplier;

/**
 * Makes its value at most once, on first use: credentials are looked up only if a registry asks (a credential helper is
 * a process to start), and the HTTP client is made only by a first request (a start from a pinned, cached digest never
 * needs its threads and classes).
 */
final class Memo<T> implements Supplier<T> {
    private final Supplier<T> source;
    private T value;

    Memo(Supplier<T> source) {
        this.source = source;
    }

    @Override
    public synchronized T get() {
        if (value == null) {
            value = source.get();
        }
        return value;
    }
}
