package dev.launcher.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One of docker/k8s/*.yaml, made runnable by {@code podman kube play} on this machine: its placeholders
 * (registry.example.com images and artifact, the stock Node.js image, port 8080, the node's cache path)
 * replaced by the test's, one replica, and the pod on the host network, where the test registry is.
 * Every edit must find its text, so a manifest that drifts from what the test expects fails loudly.
 */
final class KubeManifest {
    private String yaml;
    private final String source;

    private KubeManifest(String source, String yaml) {
        this.source = source;
        this.yaml = yaml;
    }

    static KubeManifest read(String name) throws IOException {
        Path file = E2E.repoRoot().resolve("docker/k8s").resolve(name);
        return new KubeManifest(file.toString(), Files.readString(file));
    }

    KubeManifest replace(String text, String replacement) {
        if (!yaml.contains(text)) {
            throw new AssertionError(source + " no longer contains '" + text + "'");
        }
        yaml = yaml.replace(text, replacement);
        return this;
    }

    private KubeManifest replacePattern(String regex, String replacement) {
        Matcher m = Pattern.compile(regex).matcher(yaml);
        if (!m.find()) {
            throw new AssertionError(source + " no longer matches /" + regex + "/");
        }
        yaml = m.replaceAll(Matcher.quoteReplacement(replacement));
        return this;
    }

    /** The edits every manifest needs to run here; see the class comment. */
    KubeManifest forThisMachine(String runtimeImage, String artifact, String registry, Path nodeCache, int port) {
        replace("registry.example.com/platform/runtime-node:1", runtimeImage);
        replace("value: registry.example.com/team/node-http:1",
                "value: " + artifact + "\n            - name: LAUNCHER_INSECURE\n              value: " + registry);
        replace("path: /var/cache/launcher", "path: " + nodeCache);
        replace("replicas: 2", "replicas: 1");
        replace("value: \"8080\"", "value: \"" + port + "\"");
        // Ports cannot be published on the host network; the probe then names the port by number.
        replacePattern("\n +ports:\n +- name: http\n +containerPort: 8080", "");
        replace("port: http", "port: " + port);
        // podman 4.3 applies a Deployment's restartPolicy (Always) to init containers too, restarting them
        // for ever (podman issue 16343); Kubernetes runs them once. OnFailure gives Kubernetes' behaviour.
        replacePattern("\n    spec:\n", "\n    spec:\n      restartPolicy: OnFailure\n");
        return this;
    }

    Path write(Path dir) throws IOException {
        Path file = dir.resolve(Path.of(source).getFileName().toString());
        Files.writeString(file, yaml);
        return file;
    }
}
