package dev.pgcluster.topology;

import java.util.Locale;

/**
 * Why a Docker host did not answer, in our words: the docker CLI words the same failure
 * differently from run to run (tools/docker-lab/NOTES.md, "A host that is down").
 */
final class HostAnswer {
    private HostAnswer() {
    }

    /**
     * @param status         the CLI's exit status (-1: it did not end in time)
     * @param stderr         what it said
     * @param timeoutSeconds how long it was given
     */
    static String classify(int status, String stderr, long timeoutSeconds) {
        String text = stderr.toLowerCase(Locale.ROOT);
        String first = stderr.strip().lines().findFirst().orElse("no output");
        if (status == -1 || text.contains("i/o timeout") || text.contains("timed out")
                || text.contains("handshake timeout")) {
            return "no answer within " + timeoutSeconds + " s (the host is down or cut off)";
        }
        if (text.contains("no route to host") || text.contains("network is unreachable")) {
            return "no route to it (the host is down or cut off): " + first;
        }
        if (text.contains("certificate") || text.contains("x509") || text.contains("tls")) {
            return "TLS failed (check certPath: its ca.pem must be the CA that signed the engine's certificate, "
                    + "and the engine must trust cert.pem): " + first;
        }
        if (text.contains("connection refused") || text.contains("cannot connect")) {
            return "nothing listens there (is dockerd running with that endpoint?): " + first;
        }
        if (text.contains("no such host")) {
            return "its name does not resolve: " + first;
        }
        return first;
    }
}
