package dev.launcher.registry;

import dev.launcher.error.LauncherException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS trust for registries: the JDK's public CAs plus the PEM bundle of LAUNCHER_CA_FILE, so that a
 * private registry's CA is added to what is trusted, not put in its place.
 */
final class TrustedCertificates {
    private TrustedCertificates() {}

    static SSLContext withExtraCas(Path pemBundle) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int index = 0;
            for (X509Certificate ca : jdkDefaults().getAcceptedIssuers()) {
                store.setCertificateEntry("jdk-" + index++, ca);
            }
            Collection<? extends Certificate> extra;
            try (InputStream in = Files.newInputStream(pemBundle)) {
                extra = CertificateFactory.getInstance("X.509").generateCertificates(in);
            }
            if (extra.isEmpty()) {
                throw LauncherException.usage("LAUNCHER_CA_FILE " + pemBundle + " holds no PEM certificate");
            }
            for (Certificate ca : extra) {
                store.setCertificateEntry("extra-" + index++, ca);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw LauncherException.usage("cannot read the CA certificates in LAUNCHER_CA_FILE " + pemBundle + ": "
                    + e.getMessage() + ": it must be a PEM bundle");
        }
    }

    private static X509TrustManager jdkDefaults() throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("the JDK has no X.509 trust manager");
    }
}
