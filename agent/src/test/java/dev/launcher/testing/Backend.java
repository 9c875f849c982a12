package dev.launcher.testing;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/** How a TestRegistry runs the distribution server. */
public enum Backend {
    /** A registry:2 container through a Docker API (Docker or podman's socket). */
    TESTCONTAINERS,
    /** Debian's docker-registry binary as a child process: what CI uses. */
    BINARY;

    /** Environment variable that forces one backend: "testcontainers" or "binary". */
    public static final String ENV = "TEST_REGISTRY";

    /**
     * The forced backend if {@code forced} names one, else a container when one can run, else the binary.
     * Never "none": an integration test that skips for want of a registry would pass in CI while testing nothing.
     *
     * @param containerProblem why a container cannot run here, or empty
     * @param binaryProblem    why the binary cannot run here, or empty
     */
    static Backend choose(String forced, Supplier<Optional<String>> containerProblem,
                          Supplier<Optional<String>> binaryProblem) {
        if (forced != null && !forced.isBlank()) {
            Backend backend = switch (forced.trim().toLowerCase(Locale.ROOT)) {
                case "testcontainers" -> TESTCONTAINERS;
                case "binary" -> BINARY;
                default -> throw new IllegalStateException(
                        ENV + "=" + forced + " is neither 'testcontainers' nor 'binary'");
            };
            Optional<String> problem = backend == TESTCONTAINERS ? containerProblem.get() : binaryProblem.get();
            problem.ifPresent(p -> {
                throw new IllegalStateException("the registry backend '" + forced + "' (from " + ENV
                        + " or the builder) cannot run here: " + p);
            });
            return backend;
        }
        Optional<String> noContainer = containerProblem.get();
        if (noContainer.isEmpty()) {
            return TESTCONTAINERS;
        }
        Optional<String> noBinary = binaryProblem.get();
        if (noBinary.isEmpty()) {
            return BINARY;
        }
        throw new IllegalStateException("no way to run a registry:2 for the integration tests:\n  testcontainers: "
                + noContainer.get() + "\n  binary: " + noBinary.get()
                + "\n(.ci/run installs the docker-registry package; locally: apt-get install docker-registry)");
    }
}
