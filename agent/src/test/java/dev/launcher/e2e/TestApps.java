package dev.launcher.e2e;

import static dev.launcher.it.LauncherProcess.launcher;

import dev.launcher.oci.Descriptor;
import dev.launcher.oci.Digest;
import dev.launcher.oci.ImageManifest;
import dev.launcher.oci.ManifestParser;
import dev.launcher.testing.TestRegistry;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The apps under test-apps/, staged and pushed with the real {@code launcher push}, the way the README's
 * developer loop does it.
 */
final class TestApps {
    /** node_modules staged once per run: every version of node-http shares this layer. */
    private static Path nodeDependencies;

    private TestApps() {}

    /** A pushed artifact: the tag reference a user would set as ARTIFACT, the pinned one push printed, its layers. */
    record Pushed(String tagged, String pinned, List<Digest> layers) {}

    /**
     * node-http as two layers, node_modules and the app's own files, so that a new version of the app
     * re-uses the dependency layer. {@code version} goes into version.txt.
     */
    static Pushed nodeHttp(TestRegistry registry, String tag, String version, Path work) throws IOException {
        Path source = E2E.repoRoot().resolve("test-apps/node-http");
        Path deps = nodeDependencies();
        Path app = Files.createDirectories(work.resolve("node-app-" + tag));
        for (String file : List.of("server.js", "package.json")) {
            Files.copy(source.resolve(file), app.resolve(file));
        }
        Files.writeString(app.resolve("version.txt"), version + "\n");
        return push(registry, "e2e/node-http:" + tag, deps, app);
    }

    /** php-http as one layer: run.sh, public/ and version.txt at the app dir's root. */
    static Pushed phpHttp(TestRegistry registry, String tag, Path work) throws IOException {
        Path app = work.resolve("php-app-" + tag);
        copyTree(E2E.repoRoot().resolve("test-apps/php-http"), app);
        return push(registry, "e2e/php-http:" + tag, app);
    }

    /** jvm-http's jar, built by Maven before this module, as a single titled layer: /app/jvm-http.jar. */
    static Pushed jvmHttp(TestRegistry registry, String tag) {
        Path jar = E2E.jvmAppJar();
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError(jar + " is missing: the root build makes it (module test-apps/jvm-http)");
        }
        return push(registry, "e2e/jvm-http:" + tag, jar);
    }

    static Pushed push(TestRegistry registry, String repoAndTag, Path... paths) {
        String host = registry.hostPort();
        List<String> args = new ArrayList<>(List.of("push", "--insecure", host, host + "/" + repoAndTag));
        for (Path p : paths) {
            args.add(p.toString());
        }
        var result = launcher(args.toArray(String[]::new)).run();
        if (result.exitCode() != 0) {
            throw new AssertionError("launcher push failed: " + result);
        }
        String pinned = result.stdout().strip();
        return new Pushed(host + "/" + repoAndTag, pinned, layersOf(registry, pinned));
    }

    /** The layer digests, read back from the registry, so that a test can count GETs of each. */
    private static List<Digest> layersOf(TestRegistry registry, String pinned) {
        Matcher m = Pattern.compile("^[^/]+/(.+):[^:/@]+@(sha256:[0-9a-f]{64})$").matcher(pinned);
        if (!m.matches()) {
            throw new AssertionError("push printed no pinned reference: " + pinned);
        }
        byte[] body = registry.client().send(registry.client().request("/v2/" + m.group(1) + "/manifests/" + m.group(2))
                .header("Accept", ImageManifest.OCI_MANIFEST).GET().build()).body();
        var parsed = (ManifestParser.Image) ManifestParser.parse(body, pinned);
        return parsed.manifest().layers().stream().map(Descriptor::digest).toList();
    }

    /**
     * A directory holding node_modules from the committed lock file (test-apps/node-http/prepare.sh: npm ci,
     * which needs npm and the npm registry), made once per run.
     */
    private static synchronized Path nodeDependencies() throws IOException {
        if (nodeDependencies == null) {
            Path source = E2E.repoRoot().resolve("test-apps/node-http");
            ProcessRun.ok(List.of("sh", source.resolve("prepare.sh").toString()), Map.of(), Duration.ofMinutes(10));
            Path deps = Files.createTempDirectory(E2E.launcherHome().getParent(), "e2e-node-deps"); // under target/
            copyTree(source.resolve("node_modules"), deps.resolve("node_modules"));
            nodeDependencies = deps;
        }
        return nodeDependencies;
    }

    /** Copies a tree as it is: symlinks stay symlinks (node_modules/.bin has them), modes are kept. */
    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(file).toString());
                if (attrs.isSymbolicLink()) {
                    Files.createSymbolicLink(target, Files.readSymbolicLink(file));
                } else {
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
