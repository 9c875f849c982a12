package dev.launcher.testing;

/**
 * The distribution server's config.yml. Paths are as the server sees them: host paths for the binary,
 * mount points for a container.
 *
 * @param confDir holds htpasswd, cert.pem and key.pem when auth or TLS is on
 */
record RegistryConfig(String addr, String storageRoot, String confDir, boolean basicAuth, boolean tls) {
    static final String HTPASSWD = "htpasswd";
    static final String CERT = "cert.pem";
    static final String KEY = "key.pem";

    String render() {
        // A fixed http.secret keeps upload state valid across restart(); purging is off so that no background
        // job touches the storage a test may be inspecting; no blob descriptor cache, so a tampered file is seen.
        StringBuilder yaml = new StringBuilder("""
                version: 0.1
                log:
                  level: info
                  formatter: text
                  accesslog:
                    disabled: false
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                  maintenance:
                    uploadpurging:
                      enabled: false
                http:
                  addr: %s
                  secret: launcher-test-harness
                """.formatted(quote(storageRoot), quote(addr)));
        if (tls) {
            yaml.append("""
                      tls:
                        certificate: %s
                        key: %s
                    """.formatted(quote(confDir + "/" + CERT), quote(confDir + "/" + KEY)));
        }
        if (basicAuth) {
            yaml.append("""
                    auth:
                      htpasswd:
                        realm: launcher-test
                        path: %s
                    """.formatted(quote(confDir + "/" + HTPASSWD)));
        }
        return yaml.toString();
    }

    /** YAML double-quoted scalar, so a temp dir name never changes the document's structure. */
    private static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
