package dev.pgcluster.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PasswordUtil;

class ScramVerifierTest {
    /** What pgJDBC makes for the same password and salt: an implementation of its own of PostgreSQL's rules. */
    @ParameterizedTest
    @ValueSource(strings = {"a'b\\c\"d $x-1234567890", "correct-horse-battery", "Ünïcödé-pässwörd-ℌ", "tab\tinside-12345"})
    void sameVerifierAsPgJdbcForTheSameSalt(String password) {
        byte[] salt = ScramVerifier.salt("key", "replicator", password);
        assertEquals(PasswordUtil.encodeScramSha256(password.toCharArray(), ScramVerifier.ITERATIONS, salt),
                ScramVerifier.of(password, salt));
    }

    @Test
    void theSaltIsStableAndDiffersByRolePasswordAndStack() {
        String verifier = ScramVerifier.forRole("stack-key", "replicator", "a-long-password");
        assertEquals(verifier, ScramVerifier.forRole("stack-key", "replicator", "a-long-password"));
        assertNotEquals(salt(verifier), salt(ScramVerifier.forRole("stack-key", "monitoring", "a-long-password")));
        assertNotEquals(salt(verifier), salt(ScramVerifier.forRole("stack-key", "replicator", "another-password")));
        assertNotEquals(salt(verifier), salt(ScramVerifier.forRole("other-key", "replicator", "a-long-password")));
        assertEquals(ScramVerifier.SALT_BYTES, Base64.getDecoder().decode(salt(verifier)).length);
        assertTrue(verifier.startsWith("SCRAM-SHA-256$4096:"), verifier);
    }

    private static String salt(String verifier) {
        return verifier.substring(verifier.indexOf(':') + 1, verifier.indexOf('$', verifier.indexOf(':')));
    }

    /** The program's warm-up runs beside it and never holds the JVM open. */
    @Test
    void theWarmUpIsADaemonThreadThatFinishes() throws InterruptedException {
        Thread warmUp = ScramVerifier.warmUp();
        assertTrue(warmUp.isDaemon());
        warmUp.join(30_000);
        assertFalse(warmUp.isAlive());
    }
}
