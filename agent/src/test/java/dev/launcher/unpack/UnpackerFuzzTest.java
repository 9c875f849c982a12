package dev.launcher.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.error.LauncherException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Property-based fuzzing of the unpacker with archives built from the parts every known escape is made of:
 * {@code ..} and absolute names, symlinks and hard links pointing up, out, at each other and at a canary
 * outside, directories replaced by links and files, whiteouts, duplicates, long names.
 *
 * <p>The invariant, whatever the archive: nothing outside the target is created, changed or linked to; a
 * refused layer leaves the target empty; a link that resolves, resolves inside the target; and the only
 * failures are the launcher's own (no crash of another kind). The target sits four levels below the
 * sandbox's root, so four {@code ..} steps still land where the snapshot sees them.
 *
 * <p>CI runs the number of tries in {@code junit-platform.properties}; run it longer with
 * {@code mvn test -Dtest=UnpackerFuzzTest -Djqwik.tries.default=100000}.
 */
class UnpackerFuzzTest {
    private static final Path SANDBOX = createSandbox();
    private static final Path CANARY = SANDBOX.resolve("outside/canary");

    private static final List<String> SEGMENTS = List.of(
            "a", "b", "c", "..", ".", "", ".wh.a", ".wh..wh..opq", "x".repeat(120), "outside", "canary");

    /** Link targets: up, out, absolute, at names of the archive itself, and at the canary by absolute path. */
    private static final List<String> TARGETS = List.of(
            "..", "../..", "../../../..", "../../../../outside/canary", "/", "/etc", CANARY.toString(),
            SANDBOX.resolve("outside").toString(), "a", "a/..", "a/../..", "b/c", ".", "c/../../x", "a/b/../../..");

    private record Entry(byte type, String name, String target) {}

    @Property
    void nothingOutsideTheTargetIsTouched(@ForAll("archives") List<Entry> entries) throws IOException {
        Path target = Files.createDirectories(SANDBOX.resolve("l1/l2/l3/target"));
        Map<String, String> before = outside();
        try {
            new LayerUnpacker().unpackTar(new ByteArrayInputStream(tar(entries)), target, "fuzz");
            for (Path link : symlinksIn(target)) {
                if (Files.exists(link)) { // resolvable: the kernel's answer must stay inside
                    assertTrue(link.toRealPath().startsWith(target.toRealPath()), link + " resolves outside: " + entries);
                }
            }
        } catch (LauncherException refused) {
            try (Stream<Path> left = Files.list(target)) {
                assertEquals(List.of(), left.toList(), "a refused layer leaves nothing behind: " + refused.getMessage());
            }
        } finally {
            Map<String, String> after = outside();
            TreeCleaner.deleteTree(SANDBOX.resolve("l1"));
            assertEquals(before, after, "outside the target, for " + entries);
            assertEquals(1, (int) Files.getAttribute(CANARY, "unix:nlink"), "nothing hard-links the canary: " + entries);
        }
    }

    @Provide
    Arbitrary<List<Entry>> archives() {
        Arbitrary<String> name = Combinators.combine(
                        Arbitraries.of("", "/", "./"),
                        Arbitraries.of(SEGMENTS).list().ofMinSize(1).ofMaxSize(4),
                        Arbitraries.of("", "/"))
                .as((prefix, segments, suffix) -> prefix + String.join("/", segments) + suffix);
        Arbitrary<String> linkTarget = Arbitraries.oneOf(Arbitraries.of(TARGETS), name);
        Arbitrary<Entry> file = name.map(n -> new Entry(TarConstants.LF_NORMAL, n, null));
        Arbitrary<Entry> dir = name.map(n -> new Entry(TarConstants.LF_DIR, n, null));
        Arbitrary<Entry> symlink = Combinators.combine(name, linkTarget).as((n, t) -> new Entry(TarConstants.LF_SYMLINK, n, t));
        Arbitrary<Entry> hardlink = Combinators.combine(name, linkTarget).as((n, t) -> new Entry(TarConstants.LF_LINK, n, t));
        return Arbitraries.frequencyOf(
                        Tuple.of(4, file), Tuple.of(3, dir), Tuple.of(3, symlink), Tuple.of(2, hardlink))
                .list().ofMinSize(1).ofMaxSize(20);
    }

    private static byte[] tar(List<Entry> entries) {
        TarBuilder tar = new TarBuilder();
        for (Entry e : entries) {
            // A regular file's name cannot end in '/' (tar readers take that for a directory); a tar entry needs a name.
            String name = e.type() == TarConstants.LF_NORMAL ? e.name().replaceAll("/+$", "") : e.name();
            if (name.isEmpty()) {
                continue;
            }
            var entry = TarBuilder.entry(name, e.type(), e.type() == TarConstants.LF_DIR ? 0755 : 0644);
            byte[] content = null;
            if (e.type() == TarConstants.LF_NORMAL) {
                content = ("written as " + name).getBytes(StandardCharsets.UTF_8);
                entry.setSize(content.length);
            } else if (e.target() != null) {
                entry.setLinkName(e.target());
            }
            tar.add(entry, content);
        }
        return tar.tar();
    }

    /** Everything in the sandbox except the target's own subtree, with modes and content digests. */
    private static Map<String, String> outside() {
        Map<String, String> all = new TreeMap<>(TreeSnapshot.of(SANDBOX));
        all.keySet().removeIf(path -> path.equals("l1/l2/l3/target") || path.startsWith("l1/l2/l3/target/"));
        return all;
    }

    private static List<Path> symlinksIn(Path root) throws IOException {
        List<Path> links = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(root)) {
            paths.filter(p -> Files.isSymbolicLink(p)).forEach(links::add);
        }
        return links;
    }

    private static Path createSandbox() {
        try {
            Path root = Files.createTempDirectory("unpack-fuzz").toRealPath();
            Files.createDirectories(root.resolve("outside/dir"));
            Files.writeString(root.resolve("outside/canary"), "must never change\n");
            Files.writeString(root.resolve("sibling"), "next to the levels\n");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    TreeCleaner.deleteTree(root);
                } catch (IOException ignored) {
                    // a temp dir
                }
            }));
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
