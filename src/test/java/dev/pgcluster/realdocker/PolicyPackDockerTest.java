package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.testing.TestConfigs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * {@code pulumi preview --policy-pack policies} with the real policy engine, over exactly what the
 * program declares for each shipped stack (their config as shipped: a preview creates nothing and
 * pulls nothing). Needs {@code npm ci} in policies/ (the build runs it before the tests).
 */
@RequiresDocker
class PolicyPackDockerTest {
    private static final String POLICY_PACK = Path.of("policies").toAbsolutePath().toString();

    private static void requireInstalledPack() {
        assertTrue(Files.isDirectory(Path.of("policies", "node_modules", "@pulumi", "policy")),
                "policies/node_modules is missing: run `npm ci` in policies/ (mvn runs it before the tests)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "staging", "prod"})
    void shippedStacksPassEveryPolicy(String shipped) {
        requireInstalledPack();
        var stack = EngineStack.create(Docker.TEST_STACK_PREFIX + "policy-" + shipped, TestConfigs.shippedStack(shipped));
        try {
            if (shipped.equals("prod")) {
                // The shipped production stack runs on one Docker host, as a trial: the rule that
                // wants several hosts refuses it, and nothing else does. (README gives the policy
                // config that lowers that rule; the Java Automation API cannot pass one: it sends
                // --policy-pack-configs, which the CLI does not know. policies/tests cover the file.)
                var failure = assertThrows(EngineStack.EngineFailure.class, () -> stack.preview(false, List.of(POLICY_PACK)));
                String out = failure.getMessage();
                assertTrue(out.contains("pg-cluster@v0.1.0"), "the policy pack ran:\n" + out);
                assertEquals(List.of("[mandatory]  production-spread-over-hosts  (pulumi:pulumi:Stack: pg-cluster-"
                        + stack.name() + ")"), out.lines().filter(l -> l.contains("[mandatory]") || l.contains("[advisory]"))
                        .map(l -> l.strip().replaceFirst("^- ", "")).distinct().toList(), "only the one-host finding:\n" + out);
                return;
            }
            var preview = stack.preview(false, List.of(POLICY_PACK));
            String out = preview.stdout();
            assertTrue(out.contains("pg-cluster@v0.1.0"), "the policy pack ran:\n" + out);
            assertFalse(out.contains("[mandatory]"), "no mandatory violation:\n" + out);
            assertEquals(List.of(), out.lines().filter(l -> l.contains("[advisory]")).toList(), "no violation:\n" + out);
        } finally {
            stack.remove();
        }
    }

    /** The production stack's shape on ha: none: refused by production-automatic-failover, before anything exists. */
    @Test
    void aProductionStackWithoutAutomaticFailoverIsRefused() {
        requireInstalledPack();
        var stack = EngineStack.create(Docker.TEST_STACK_PREFIX + "policy-prod-none", TestConfigs.shippedStackOnHaNone("prod"));
        try {
            var failure = assertThrows(EngineStack.EngineFailure.class, () -> stack.preview(false, List.of(POLICY_PACK)));
            String message = failure.getMessage();
            assertTrue(message.contains("[mandatory]  production-automatic-failover"), message);
            assertTrue(message.contains("without automatic failover (ha: none)"), message);
            assertEquals(List.of(), stack.state().stream().filter(r -> !r.type().startsWith("pulumi:")).toList(),
                    "a preview creates nothing");
        } finally {
            stack.remove();
        }
    }

    @Test
    void aStackPublishingPostgresOnEveryInterfaceIsRefusedWithTheRulesMessage() {
        requireInstalledPack();
        var values = TestConfigs.shippedStack("dev");
        values.put("publishAddress", "0.0.0.0");
        var stack = EngineStack.create(Docker.TEST_STACK_PREFIX + "policy-bad", values);
        try {
            var failure = assertThrows(EngineStack.EngineFailure.class, () -> stack.preview(false, List.of(POLICY_PACK)));
            String message = failure.getMessage();
            assertTrue(message.contains("[mandatory]  no-public-postgres-port  (docker:index:Container: pg-cluster-"
                    + stack.name() + "-pg0)"), message);
            assertTrue(message.contains("PostgreSQL port 5432 is published on all interfaces (ip \"0.0.0.0\")"), message);
            assertEquals(List.of(), stack.state().stream().filter(r -> !r.type().startsWith("pulumi:")).toList(),
                    "a preview creates nothing");
        } finally {
            stack.remove();
        }
    }
}
