package dev.launcher.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {
    @Test
    void bearerChallengeOfDockerHubGivesRealmServiceAndScope() {
        AuthChallenge c = AuthChallenge.parse(Optional.of(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/node:pull\"")).orElseThrow();
        assertTrue(c.isBearer());
        assertEquals(Map.of("realm", "https://auth.docker.io/token", "service", "registry.docker.io",
                "scope", "repository:library/node:pull"), c.parameters());
    }

    @Test
    void parametersInAnyOrderWithSpacesUnquotedValuesAndEscapes() {
        AuthChallenge c = AuthChallenge.parse(Optional.of(
                "bearer  scope=\"repository:a/b:pull,push\", realm=https://t.example/token , service=\"x\\\"y\"")).orElseThrow();
        assertTrue(c.isBearer());
        assertEquals("repository:a/b:pull,push", c.parameter("scope").orElseThrow());
        assertEquals("https://t.example/token", c.parameter("realm").orElseThrow());
        assertEquals("x\"y", c.parameter("service").orElseThrow());
    }

    @Test
    void basicChallengeOfAnHtpasswdRegistry() {
        AuthChallenge c = AuthChallenge.parse(Optional.of("Basic realm=\"Registry Realm\"")).orElseThrow();
        assertTrue(c.isBasic());
        assertEquals("Registry Realm", c.parameter("REALM").orElseThrow());
    }

    @Test
    void schemeWithoutParameters() {
        assertTrue(AuthChallenge.parse(Optional.of("Basic")).orElseThrow().parameters().isEmpty());
    }

    @Test
    void missingOrUnreadableHeaderIsNoChallenge() {
        assertTrue(AuthChallenge.parse(Optional.empty()).isEmpty());
        assertTrue(AuthChallenge.parse(Optional.of("realm=\"x\"")).isEmpty());
    }
}
