package dev.launcher.assemble;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.launcher.config.AssemblyMode;
import dev.launcher.error.ExitCode;
import dev.launcher.error.LauncherException;
import dev.launcher.unpack.LayerUnpacker;
import dev.launcher.unpack.PosixModes;
import dev.launcher.unpack.TarBuilder;
import dev.launcher.unpack.TreeSnapshot;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppAssemblerTest {
    static final FileTime OLD = FileTime.from(Instant.parse("2019-05-06T07:08:09Z"));

    @TempDir
    Path tmp;

    final AppAssembler assembler = new AppAssembler();

    // ---- merging ------------------------------------------------------------------------

    @Test
    void upperLayersOverrideLowerOnes() throws IOException {
        Path lower = layer("lower");
        write(lower, "a.txt", "lower");
        write(lower, "dir/b.txt", "lower");
        Path upper = layer("upper");
        write(upper, "a.txt", "upper");
        write(upper, "dir/c.txt", "upper");

        Path app = assemble(lower, upper);

        assertEquals(Map.of(
                "a.txt", "upper",
                "dir/b.txt", "lower",
                "dir/c.txt", "upper"), contents(app));
    }

    @Test
    void whiteoutRemovesALowerFile() throws IOException {
        Path lower = layer("lower");
        write(lower, "keep", "k");
        write(lower, "gone", "g");
        Path upper = layer("upper");
        write(upper, ".wh.gone", "");

        assertEquals(Map.of("keep", "k"), contents(assemble(lower, upper)));
    }

    @Test
    void whiteoutRemovesALowerDirectory() throws IOException {
        Path lower = layer("lower");
        write(lower, "d/x", "x");
        write(lower, "d/sub/y", "y");
        write(lower, "other", "o");
        Path upper = layer("upper");
        write(upper, ".wh.d", "");

        Path app = assemble(lower, upper);

        assertEquals(Map.of("other", "o"), contents(app));
        assertFalse(Files.exists(app.resolve("d")));
    }

    @Test
    void opaqueDirectoryHidesAllLowerContent() throws IOException {
        Path lower = layer("lower");
        write(lower, "d/x", "x");
        write(lower, "d/sub/y", "y");
        write(lower, "outside", "o");
        Path upper = layer("upper");
        write(upper, "d/.wh..wh..opq", "");
        write(upper, "d/new", "n");

        assertEquals(Map.of("d/new", "n", "outside", "o"), contents(assemble(lower, upper)));
    }

    @Test
    void whiteoutAppliesToLowerLayersOnlyNotToItsOwnLayer() throws IOException {
        Path lower = layer("lower");
        write(lower, "d/old", "old");
        Path upper = layer("upper");
        write(upper, ".wh.d", "");
        write(upper, "d/new", "new");

        assertEquals(Map.of("d/new", "new"), contents(assemble(lower, upper)));
    }

    @Test
    void whiteoutOfSomethingAbsentIsHarmless() throws IOException {
        Path only = layer("only");
        write(only, ".wh.nothing", "");
        write(only, "dir/.wh..wh..opq", "");
        write(only, "dir/f", "f");

        Path app = assemble(only);

        assertEquals(Map.of("dir/f", "f"), contents(app));
    }

    @Test
    void fileReplacesDirectoryAndDirectoryReplacesFile() throws IOException {
        Path lower = layer("lower");
        write(lower, "p/child", "c");
        write(lower, "q", "file");
        Path upper = layer("upper");
        write(upper, "p", "now a file");
        write(upper, "q/inner", "now a dir");

        assertEquals(Map.of("p", "now a file", "q/inner", "now a dir"), contents(assemble(lower, upper)));
    }

    @Test
    void directoryOverALowerSymlinkReplacesItInsteadOfWritingThroughIt() throws IOException {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Path lower = layer("lower");
        Files.createSymbolicLink(lower.resolve("a"), outside.toAbsolutePath());
        Files.createDirectory(lower.resolve("target"));
        Files.createSymbolicLink(lower.resolve("b"), Path.of("target"));
        Path upper = layer("upper");
        write(upper, "a/x", "x");
        write(upper, "b/y", "y");

        Path app = assemble(lower, upper);

        assertEquals(Map.of("a/x", "x", "b/y", "y"), contents(app));
        assertFalse(Files.isSymbolicLink(app.resolve("a")));
        assertTrue(Files.isDirectory(app.resolve("target")));
        assertEquals(List.of(), Files.list(app.resolve("target")).toList());
        assertEquals(List.of(), Files.list(outside).toList());
    }

    @Test
    void symlinksAreRecreatedNotFollowed() throws IOException {
        Path outside = Files.writeString(tmp.resolve("secret"), "secret");
        Path only = layer("only");
        Files.createSymbolicLink(only.resolve("abs"), outside.toAbsolutePath());
        Files.createSymbolicLink(only.resolve("rel"), Path.of("../../nowhere"));
        Files.createSymbolicLink(only.resolve("self"), Path.of("self"));

        Path app = assemble(only);

        assertEquals(outside.toAbsolutePath(), Files.readSymbolicLink(app.resolve("abs")));
        assertEquals(Path.of("../../nowhere"), Files.readSymbolicLink(app.resolve("rel")));
        assertEquals(Path.of("self"), Files.readSymbolicLink(app.resolve("self")));
    }

    @Test
    void fileOverALowerSymlinkDoesNotWriteItsTarget() throws IOException {
        Path outside = Files.writeString(tmp.resolve("secret"), "secret");
        Path lower = layer("lower");
        Files.createSymbolicLink(lower.resolve("f"), outside.toAbsolutePath());
        Path upper = layer("upper");
        write(upper, "f", "replaced");

        Path app = assemble(lower, upper);

        assertEquals("replaced", Files.readString(app.resolve("f")));
        assertFalse(Files.isSymbolicLink(app.resolve("f")));
        assertEquals("secret", Files.readString(outside));
    }

    @Test
    void whiteoutsBelowALowerSymlinkNeverReachItsTarget() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("victim"), "keep me");
        Files.writeString(outside.resolve("other"), "keep me too");
        Path lower = layer("lower");
        Files.createSymbolicLink(lower.resolve("d"), outside.toAbsolutePath());
        Path upper = layer("upper");
        write(upper, "d/.wh.victim", "");
        write(upper, "d/.wh..wh..opq", "");

        Path app = assemble(lower, upper);

        assertEquals("keep me", Files.readString(outside.resolve("victim")));
        assertEquals("keep me too", Files.readString(outside.resolve("other")));
        assertTrue(Files.isDirectory(app.resolve("d"), NOFOLLOW_LINKS), "the lower symlink was replaced, not followed");
    }

    // ---- independence from the cache ----------------------------------------------------

    @Test
    void hardLinksAreKeptInsideTheAppDirButNeverShareInodesWithTheCache() throws IOException {
        Path only = layer("only");
        write(only, "bin/tool", "tool");
        Files.createLink(only.resolve("bin/alias"), only.resolve("bin/tool"));

        Path app = assemble(only);

        Object appKey = fileKey(app.resolve("bin/tool"));
        assertEquals(appKey, fileKey(app.resolve("bin/alias")));
        assertNotEquals(fileKey(only.resolve("bin/tool")), appKey);
        assertEquals("tool", Files.readString(app.resolve("bin/alias")));
    }

    @Test
    void sameInodeInTwoLayerTreesIsNotLinkedAcrossLayers() throws IOException {
        Path lower = layer("lower");
        write(lower, "a", "shared");
        Path upper = layer("upper");
        Files.createLink(upper.resolve("b"), lower.resolve("a")); // as a deduplicating cache might

        Path app = assemble(lower, upper);

        assertNotEquals(fileKey(app.resolve("a")), fileKey(app.resolve("b")));
    }

    @Test
    void writingIntoTheAppDirDoesNotChangeTheCache() throws IOException {
        Path only = layer("only");
        write(only, "data/file", "original");
        Files.createLink(only.resolve("data/link"), only.resolve("data/file"));
        Map<String, String> cacheBefore = TreeSnapshot.of(only, true);

        Path app = assemble(only);
        Files.writeString(app.resolve("data/file"), " changed", StandardOpenOption.APPEND);
        Files.setPosixFilePermissions(app.resolve("data/link"), PosixModes.permissions(0600));
        Files.writeString(app.resolve("data/new"), "new");

        assertEquals(cacheBefore, TreeSnapshot.of(only, true));
    }

    @Test
    void modesAndMtimesAreKept() throws IOException {
        Path only = layer("only");
        write(only, "ro/tool", "t");
        Files.setPosixFilePermissions(only.resolve("ro/tool"), PosixModes.permissions(0750));
        Files.setLastModifiedTime(only.resolve("ro/tool"), OLD);
        Files.createSymbolicLink(only.resolve("ro/link"), Path.of("tool"));
        Files.getFileAttributeView(only.resolve("ro/link"), BasicFileAttributeView.class, NOFOLLOW_LINKS)
                .setTimes(OLD, null, null);
        Files.setPosixFilePermissions(only.resolve("ro"), PosixModes.permissions(0555));
        Files.setLastModifiedTime(only.resolve("ro"), OLD);

        Path app = assemble(only);

        assertEquals(TreeSnapshot.of(only, true), TreeSnapshot.of(app, true).entrySet().stream()
                .filter(e -> !e.getKey().equals(AppDirMarker.NAME))
                .collect(TreeMap::new, (m, e) -> m.put(e.getKey(), e.getValue()), Map::putAll));
        assertEquals("0555", TreeSnapshot.mode(app.resolve("ro")));
    }

    // ---- the app dir --------------------------------------------------------------------

    @Test
    void refusesToClearAForeignNonEmptyDirectory() throws IOException {
        Path app = Files.createDirectory(tmp.resolve("app"));
        Files.writeString(app.resolve("data.db"), "precious");
        Path only = layer("only");
        write(only, "f", "f");

        LauncherException e = assertThrows(LauncherException.class, () -> assembler.assemble(List.of(only), app, "m"));

        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains(AppDirMarker.NAME), e.getMessage());
        assertEquals(List.of(app.resolve("data.db")), Files.list(app).toList());
    }

    @Test
    void markerThatIsASymlinkDoesNotMakeADirectoryOurs() throws IOException {
        Path elsewhere = Files.writeString(tmp.resolve("elsewhere"), "untouched");
        Path app = Files.createDirectory(tmp.resolve("app"));
        Files.createSymbolicLink(app.resolve(AppDirMarker.NAME), elsewhere.toAbsolutePath());
        Path only = layer("only");

        assertThrows(LauncherException.class, () -> assembler.assemble(List.of(only), app, "m"));
        assertEquals("untouched", Files.readString(elsewhere));
    }

    @Test
    void reassemblesOverADirectoryItAssembledBefore() throws IOException {
        Path first = layer("first");
        write(first, "v1", "1");
        Files.createDirectories(first.resolve("ro"));
        Files.setPosixFilePermissions(first.resolve("ro"), PosixModes.permissions(0555));
        Path second = layer("second");
        write(second, "v2", "2");
        Path app = tmp.resolve("app");

        assembler.assemble(List.of(first), app, "sha256:first");
        Object appDirKey = fileKey(app);
        Files.writeString(app.resolve("written-by-the-app"), "x");
        assembler.assemble(List.of(second), app, "sha256:second");

        assertEquals(Map.of("v2", "2"), contents(app));
        assertEquals(Optional.of("sha256:second"), AppAssembler.assembledContent(app));
        assertEquals(appDirKey, fileKey(app)); // emptied, not replaced: it may be a mount point
    }

    @Test
    void interruptedAssemblyIsNotReportedAsCompleteAndCanBeRedone() throws IOException {
        Path app = Files.createDirectory(tmp.resolve("app"));
        Files.writeString(app.resolve(AppDirMarker.NAME), ""); // what a crash mid-assembly leaves
        Files.writeString(app.resolve("half-copied"), "x");

        assertEquals(Optional.empty(), AppAssembler.assembledContent(app));

        Path only = layer("only");
        write(only, "f", "f");
        assembler.assemble(List.of(only), app, "sha256:done");
        assertEquals(Map.of("f", "f"), contents(app));
        assertEquals(Optional.of("sha256:done"), AppAssembler.assembledContent(app));
    }

    @Test
    void markerIsWrittenLastWithTheCallersLine() throws IOException {
        Path only = layer("only");
        write(only, "f", "f");
        Path app = assemble(only);
        assertEquals("sha256:test\n", Files.readString(app.resolve(AppDirMarker.NAME), UTF_8));
        assertFalse(Files.exists(app.resolve(AppDirMarker.TEMP_NAME)));
        assertEquals(Optional.empty(), AppAssembler.assembledContent(tmp.resolve("never-assembled")));
    }

    @Test
    void layerFilesNamedLikeTheMarkerAreNotCopied() throws IOException {
        Path only = layer("only");
        write(only, AppDirMarker.NAME, "forged");
        write(only, ".wh." + AppDirMarker.NAME, "");
        write(only, "f", "f");

        Path app = assemble(only);

        assertEquals(Optional.of("sha256:test"), AppAssembler.assembledContent(app));
    }

    @Test
    void markerLineMustBeOneNonEmptyLine() throws IOException {
        Path only = layer("only");
        Path app = tmp.resolve("app");
        for (String bad : new String[] {"", "two\nlines", "cr\r"}) {
            LauncherException e = assertThrows(LauncherException.class, () -> assembler.assemble(List.of(only), app, bad));
            assertEquals(ExitCode.USAGE, e.exitCode());
        }
    }

    @Test
    void missingLayerTreeIsACacheError() {
        LauncherException e = assertThrows(LauncherException.class,
                () -> assembler.assemble(List.of(tmp.resolve("absent")), tmp.resolve("app"), "m"));
        assertEquals(ExitCode.CACHE_IO, e.exitCode());
    }

    @Test
    void assemblesLayersAsTheUnpackerLeavesThem() throws IOException {
        Path lower = layer("lower");
        new LayerUnpacker().unpackTar(new ByteArrayInputStream(new TarBuilder()
                .dir("app", 0755)
                .file("app/config", "old")
                .file("app/tmp/cache", "c")
                .symlink("app/current", "config")
                .tar()), lower, "lower");
        Path upper = layer("upper");
        new LayerUnpacker().unpackTar(new ByteArrayInputStream(new TarBuilder()
                .file("app/.wh.tmp", "")
                .file("app/config", "new")
                .tar()), upper, "upper");

        Path app = assemble(lower, upper);

        assertEquals(Map.of("app/config", "new"), contents(app));
        assertEquals(Path.of("config"), Files.readSymbolicLink(app.resolve("app/current")));
    }

    // ---- helpers ------------------------------------------------------------------------

    /** A layer tree as the cache keeps it: {@code tree/} in an entry of its own, where link mode puts {@code links/}. */
    Path layer(String name) throws IOException {
        return Files.createDirectories(tmp.resolve("cache").resolve(name).resolve("tree"));
    }

    AssemblyMode mode() {
        return AssemblyMode.COPY;
    }

    Path assemble(Path... layers) {
        Path app = tmp.resolve("app");
        assembler.assemble(List.of(layers), app, "sha256:test", mode());
        return app;
    }

    static void write(Path root, String rel, String content) throws IOException {
        Path path = root.resolve(rel);
        Files.createDirectories(path.getParent());
        Files.writeString(path, content);
    }

    /** Regular files below {@code root} and their content; whiteouts, symlinks and the marker must not be among them. */
    static Map<String, String> contents(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (var paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                String rel = root.relativize(path).toString();
                assertFalse(path.getFileName().toString().startsWith(".wh."), "whiteout left in the app dir: " + rel);
                if (Files.isRegularFile(path, NOFOLLOW_LINKS) && !rel.equals(AppDirMarker.NAME)) {
                    files.put(rel, Files.readString(path));
                }
            }
        }
        return files;
    }

    static Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW_LINKS).fileKey();
    }

    @Test
    void appDirThatCannotBeWrittenIsAUsageErrorNamingIt() throws IOException {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        var under = assertThrows(LauncherException.class, () -> AppAssembler.requireWritable(file.resolve("app")));
        assertEquals(ExitCode.USAGE, under.exitCode());
        assertTrue(under.getMessage().contains(file + ", which is not a directory"), under.getMessage());

        var isFile = assertThrows(LauncherException.class, () -> AppAssembler.requireWritable(file));
        assertEquals(ExitCode.USAGE, isFile.exitCode());
        assertTrue(isFile.getMessage().contains(file + " is not a directory"), isFile.getMessage());

        AppAssembler.requireWritable(tmp); // exists, writable
        AppAssembler.requireWritable(tmp.resolve("not/yet/there")); // creatable
    }
}
