package dev.pgcluster.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A Docker host that does not answer is named with the reason in our words, whatever the CLI's wording. */
class HostAnswerTest {
    private static final String NO_ROUTE = "error during connect: Get \"https://10.0.0.12:2376/v1.24/version\": dial tcp "
            + "10.0.0.12:2376: connect: no route to host";
    private static final String UNKNOWN_CA = "error during connect: Get \"https://10.0.0.12:2376/v1.24/version\": tls: "
            + "failed to verify certificate: x509: certificate signed by unknown authority";
    private static final String REFUSED = "Cannot connect to the Docker daemon at tcp://10.0.0.12:2376. Is the docker "
            + "daemon running?\nerror during connect: dial tcp 10.0.0.12:2376: connect: connection refused";
    private static final String NO_SUCH_HOST = "error during connect: Get \"https://docker-2.lab:2376/v1.24/version\": "
            + "dial tcp: lookup docker-2.lab on 127.0.0.53:53: no such host";

    static Stream<Arguments> answers() {
        return Stream.of(
                Arguments.of("the CLI did not end in time", -1, "", "no answer within 10 s (the host is down or cut off)"),
                Arguments.of("the CLI's own timeout", 1, "error during connect: dial tcp 10.0.0.12:2376: i/o timeout",
                        "no answer within 10 s (the host is down or cut off)"),
                Arguments.of("a TLS handshake that never ends", 1, "error during connect: Get \"https://10.0.0.12:2376/"
                        + "v1.24/version\": net/http: TLS handshake timeout",
                        "no answer within 10 s (the host is down or cut off)"),
                Arguments.of("no route", 1, NO_ROUTE + "\n", "no route to it (the host is down or cut off): " + NO_ROUTE),
                Arguments.of("network unreachable", 1, "dial tcp 10.0.0.12:2376: connect: Network is unreachable",
                        "no route to it (the host is down or cut off): dial tcp 10.0.0.12:2376: connect: Network is unreachable"),
                Arguments.of("another CA", 1, UNKNOWN_CA, "TLS failed (check certPath: its ca.pem must be the CA that "
                        + "signed the engine's certificate, and the engine must trust cert.pem): " + UNKNOWN_CA),
                Arguments.of("nothing listens", 1, REFUSED, "nothing listens there (is dockerd running with that "
                        + "endpoint?): Cannot connect to the Docker daemon at tcp://10.0.0.12:2376. Is the docker daemon running?"),
                Arguments.of("a name that does not resolve", 1, NO_SUCH_HOST, "its name does not resolve: " + NO_SUCH_HOST),
                Arguments.of("anything else, as the CLI said it", 1, "  permission denied\nmore\n", "permission denied"),
                Arguments.of("nothing said", 1, "", "no output"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answers")
    void namesWhyAHostDidNotAnswer(String what, int status, String stderr, String reason) {
        assertEquals(reason, HostAnswer.classify(status, stderr, 10), what);
    }
}
