package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every invalid config value fails the real {@code pulumi up} with its message, and nothing is
 * created: not in state, not on the Docker engine.
 */
@RequiresDocker
class BadInputDockerTest {

    @ParameterizedTest
    @MethodSource("dev.pgcluster.config.BadConfigValues#all")
    void badValueFailsWithItsMessageAndNothingIsRealized(Map<String, String> bad, String message) {
        // The same context as the unit layer's table: defaults, but the local test image.
        var values = new HashMap<String, String>(Map.of("image", TestImage.reference(), "pullImage", "false"));
        values.putAll(bad);
        var attempt = RealCluster.attempt("it-bad-input", values);
        assertTrue(attempt.error().contains(message), "expected \"" + message + "\" in " + attempt.error());
        assertEquals(List.of(), attempt.inState(), "nothing may be created");
        assertEquals(List.of(), attempt.inDocker(), "nothing may be created");
        DevStackDockerTest.assertNothingLeft("it-bad-input");
    }
}
