package dev.launcher.unpack;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/**
 * Decides whether a symlink stays inside the tree it belongs to. Absolute targets count as
 * leaving it: the tree is not a root file system, so {@code /etc/x} would name the host's file.
 * Relative targets are resolved from the link's directory, following the tree's own symlinks on
 * the way, because {@code up -> ..} placed in a subdirectory makes {@code x -> sub/up/..} leave
 * the tree although it looks harmless when read as text.
 */
public final class SymlinkTargets {
    /** Linux gives up after 40 links (ELOOP); a loop cannot be followed, so cannot escape. */
    private static final int MAX_HOPS = 40;

    private SymlinkTargets() {}

    /**
     * Checks a link from its text alone, as a packer can before anything is written.
     *
     * @param linkPath clean relative path of the link ({@code a/b/link})
     * @param target   the link's target as stored
     */
    public static boolean staysInside(String linkPath, String target) {
        return staysInside(linkPath, target, Map.of());
    }

    /**
     * Checks a link against the links already in the tree.
     *
     * @param symlinks every symlink of the tree: clean relative path to target
     */
    static boolean staysInside(String linkPath, String target, Map<String, String> symlinks) {
        if (target.isEmpty() || target.startsWith("/")) {
            return false;
        }
        Deque<String> at = new ArrayDeque<>(); // resolved components, last one on top
        String parent = EntryNames.parentOf(linkPath);
        if (!parent.isEmpty()) {
            for (String part : parent.split("/")) {
                at.addLast(part);
            }
        }
        Deque<String> todo = new ArrayDeque<>();
        pushFront(todo, target);
        int hops = 0;
        while (!todo.isEmpty()) {
            String part = todo.removeFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (at.isEmpty()) {
                    return false;
                }
                at.removeLast();
                continue;
            }
            at.addLast(part);
            if (symlinks.isEmpty()) {
                continue;
            }
            String next = symlinks.get(String.join("/", at));
            if (next != null) {
                if (++hops > MAX_HOPS) {
                    return true;
                }
                if (next.isEmpty() || next.startsWith("/")) {
                    return false;
                }
                at.removeLast();
                pushFront(todo, next);
            }
            // A component that is no symlink is taken as a directory: a missing one resolves
            // nowhere and a regular file fails with ENOTDIR, so neither can lead outside.
        }
        return true;
    }

    private static void pushFront(Deque<String> todo, String path) {
        String[] parts = path.split("/", -1);
        for (int i = parts.length - 1; i >= 0; i--) {
            todo.addFirst(parts[i]);
        }
    }
}
