package dev.launcher.oci;

import dev.launcher.error.LauncherException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An OCI reference {@code registry/repository[:tag][@digest]}. Parsed here, strictly, so that a typo
 * fails with exit 64 before any network traffic instead of as a confusing registry error.
 */
public record Reference(String registry, String repository, String tag, Digest digest) {
    public static final String DEFAULT_REGISTRY = "docker.io";
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]+(?::[0-9]{1,5})?|\\[[0-9A-Fa-f:]+](?::[0-9]{1,5})?");

    public Reference {
        if (tag == null && digest == null) {
            tag = "latest";
        }
    }

    public static Reference parse(String text) {
        if (text == null || text.isBlank()) {
            throw LauncherException.usage("no artifact given: set ARTIFACT or --artifact to an OCI reference such as registry.example:5000/team/app:1.0");
        }
        String rest = text.strip();
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            try {
                digest = Digest.parse(rest.substring(at + 1));
            } catch (LauncherException e) {
                throw invalid(text, "the part after '@' must be a digest such as sha256:<64 hex>");
            }
            rest = rest.substring(0, at);
        }
        String registry = DEFAULT_REGISTRY;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost") || first.startsWith("[")) {
                if (!HOST.matcher(first).matches()) {
                    throw invalid(text, "'" + first + "' is not a valid registry host[:port]");
                }
                registry = first;
                rest = rest.substring(slash + 1);
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon >= 0) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw invalid(text, "'" + tag + "' is not a valid tag");
            }
        }
        if (rest.isEmpty()) {
            throw invalid(text, "the repository name is missing");
        }
        for (String component : rest.split("/", -1)) {
            if (!COMPONENT.matcher(component).matches()) {
                throw invalid(text, "repository component '" + component + "' must be lowercase letters, digits and separators");
            }
        }
        if (registry.equals(DEFAULT_REGISTRY) && !rest.contains("/")) {
            rest = "library/" + rest;
        }
        return new Reference(registry, rest, tag, digest);
    }

    private static LauncherException invalid(String text, String why) {
        return LauncherException.usage("invalid artifact reference '" + text + "': " + why);
    }

    public Optional<Digest> pinnedDigest() {
        return Optional.ofNullable(digest);
    }

    public boolean isPinned() {
        return digest != null;
    }

    public Reference withDigest(Digest newDigest) {
        return new Reference(registry, repository, tag, newDigest);
    }

    /** Same repository, no tag or digest: where blobs are addressed. */
    public String repositoryName() {
        return registry + "/" + repository;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(repositoryName());
        if (tag != null) {
            s.append(':').append(tag);
        }
        if (digest != null) {
            s.append('@').append(digest);
        }
        return s.toString();
    }
}
