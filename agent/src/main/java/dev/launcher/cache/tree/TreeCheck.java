package dev.launcher.cache.tree;

import dev.launcher.cache.CacheFailures;
import dev.launcher.cache.Threads;
import dev.launcher.fs.FileNames;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Compares a tree on disk with its index.
 *
 * <p>{@link #metadata} reads no content: every change made through the file system (write, truncate, chmod,
 * rename, link, a new or removed entry) moves the ctime of the entry or of its directory, or changes the set of
 * entries, and the kernel sets ctime itself: nobody can set it back. So this catches every such change after
 * publishing for one lstat per entry. It cannot catch what never went through the file system in this boot: data
 * that a power cut lost while the metadata survived. {@link #content} reads every file for that.
 *
 * <p>Some changes move every ctime without touching what the app gets: Kubernetes re-owning a volume for a pod's
 * fsGroup at each mount (chown and chmod of every file), {@code cp -a}, rsync or a restore of the cache volume.
 * {@link #compare} tells those apart ({@link Comparison#onlyReowned}), so that the content, read back, can decide
 * instead of a refetch at every start.
 */
final class TreeCheck {
    /** rw for owner and group: what kubelet's fsGroup change adds to a file. */
    private static final int REOWNED_FILE_BITS = 0660;
    /** rwx for owner and group, and setgid: what kubelet's fsGroup change adds to a directory. */
    private static final int REOWNED_DIRECTORY_BITS = 02770;

    private TreeCheck() {}

    /** The {@link MetadataSum} of the tree as it is now: equal to the index's when nothing changed. */
    static String metadataSum(Path tree) throws IOException {
        MetadataSum sum = new MetadataSum();
        TreeScan.scan(tree, (entry, file) -> sum.add(entry));
        return sum.value();
    }

    /** The first difference in the set of entries, their types, modes, sizes, link targets or ctimes. */
    static Optional<TreeDamage> metadata(Path tree, TreeIndex index) {
        return Optional.ofNullable(compare(tree, index).damage());
    }

    /**
     * What comparing a tree entry by entry with its index found.
     *
     * @param damage the first difference, null if there is none
     * @param now    when every difference is one that re-owning the files makes ({@link #reowned}): the tree's
     *     entries as the scan found them, with the CRCs of the index, ready for a new index once the content is
     *     read back and matches; null otherwise
     */
    record Comparison(TreeDamage damage, List<TreeEntry> now) {
        boolean onlyReowned() {
            return now != null;
        }
    }

    /**
     * Compares entry by entry. Where the only differences are ctimes and mode bits that re-owning adds, says so
     * and hands the entries as they are now over, so that the caller can read the content back and re-index.
     * The ctimes in {@code now} were taken before any content is read, so a change made meanwhile shows at the
     * next check: in the content the caller reads, or as a ctime newer than the new index holds.
     */
    static Comparison compare(Path tree, TreeIndex index) {
        Map<String, Integer> positions = index.positions();
        // Written by the scan's threads at distinct positions; read once the scan has joined them.
        AtomicIntegerArray seen = new AtomicIntegerArray(index.entries().size());
        // A change inside a directory also moves the directory's ctime, and the directory may be met first; a
        // difference that says more (which file, how) is reported in preference to a bare ctime change.
        AtomicReference<TreeDamage> vague = new AtomicReference<>();
        AtomicReference<TreeDamage> reowned = new AtomicReference<>();
        AtomicReference<TreeDamage> found = new AtomicReference<>();
        List<TreeEntry> now = Collections.synchronizedList(new ArrayList<>(index.entries().size()));
        try {
            TreeScan.scan(tree, (actual, file) -> {
                if (found.get() != null) {
                    return;
                }
                Integer at = positions.get(actual.path());
                if (at == null) {
                    found.compareAndSet(null, new TreeDamage(actual.path(), "was added after the tree was cached"));
                    return;
                }
                seen.set(at, 1);
                TreeEntry expected = index.entries().get(at);
                TreeDamage difference = difference(expected, actual);
                if (difference != null) {
                    found.compareAndSet(null, difference);
                    return;
                }
                // Worded for the first only: after re-owning, every entry differs, and formatting costs microseconds.
                if (actual.mode() != expected.mode()) {
                    if (reowned.get() == null) {
                        reowned.compareAndSet(null, new TreeDamage(actual.path(), String.format(
                                "has mode %04o, had %04o when cached", actual.mode(), expected.mode())));
                    }
                } else if (actual.ctimeNanos() != expected.ctimeNanos() && vague.get() == null) {
                    vague.compareAndSet(null, new TreeDamage(actual.path(), "was changed after the tree was cached (inode"
                            + " change time " + TreeEntry.instant(actual.ctimeNanos()) + ", cached at "
                            + TreeEntry.instant(expected.ctimeNanos()) + ")"));
                }
                now.add(actual.withCrc(expected.crc()));
            });
        } catch (NoSuchFileException e) {
            return new Comparison(missing(tree, e), null);
        } catch (IOException e) {
            return new Comparison(unreadable(tree, e), null);
        }
        if (found.get() != null) {
            return new Comparison(found.get(), null);
        }
        for (int i = 0; i < seen.length(); i++) {
            if (seen.get(i) == 0) {
                return new Comparison(new TreeDamage(index.entries().get(i).path(), "is missing"), null);
            }
        }
        TreeDamage first = reowned.get() != null ? reowned.get() : vague.get();
        return new Comparison(first, first == null ? null : List.copyOf(now));
    }

    /**
     * Whether {@code actual}'s mode is {@code expected}'s with at most the bits added that kubelet adds when it
     * gives a volume to a pod's fsGroup ({@code fsGroupChangePolicy: Always}, at every mount): {@code 0660} on
     * files, {@code 0770} and setgid on directories (pkg/volume/volume_linux.go). The group bits are the point;
     * the owner's come with them, and grant nothing, since the owner may chmod its files anyway. No bit taken
     * away, nothing for others, no exec bit on a file, no setuid or sticky bit: a file that became world-writable
     * or executable is not accepted however its content reads.
     */
    static boolean reowned(TreeEntry expected, TreeEntry actual) {
        int addable = switch (actual.type()) {
            case FILE -> REOWNED_FILE_BITS;
            case DIRECTORY -> REOWNED_DIRECTORY_BITS;
            default -> 0;
        };
        int removed = expected.mode() & ~actual.mode();
        int added = actual.mode() & ~expected.mode();
        return removed == 0 && (added & ~addable) == 0;
    }

    /**
     * The first regular file whose content does not have the CRC32C in the index. Reads the whole tree, on
     * {@link TreeScan#THREADS} threads when it has more than one file: after a reboot the files come from the disk,
     * which serves several reads at once (the node app's 2,866 files from the page cache: 80 ms on one thread).
     */
    static Optional<TreeDamage> content(Path tree, TreeIndex index) {
        List<TreeEntry> files = index.entries().stream().filter(e -> e.type() == TreeEntry.Type.FILE).toList();
        AtomicInteger next = new AtomicInteger();
        AtomicReference<TreeDamage> found = new AtomicReference<>();
        Runnable reader = () -> {
            for (int i = next.getAndIncrement(); i < files.size() && found.get() == null; i = next.getAndIncrement()) {
                contentDamage(tree, files.get(i)).ifPresent(damage -> found.compareAndSet(null, damage));
            }
        };
        List<Thread> helpers = new ArrayList<>();
        for (int i = 1; i < Math.min(TreeScan.THREADS, files.size()); i++) {
            helpers.add(Thread.ofPlatform().daemon().name("tree-read-" + i).start(reader));
        }
        reader.run();
        Threads.joinAll(helpers); // a helper reads one file at most before it sees the end
        return Optional.ofNullable(found.get());
    }

    private static Optional<TreeDamage> contentDamage(Path tree, TreeEntry expected) {
        int crc;
        try {
            crc = ContentSum.of(FileNames.resolve(tree, expected.path()));
        } catch (NoSuchFileException e) {
            return Optional.of(new TreeDamage(expected.path(), "is missing"));
        } catch (IOException e) {
            return Optional.of(new TreeDamage(expected.path(), "cannot be read (" + CacheFailures.reason(e) + ")"));
        }
        if (crc != expected.crc()) {
            return Optional.of(new TreeDamage(expected.path(), String.format(
                    "has other content than when it was cached (CRC32C %08x, cached %08x)", crc, expected.crc())));
        }
        return Optional.empty();
    }

    private static TreeDamage difference(TreeEntry expected, TreeEntry actual) {
        if (actual.type() != expected.type()) {
            return new TreeDamage(actual.path(), "is " + actual.type().noun + ", was " + expected.type().noun + " when cached");
        }
        if (actual.size() != expected.size()) {
            return new TreeDamage(actual.path(), "has " + actual.size() + " bytes, had " + expected.size() + " when cached");
        }
        if (actual.mode() != expected.mode() && !reowned(expected, actual)) {
            return new TreeDamage(actual.path(), String.format("has mode %04o, had %04o when cached", actual.mode(), expected.mode()));
        }
        if (actual.target() != null && !actual.target().equals(expected.target())) {
            return new TreeDamage(actual.path(), "links to '" + FileNames.display(actual.target()) + "', linked to '"
                    + FileNames.display(expected.target()) + "' when cached");
        }
        return null;
    }

    private static TreeDamage missing(Path tree, NoSuchFileException e) {
        // Vanished between listing its directory and looking at it.
        return new TreeDamage(relative(tree, e.getFile()), "is missing");
    }

    private static TreeDamage unreadable(Path tree, IOException e) {
        String file = e instanceof FileSystemException f ? f.getFile() : null;
        return new TreeDamage(relative(tree, file), "cannot be read (" + CacheFailures.reason(e) + ")");
    }

    /**
     * The name of {@code file} below {@code tree}, for a message. The JDK gives it as text decoded in the locale's
     * charset, which may not map its bytes back: it is never turned into a path again, only shown.
     */
    private static String relative(Path tree, String file) {
        String root = tree.toString();
        if (file == null || file.equals(root) || !file.startsWith(root + "/")) {
            return TreeEntry.ROOT;
        }
        return FileNames.fromText(file.substring(root.length() + 1));
    }
}
