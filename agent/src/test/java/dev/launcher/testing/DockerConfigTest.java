package dev.launcher.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerConfigTest {
    @Test
    void writesAuthsKeyedByHostPortWithBase64UserColonPassword(@TempDir Path dir) throws IOException {
        Path file = DockerConfig.write(dir.resolve("docker"), Map.of(
                "127.0.0.1:5001", new Credentials("alice", "s3cret:x"),
                "127.0.0.1:5000", new Credentials("bob", "pw")));
        assertEquals(dir.resolve("docker/config.json"), file);
        // base64("bob:pw") = Ym9iOnB3, base64("alice:s3cret:x") = YWxpY2U6czNjcmV0Ong=
        assertEquals("""
                {
                  "auths": {
                    "127.0.0.1:5000": {"auth": "Ym9iOnB3"},
                    "127.0.0.1:5001": {"auth": "YWxpY2U6czNjcmV0Ong="}
                  }
                }
                """, Files.readString(file));
    }
}
