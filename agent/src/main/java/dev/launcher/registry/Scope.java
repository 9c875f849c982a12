package dev.launcher.registry;

import dev.launcher.oci.Reference;
import dev.launcher.oci.RegistryClient;
import java.net.URI;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a request is for: the repository and the actions a token must grant on it ({@code pull}, or
 * {@code pull,push} for an upload), and the way to the user's credentials for its registry. Credentials are
 * looked up only when a registry asks for them, since a credential helper is a process to start.
 */
public record Scope(String repository, Supplier<Optional<String>> basicCredentials, String actions) {
    public static final String PULL = "pull";
    public static final String PUSH = "pull,push";

    /** For a request to {@code uri} about {@code ref}, with the credentials of its registry looked up only if asked. */
    static Scope of(RegistryClient routes, Reference ref, URI uri, String actions) {
        return new Scope(repositoryOf(uri, ref), new Memo<>(() -> routes.basicCredentials(ref)), actions);
    }

    /** The repository as the registry API names it (after registries.conf rewrites): what a token is for. */
    static String repositoryOf(URI uri, Reference ref) {
        String path = uri.getPath();
        int start = path.indexOf("/v2/");
        int end = Math.max(path.lastIndexOf("/manifests/"), path.lastIndexOf("/blobs/"));
        return start >= 0 && end > start + 4 ? path.substring(start + 4, end) : ref.repository();
    }

    /** As a token server expects it: {@code repository:team/app:pull}. */
    public String tokenScope() {
        return "repository:" + repository + ":" + actions;
    }
}
