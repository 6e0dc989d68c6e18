package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every invalid config value fails the real {@code pulumi up} with its message, and nothing is
 * created: not in state, not on the Docker engine. One stack, its config replaced for each value.
 */
@RequiresDocker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputDockerTest {
    private static final String STACK = Docker.TEST_STACK_PREFIX + "bad-input";
    private EngineStack stack;

    @BeforeAll
    void createStack() {
        stack = EngineStack.create(STACK, Map.of());
    }

    @AfterAll
    void removeStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.pgcluster.config.BadConfigValues#all")
    void badValueFailsTheUpWithItsMessageAndNothingIsCreated(Map<String, String> bad, String message) {
        stack.values().keySet().forEach(stack::removeConfig);
        // The same context as the unit layer's table: defaults, but the local test image.
        var values = new HashMap<String, String>(Map.of("image", TestImage.reference(), "pullImage", "false"));
        values.putAll(bad);
        stack.setConfig(values);
        var failure = assertThrows(EngineStack.EngineFailure.class, stack::up);
        assertTrue(failure.getMessage().contains(message), "expected \"" + message + "\" in " + failure.getMessage());
        // The message is the error, as the user reads it: no Java stack trace around it.
        assertFalse(failure.getMessage().contains("unhandled exception") || failure.getMessage().contains("\tat dev.pgcluster."),
                failure.getMessage());
        assertEquals(List.of(), stack.state().stream()
                .filter(r -> !r.type().startsWith("pulumi:") && !r.type().startsWith("pgcluster:"))
                .map(r -> r.type() + " " + r.name()).toList(), "nothing may be created");
        assertEquals(List.of(), Docker.objectsOfStack(STACK), "nothing may be created");
    }
    /**
     * A port of the stack that a running container of something else holds is refused before
     * anything is declared, naming the port, who holds it and the key that chooses it: the
     * container that cannot bind it would fail when Docker starts it, after the steps before it ran.
     */
    @org.junit.jupiter.api.Test
    void aPortAnotherContainerHoldsIsRefusedBeforeAnythingIsCreated() {
        stack.values().keySet().forEach(stack::removeConfig);
        List<Integer> ports = RealCluster.freePorts(2);
        String blocker = STACK + "-port-holder";
        Docker.run("rm", "-f", blocker);
        Docker.ok("run", "-d", "--name", blocker, "--label", Docker.TEST_LABEL, "--entrypoint", "sleep",
                "-p", "0.0.0.0:" + ports.get(0) + ":5432", TestImage.reference(), "600");
        try {
            stack.setConfig(Map.of("image", TestImage.reference(), "pullImage", "false", "replicas", "1",
                    "primaryPort", String.valueOf(ports.get(0)), "replicaPorts", "[" + ports.get(1) + "]"));
            var failure = assertThrows(EngineStack.EngineFailure.class, stack::up);
            assertTrue(failure.getMessage().contains("port " + ports.get(0) + " on 127.0.0.1 of Docker host ")
                    && failure.getMessage().contains(" is taken by container " + blocker + ": it is pg0's PostgreSQL port "
                            + "(pg-cluster:primaryPort). Choose another port, or stop " + blocker), failure.getMessage());
            assertEquals(List.of(), stack.state().stream()
                    .filter(r -> !r.type().startsWith("pulumi:") && !r.type().startsWith("pgcluster:"))
                    .map(r -> r.type() + " " + r.name()).toList(), "nothing may be created");
            assertEquals(List.of(), Docker.objectsOfStack(STACK), "nothing may be created");
        } finally {
            Docker.run("rm", "-f", blocker);
        }
    }
}
