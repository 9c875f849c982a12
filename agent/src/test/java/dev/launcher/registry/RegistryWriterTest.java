package dev.launcher.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import org.junit.jupiter.api.Test;

class RegistryWriterTest {
    @Test
    void anUploadOpensBesideTheBlobsOfItsRepository() {
        assertEquals(URI.create("https://r.example:5000/v2/team/app/blobs/uploads/"),
                RegistryWriter.uploadsOf(URI.create("https://r.example:5000/v2/team/app/blobs/sha256:ab12")));
        // A repository whose name has "blobs" in it: the last /blobs/ is the API's.
        assertEquals(URI.create("http://h/v2/blobs/blobs/blobs/uploads/"),
                RegistryWriter.uploadsOf(URI.create("http://h/v2/blobs/blobs/blobs/sha256:ab12")));
    }

    @Test
    void aPushTokenAsksForPullAndPush() {
        assertEquals("repository:team/app:pull,push", new Scope("team/app", java.util.Optional::empty, Scope.PUSH).tokenScope());
        assertEquals("repository:team/app:pull", new Scope("team/app", java.util.Optional::empty, Scope.PULL).tokenScope());
    }
}
