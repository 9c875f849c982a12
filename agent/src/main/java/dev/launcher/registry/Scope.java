package dev.launcher.registry;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a request is for: the repository whose pull permission a token must grant, and the way to the
 * user's credentials for its registry. Credentials are looked up only when a registry asks for them,
 * since a credential helper is a process to start.
 */
public record Scope(String repository, Supplier<Optional<String>> basicCredentials) {
    public String pullScope() {
        return "repository:" + repository + ":pull";
    }
}
