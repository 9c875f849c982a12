package dev.launcher.resolve;

import dev.launcher.oci.Digest;
import dev.launcher.oci.ImageManifest;
import dev.launcher.oci.Reference;

/** An artifact pinned to the digest of a verified manifest. */
public record ResolvedArtifact(Reference reference, Digest manifestDigest, ImageManifest manifest) {
    public Reference pinned() {
        return reference.withDigest(manifestDigest);
    }
}
