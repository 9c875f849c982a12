/**
 * The content-addressed cache on a volume that many launcher containers share at once.
 *
 * <p>Start at {@link dev.launcher.cache.CacheStore}; {@link dev.launcher.cache.CachePaths} documents the layout.
 * This package is where things are stored; how a stored layer tree is known to be whole is
 * {@link dev.launcher.cache.tree}'s.
 * The rules for callers:
 *
 * <ul>
 *   <li>Lease first, then look: {@code try (Lease l = store.lease(d)) { store.layer(d) ... }}. Hold the lease for
 *       as long as anything reads the entry's files (for a layer tree the app runs from, that is the app's
 *       lifetime, unless the app dir holds its own hard links or copies).
 *   <li>To produce a missing entry: take {@link dev.launcher.cache.DigestLock}, look again, write into
 *       {@code newTempFile()/newLayerEntry()}, verify, publish. The lock only saves duplicate downloads; publishing is
 *       safe without it.
 *   <li>A layer tree is published with an index of what it holds, and checked against it before each use
 *       ({@link dev.launcher.cache.tree.TreeVerifier}); a damaged one is removed with {@code discardLayer} under the
 *       digest's lock and produced again.
 *   <li>Every I/O failure is a {@link dev.launcher.error.LauncherException} with exit 74 whose message names the
 *       path and what to do.
 * </ul>
 */
package dev.launcher.cache;
