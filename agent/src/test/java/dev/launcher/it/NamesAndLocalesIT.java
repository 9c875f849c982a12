package dev.launcher.it;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.launcher.fs.FileNames;
import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * File names are bytes, whatever the locale: the launcher started as Debian's node and php images start it (no LANG
 * at all), with the C locale, and with C.UTF-8. The environment is built with env -i and printf, so the app's
 * environment can be compared with it byte for byte: the launcher must neither lose a byte nor add a variable.
 */
class NamesAndLocalesIT {
    /** UTF-8 names, a name that is not UTF-8, and a symlink with a UTF-8 target: as raw names. */
    private static final String CAFE = raw("café.txt");
    private static final String JAPANESE_DIR = raw("日本");
    private static final String JAPANESE_FILE = raw("日本/名前.txt");
    private static final String NOT_UTF8 = "hi\u0080\u0081\u0082\u0083bye";
    private static final String NOT_UTF8_TWIN = "hi\u0080\u0081\u0082\u0084bye";
    private static final String LINK = raw("lien-vers-café");

    static TestRegistry registry;
    static String artifact;

    @BeforeAll
    static void start(@TempDir Path tmp) throws IOException {
        registry = TestRegistry.builder().start();
        byte[] layer = new RawArtifact.Tar(true, ISO_8859_1.name())
                .file(CAFE, "hello café\n".getBytes(UTF_8), 0644)
                .dir(JAPANESE_DIR)
                .file(JAPANESE_FILE, "名前".getBytes(UTF_8), 0644)
                .file(NOT_UTF8, "one".getBytes(UTF_8), 0644)
                .file(NOT_UTF8_TWIN, "two".getBytes(UTF_8), 0644)
                .symlink(LINK, CAFE)
                .bytes();
        artifact = new RawArtifact().layer(layer, "application/vnd.oci.image.layer.v1.tar+gzip", Map.of())
                .push(registry.hostPort(), "names/locales:1", tmp);
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "LANG=C", "LC_ALL=C", "LANG=C.UTF-8"})
    void utf8AndOtherNamesUnpackByteExactAndTheAppGetsTheEnvironmentAsGiven(String locale, @TempDir Path tmp)
            throws Exception {
        Path app = tmp.resolve("app");
        Path out = tmp.resolve("stdout");
        Path err = tmp.resolve("stderr");
        // Every value that is not ASCII is made by printf from octal escapes: a Java string cannot carry \377
        // through ProcessBuilder when this JVM itself has no UTF-8 locale.
        String script = "exec env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/ ARTIFACT=\"$1\" LAUNCHER_INSECURE=\"$2\""
                + " LAUNCHER_CACHE=\"$3\" LAUNCHER_APP_DIR=\"$4\""
                + " RUNARGS=\"$(printf '[\"cat\",\"caf\\303\\251.txt\",\"/proc/self/environ\"]')\""
                + " GREETING=\"$(printf 'caf\\303\\251')\" ODD=\"$(printf 'x\\377y')\" $5 \"$0\"";
        Process p = new ProcessBuilder("sh", "-c", script, LauncherProcess.home().resolve("bin/launcher").toString(),
                artifact, registry.hostPort(), tmp.resolve("cache").toString(), app.toString(), locale)
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the launcher did not finish: " + Files.readString(err, ISO_8859_1));
        }
        String stderr = Files.readString(err, ISO_8859_1);
        assertEquals(0, p.exitValue(), stderr);
        assertFalse(stderr.contains("Exception"), stderr);

        // The app opened the UTF-8 name given in RUNARGS and printed its content, then its own environment.
        byte[] stdout = Files.readAllBytes(out);
        byte[] greeting = "hello café\n".getBytes(UTF_8);
        assertArrayEquals(greeting, Arrays.copyOf(stdout, greeting.length), new String(stdout, ISO_8859_1));
        List<String> environment = nulSeparated(Arrays.copyOfRange(stdout, greeting.length, stdout.length));
        List<String> expected = new ArrayList<>(List.of("PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/",
                "ARTIFACT=" + artifact, "LAUNCHER_INSECURE=" + registry.hostPort(),
                "LAUNCHER_CACHE=" + tmp.resolve("cache"), "LAUNCHER_APP_DIR=" + app,
                "RUNARGS=" + raw("[\"cat\",\"café.txt\",\"/proc/self/environ\"]"), "GREETING=" + raw("café"), "ODD=x\u00ffy"));
        if (!locale.isEmpty()) {
            expected.add(locale);
        }
        // env(1) itself does not keep the order of its arguments; the set of entries, byte for byte, is the point.
        assertEquals(expected.stream().sorted().toList(), environment.stream().sorted().toList(),
                "the app's environment, entry by entry");

        // The tree holds the very bytes, the two names that differ only in a byte that is not UTF-8 stay two.
        assertEquals(Map.of(
                CAFE, "file hello café\n",
                JAPANESE_DIR, "dir",
                LINK, "link " + CAFE,
                NOT_UTF8, "file one",
                NOT_UTF8_TWIN, "file two"), listing(app));
        assertEquals(Map.of(raw("名前.txt"), "file 名前"), listing(FileNames.resolve(app, JAPANESE_DIR)));
    }

    private static String raw(String text) {
        return new String(text.getBytes(UTF_8), ISO_8859_1);
    }

    private static List<String> nulSeparated(byte[] bytes) {
        List<String> entries = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                entries.add(new String(bytes, start, i - start, ISO_8859_1));
                start = i + 1;
            }
        }
        return entries;
    }

    /** Raw name to what it is, with the launcher's marker left out. */
    private static Map<String, String> listing(Path dir) throws IOException {
        Map<String, String> found = new TreeMap<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                String name = FileNames.nameOf(child);
                if (name.startsWith(".launcher")) {
                    continue;
                }
                if (Files.isSymbolicLink(child)) {
                    found.put(name, "link " + FileNames.readSymlink(child));
                } else if (Files.isDirectory(child)) {
                    found.put(name, "dir");
                } else {
                    found.put(name, "file " + Files.readString(child, UTF_8));
                }
            }
        }
        return found;
    }
}
