package dev.launcher.e2e;

import static dev.launcher.it.LauncherProcess.launcher;

import dev.launcher.oci.Descriptor;
import dev.launcher.oci.Digest;
import dev.launcher.oci.ManifestParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The apps under test-apps/, staged and pushed with the real {@code launcher push}, the way the README's
 * developer loop does it.
 */
final class TestApps {
    private static boolean nodeModulesReady;

    private TestApps() {}

    /** A pushed artifact: the tag reference a user would set as ARTIFACT, the pinned one push printed, its layers. */
    record Pushed(String tagged, String pinned, List<Digest> layers) {}

    /**
     * node-http as two layers, node_modules and the app's own files, so that a new version of the app
     * re-uses the dependency layer. {@code version} goes into version.txt.
     */
    static Pushed nodeHttp(String registry, String tag, String version, Path work) throws IOException {
        prepareNodeModules();
        Path source = E2E.repoRoot().resolve("test-apps/node-http");
        Path deps = Files.createDirectories(work.resolve("node-deps-" + tag));
        copyTree(source.resolve("node_modules"), deps.resolve("node_modules"));
        Path app = Files.createDirectories(work.resolve("node-app-" + tag));
        for (String file : List.of("server.js", "package.json")) {
            Files.copy(source.resolve(file), app.resolve(file));
        }
        Files.writeString(app.resolve("version.txt"), version + "\n");
        return push(registry, "e2e/node-http:" + tag, deps, app);
    }

    /** php-http as one layer: run.sh, public/ and version.txt at the app dir's root. */
    static Pushed phpHttp(String registry, String tag, Path work) throws IOException {
        Path app = work.resolve("php-app-" + tag);
        copyTree(E2E.repoRoot().resolve("test-apps/php-http"), app);
        return push(registry, "e2e/php-http:" + tag, app);
    }

    /** jvm-http's jar, built by Maven before this module, as a single titled layer: /app/jvm-http.jar. */
    static Pushed jvmHttp(String registry, String tag) {
        Path jar = E2E.jvmAppJar();
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError(jar + " is missing: the root build makes it (module test-apps/jvm-http)");
        }
        return push(registry, "e2e/jvm-http:" + tag, jar);
    }

    static Pushed push(String registry, String repoAndTag, Path... paths) {
        List<String> args = new ArrayList<>(List.of("push", "--insecure", registry, registry + "/" + repoAndTag));
        for (Path p : paths) {
            args.add(p.toString());
        }
        var result = launcher(args.toArray(String[]::new)).run();
        if (result.exitCode() != 0) {
            throw new AssertionError("launcher push failed: " + result);
        }
        String pinned = result.stdout().strip();
        return new Pushed(registry + "/" + repoAndTag, pinned, layersOf(registry, pinned));
    }

    /** The layer digests, read back from the registry, so that a test can count GETs of each. */
    private static List<Digest> layersOf(String registry, String pinned) {
        Matcher m = Pattern.compile("^[^/]+/(.+):[^:/@]+@(sha256:[0-9a-f]{64})$").matcher(pinned);
        if (!m.matches()) {
            throw new AssertionError("push printed no pinned reference: " + pinned);
        }
        try (var http = HttpClient.newHttpClient()) {
            var request = HttpRequest.newBuilder(
                            URI.create("http://" + registry + "/v2/" + m.group(1) + "/manifests/" + m.group(2)))
                    .header("Accept", "application/vnd.oci.image.manifest.v1+json").build();
            byte[] body = http.send(request, HttpResponse.BodyHandlers.ofByteArray()).body();
            var parsed = (ManifestParser.Image) ManifestParser.parse(body, pinned);
            return parsed.manifest().layers().stream().map(Descriptor::digest).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** node_modules from the committed lock file (test-apps/node-http/prepare.sh: npm ci), once per run. */
    private static synchronized void prepareNodeModules() throws IOException {
        if (nodeModulesReady) {
            return;
        }
        Path prepare = E2E.repoRoot().resolve("test-apps/node-http/prepare.sh");
        try {
            Path log = Files.createTempFile("e2e-npm", ".log");
            Process p = new ProcessBuilder("sh", prepare.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new AssertionError(prepare + " failed (it needs npm and the npm registry):\n" + Files.readString(log));
            }
            Files.delete(log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        nodeModulesReady = true;
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
