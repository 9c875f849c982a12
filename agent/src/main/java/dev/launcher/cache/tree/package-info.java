/**
 * How a cached layer tree is known to be whole before an app runs from it, at a cost every start can pay. A tree is
 * published together with its index ({@link dev.launcher.cache.tree.TreeIndex}) by one rename, so no crash leaves
 * one without the other. Every start compares the tree's metadata with one line of the index: any change made
 * through the file system moves an entry's ctime, which the kernel sets and nobody can set back, so one lstat per
 * entry finds it without reading any content ({@link dev.launcher.cache.tree.TreeCheck}). What bypasses the file
 * system escapes that, and the one such loss to expect, data a power cut took while the metadata survived, needs a
 * reboot: so the content is read back once per tree and boot, at its first use after a reboot
 * ({@link dev.launcher.cache.tree.TreeVerifier}), and in full, whatever the boot, by {@code launcher cache verify}.
 * A volume re-owned for a pod's fsGroup (or copied, or restored) moves every ctime without touching the content;
 * such a tree is read back and, if its content matches, re-indexed, rather than fetched again at every start.
 */
package dev.launcher.cache.tree;
