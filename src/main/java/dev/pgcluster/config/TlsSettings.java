package dev.pgcluster.config;

import java.util.List;

/**
 * TLS between every client and node and between the nodes.
 *
 * @param enabled               {@code ssl=on}, network logins only over TLS, replication checking the
 *                              primary's certificate, exported strings with {@code sslmode=verify-full}
 * @param caGeneration          the CA generation that signs the nodes' certificates
 * @param trustedCaGenerations  the CA generations nodes and clients trust (the {@code caCertificate}
 *                              output); always holds {@code caGeneration}. Trusting two is the
 *                              overlap of a CA rotation
 * @param certificateGeneration raising it gives every node a new key and certificate
 */
public record TlsSettings(boolean enabled, int caGeneration, List<Integer> trustedCaGenerations,
                          int certificateGeneration) {
    public TlsSettings {
        trustedCaGenerations = List.copyOf(trustedCaGenerations);
        if (enabled && !trustedCaGenerations.contains(caGeneration)) {
            throw new IllegalArgumentException("the signing CA generation must be trusted");
        }
    }

    /** TLS off: plain TCP with SCRAM, as before TLS existed. */
    public static final TlsSettings OFF = new TlsSettings(false, 1, List.of(1), 1);
}
