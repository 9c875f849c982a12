package dev.launcher.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throwaway CA and a server certificate it signed for 127.0.0.1 and localhost, made with the openssl CLI
 * (the JDK has no public API to issue certificates). Close it to delete the files.
 *
 * @param caPem     the CA certificate: what a client must trust
 * @param certPem   the server certificate
 * @param keyPem    the server's private key
 * @param trustStore the CA alone in a PKCS12 store, for a child JVM's {@code -Djavax.net.ssl.trustStore}
 */
public record TestCerts(Path dir, Path caPem, Path certPem, Path keyPem, Path trustStore) implements AutoCloseable {
    public static final String TRUST_STORE_PASSWORD = "changeit";

    public static TestCerts create() {
        Path dir = TempDirs.create("test-certs-");
        boolean made = false;
        try {
            // EC P-256: generated in milliseconds, and both Go's TLS and the JDK accept it.
            Cli.run(dir, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=launcher test CA",
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign");
            Cli.run(dir, "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
            // Clients match the host against the SAN only (CN is ignored), so both names a test may use go there.
            Files.writeString(dir.resolve("server.ext"), """
                    basicConstraints=critical,CA:FALSE
                    keyUsage=critical,digitalSignature
                    extendedKeyUsage=serverAuth
                    subjectAltName=IP:127.0.0.1,DNS:localhost
                    """);
            Cli.run(dir, "openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.pem");
            Path trustStore = dir.resolve("truststore.p12");
            writeTrustStore(dir.resolve("ca.pem"), trustStore);
            made = true;
            return new TestCerts(dir, dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key"),
                    trustStore);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (!made) {
                TempDirs.deleteTree(dir);
            }
        }
    }

    /** An SSLContext that trusts this CA and nothing else: a TLS test that passes proves the CA was used. */
    public SSLContext sslContext() {
        try (InputStream in = Files.newInputStream(trustStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, TRUST_STORE_PASSWORD.toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot load " + trustStore, e);
        }
    }

    private static void writeTrustStore(Path caPem, Path target) throws IOException {
        try (InputStream in = Files.newInputStream(caPem); OutputStream out = Files.newOutputStream(target)) {
            X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("launcher-test-ca", ca);
            store.store(out, TRUST_STORE_PASSWORD.toCharArray());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot store " + caPem + " as PKCS12", e);
        }
    }

    @Override
    public void close() {
        TempDirs.deleteTree(dir);
    }
}
