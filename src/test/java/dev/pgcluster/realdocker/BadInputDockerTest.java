package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every invalid config value fails the whole program with its message, and nothing reaches the engine. */
@RequiresDocker
class BadInputDockerTest {

    @ParameterizedTest
    @MethodSource("dev.pgcluster.config.BadConfigValues#all")
    void badValueFailsWithItsMessageAndNothingIsRealized(Map<String, String> bad, String message) {
        // The same context as the unit layer's table: defaults, but the local test image.
        var values = new HashMap<String, String>(Map.of("image", TestImage.reference(), "pullImage", "false"));
        values.putAll(bad);
        var attempt = RealCluster.attempt("it-bad-input", values);
        assertTrue(attempt.errors().stream().anyMatch(e -> e.contains(message)),
                "expected \"" + message + "\" in " + attempt.errors());
        assertEquals(0, attempt.realized().stream().filter(r -> !r.type().startsWith("pgcluster:")).count(),
                "nothing may be created: " + attempt.realized());
        DevStackDockerTest.assertNothingLeft("it-bad-input");
    }
}
