package dev.launcher.testing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** A registry user and password, as basic auth sends them. */
public record Credentials(String user, String password) {
    public Credentials {
        if (user.isEmpty() || user.contains(":")) {
            throw new IllegalArgumentException("basic auth user must be non-empty without ':': '" + user + "'");
        }
    }

    /** base64(user:password): the value of both the Authorization header and a docker config "auth". */
    public String token() {
        return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    public String authorizationHeader() {
        return "Basic " + token();
    }
}
