package dev.launcher.cache.tree;

import dev.launcher.fs.FileNames;

/**
 * The first difference found between a cached layer tree and its index.
 *
 * @param path the entry's raw name, relative to the tree; empty when the entry as a whole is at fault (no index, say)
 * @param what what differs, worded to follow the quoted path
 */
public record TreeDamage(String path, String what) {
    static TreeDamage entry(String what) {
        return new TreeDamage("", what);
    }

    @Override
    public String toString() {
        if (path.isEmpty()) {
            return what;
        }
        return (path.equals(TreeEntry.ROOT) ? "the tree's root" : "'" + FileNames.display(path) + "'") + " " + what;
    }
}
