package dev.launcher.pack;

import dev.launcher.oci.Digest;

/**
 * What {@link DirectoryPacker#pack} wrote.
 *
 * @param title        the directory's own name, which prefixes every entry; push it as the
 *                     layer's {@code org.opencontainers.image.title} so {@code oras pull}
 *                     recreates the same directory
 * @param tarDigest    digest of the uncompressed tar, which oras records as
 *                     {@code io.deis.oras.content.digest} and checks after unpacking
 * @param entries      entries in the tar
 * @param contentBytes bytes of regular-file content in the tar
 */
public record PackResult(String title, Digest tarDigest, long entries, long contentBytes) {}
