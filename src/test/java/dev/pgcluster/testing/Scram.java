package dev.pgcluster.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.cluster.ScramVerifier;
import java.util.Base64;

/** Checks on SCRAM-SHA-256 verifiers, as PostgreSQL stores them. */
public final class Scram {
    private static final String PREFIX = "SCRAM-SHA-256$4096:";

    private Scram() {
    }

    /** {@code verifier} is one PostgreSQL accepts for {@code password}: the same as made again from its own salt. */
    public static void assertVerifierOf(String password, String verifier) {
        assertTrue(verifier.startsWith(PREFIX), verifier);
        String salt = verifier.substring(PREFIX.length(), verifier.indexOf('$', PREFIX.length()));
        assertEquals(ScramVerifier.of(password, Base64.getDecoder().decode(salt)), verifier);
    }
}
