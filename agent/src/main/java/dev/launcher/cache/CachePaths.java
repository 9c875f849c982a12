package dev.launcher.cache;

import dev.launcher.error.LauncherException;
import dev.launcher.oci.Digest;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where everything in the cache lives. Computes paths only and never touches the disk, so it is the one place
 * to read to learn the layout:
 *
 * <pre>
 * blobs/&lt;alg&gt;/&lt;hex&gt;                       verified blobs, named by the digest actually computed
 * trees/&lt;alg&gt;/&lt;hex&gt;/tree/                one unpacked tree per layer key
 * trees/&lt;alg&gt;/&lt;hex&gt;/index                what that tree held when it was published ({@link dev.launcher.cache.tree.TreeIndex})
 * trees/&lt;alg&gt;/&lt;hex&gt;/links/               read-only copies of its files, made for the first app dir assembled
 *                                              in link mode (LAUNCHER_ASSEMBLY=link), which hard-links to them
 * trees/&lt;alg&gt;/&lt;hex&gt;/verified             boots in which its content was read back and matched the index
 * layers/&lt;alg&gt;/&lt;hex&gt;/                     trees of launchers before the index: never used, removed when unused
 * refs/&lt;registry&gt;/&lt;repo path&gt;/_tags/&lt;tag&gt;   the digest a tag last resolved to
 * tmp/&lt;owner id&gt;/ and tmp/&lt;owner id&gt;.lock   one private temp dir per live process, proven alive by its lock
 * locks/&lt;hex&gt;                             one lock file per digest
 * </pre>
 *
 * Tags sit under {@code _tags/} because repository paths nest: without it tag {@code c} of {@code a/b} and
 * repository {@code a/b/c} would need {@code refs/r/a/b/c} to be both a file and a directory. A repository
 * component cannot start with {@code _}, so {@code _tags} never collides with one.
 *
 * <p>A layer entry is a directory holding the tree and its index so that one rename publishes both: no crash can
 * leave a tree without its index, or an index beside another tree. Entries live under {@code trees/}, not where
 * earlier versions kept their bare trees ({@code layers/}), so that an earlier launcher sharing the volume never
 * takes an entry for a tree (it would run {@code tree/} and {@code index} as the app).
 */
public record CachePaths(Path root) {
    public static final String ENV_VAR = "LAUNCHER_CACHE";
    public static final Path DEFAULT_ROOT = Path.of("/var/cache/launcher");
    static final String TAGS_DIR = "_tags";

    // Owner ids are random so that no two processes, in any container, pick the same one.
    private static final Pattern OWNER_ID = Pattern.compile("[0-9a-f]{32}");
    // From the OCI distribution spec; these grammars cannot express "..", "." or an empty component.
    private static final Pattern REPOSITORY =
            Pattern.compile("[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    private static final Pattern REGISTRY = Pattern.compile(
            "(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\\[[0-9a-f:.]+\\])(?::[0-9]{1,5})?");

    public CachePaths {
        Objects.requireNonNull(root, "root");
        root = root.toAbsolutePath().normalize();
    }

    public Path blobsDir() {
        return root.resolve("blobs");
    }

    public Path treesDir() {
        return root.resolve("trees");
    }

    /** Where launchers before the tree index kept layer trees; only read to remove them. */
    public Path legacyLayersDir() {
        return root.resolve("layers");
    }

    public Path refsDir() {
        return root.resolve("refs");
    }

    public Path tmpDir() {
        return root.resolve("tmp");
    }

    public Path locksDir() {
        return root.resolve("locks");
    }

    public Path blob(Digest digest) {
        return blobsDir().resolve(digest.algorithm()).resolve(digest.hex());
    }

    /** The entry of a layer tree: the unit that is published, evicted and stamped as used. */
    public Path layer(Digest digest) {
        return treesDir().resolve(digest.algorithm()).resolve(digest.hex());
    }

    public Path legacyLayer(Digest digest) {
        return legacyLayersDir().resolve(digest.algorithm()).resolve(digest.hex());
    }

    /** The unpacked layer inside a layer entry, published or still in a temp dir. */
    public static Path treeIn(Path layerEntry) {
        return layerEntry.resolve("tree");
    }

    /** Read-only copies of the tree's files that app dirs assembled in link mode hard-link to. */
    public static Path linksIn(Path layerEntry) {
        return layerEntry.resolve("links");
    }

    /** The index of the tree beside it. */
    public static Path indexIn(Path layerEntry) {
        return layerEntry.resolve("index");
    }

    /** The boots in which the tree's content was read back and matched the index. */
    public static Path verifiedIn(Path layerEntry) {
        return layerEntry.resolve("verified");
    }

    /** Hex alone is unambiguous: sha256 and sha512 hex differ in length. */
    public Path lock(Digest digest) {
        return locksDir().resolve(digest.hex());
    }

    public Path ownerDir(String ownerId) {
        return tmpDir().resolve(requireOwnerId(ownerId));
    }

    public Path ownerLock(String ownerId) {
        return tmpDir().resolve(requireOwnerId(ownerId) + ".lock");
    }

    static boolean isOwnerId(String name) {
        return OWNER_ID.matcher(name).matches();
    }

    /**
     * The file holding the digest a tag last resolved to. The registry is lower-cased (host names are
     * case-insensitive, and one tag should have one file).
     *
     * @throws LauncherException (usage) when a component is not a valid registry, repository or tag, which also
     *     guarantees the result stays under {@link #refsDir()}
     */
    public Path ref(String registry, String repository, String tag) {
        String host = registry == null ? null : registry.toLowerCase(Locale.ROOT);
        if (host == null || !REGISTRY.matcher(host).matches()) {
            throw LauncherException.usage(
                    "invalid registry '" + registry + "': expected host[:port], e.g. registry.example.com or 127.0.0.1:5000");
        }
        if (repository == null || !REPOSITORY.matcher(repository).matches()) {
            throw LauncherException.usage("invalid repository '" + repository
                    + "': expected lower-case path components separated by '/', e.g. team/app");
        }
        if (tag == null || !TAG.matcher(tag).matches()) {
            throw LauncherException.usage("invalid tag '" + tag + "': expected [A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
        }
        Path path = refsDir().resolve(host).resolve(repository).resolve(TAGS_DIR).resolve(tag).normalize();
        // The grammars above already exclude escapes; this keeps it true if someone loosens them.
        if (!path.startsWith(refsDir())) {
            throw new IllegalStateException("ref path " + path + " escapes " + refsDir());
        }
        return path;
    }

    private static String requireOwnerId(String ownerId) {
        if (ownerId == null || !isOwnerId(ownerId)) {
            throw new IllegalArgumentException("not an owner id: " + ownerId);
        }
        return ownerId;
    }
}
