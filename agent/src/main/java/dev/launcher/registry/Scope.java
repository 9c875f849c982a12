package dev.launcher.registry;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a request is for: the repository and the actions a token must grant on it ({@code pull}, or
 * {@code pull,push} for an upload), and the way to the user's credentials for its registry. Credentials are
 * looked up only when a registry asks for them, since a credential helper is a process to start.
 */
public record Scope(String repository, Supplier<Optional<String>> basicCredentials, String actions) {
    public static Scope pull(String repository, Supplier<Optional<String>> basicCredentials) {
        return new Scope(repository, basicCredentials, "pull");
    }

    public static Scope push(String repository, Supplier<Optional<String>> basicCredentials) {
        return new Scope(repository, basicCredentials, "pull,push");
    }

    /** As a token server expects it: {@code repository:team/app:pull}. */
    public String tokenScope() {
        return "repository:" + repository + ":" + actions;
    }
}
