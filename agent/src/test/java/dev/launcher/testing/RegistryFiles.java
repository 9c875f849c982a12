package dev.launcher.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Everything one test registry owns on disk, under one temp dir that close() deletes. */
record RegistryFiles(Path root) {
    static RegistryFiles create() {
        RegistryFiles files = new RegistryFiles(TempDirs.create("test-registry-"));
        try {
            Files.createDirectories(files.conf());
            Files.createDirectories(files.storage());
        } catch (IOException e) {
            TempDirs.deleteTree(files.root());
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** config.yml, htpasswd, cert.pem, key.pem: one dir, so a container needs one read-only mount. */
    Path conf() {
        return root.resolve("conf");
    }

    Path config() {
        return conf().resolve("config.yml");
    }

    Path storage() {
        return root.resolve("storage");
    }

    /** stdout and stderr of every run, appended; the access log in it is how downloads are counted. */
    Path log() {
        return root.resolve("registry.log");
    }

    void writeConfig(RegistryConfig config) {
        write(config(), config.render());
    }

    void writeHtpasswd(Credentials credentials) {
        // bcrypt (-B): the distribution server refuses every other htpasswd hash.
        String line = Cli.run(root, "htpasswd", "-Bbn", credentials.user(), credentials.password()).strip();
        write(conf().resolve(RegistryConfig.HTPASSWD), line + "\n");
    }

    void copyServerCert(TestCerts certs) {
        try {
            Files.copy(certs.certPem(), conf().resolve(RegistryConfig.CERT));
            Files.copy(certs.keyPem(), conf().resolve(RegistryConfig.KEY));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the server certificate", e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
