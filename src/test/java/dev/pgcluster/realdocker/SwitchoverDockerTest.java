package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * README, "Switchover": `pulumi config set pg-cluster:primary <node>` and `pulumi up` move the
 * primary, on a real cluster (2 standbys, quorum commit `any 1`) under a steady writer that follows
 * whichever node accepts writes; and the refusals, each before anything is changed.
 */
@RequiresDocker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwitchoverDockerTest {
    private RealCluster cluster;

    @BeforeAll
    void up() {
        cluster = RealCluster.up("switchover", RealCluster.testConfig(2, "synchronous", "any 1"));
    }

    @AfterAll
    void down() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * pg0 → pg1 → pg0 under a writer: every acknowledged id on every node, the write gap printed,
     * no Docker object touched, the outputs follow, quorum commit applies on the new primary, and
     * a second run changes nothing.
     */
    @Test
    @Order(1)
    void plannedSwitchoverThereAndBackLosesNoAcknowledgedCommit() {
        try (var writer = new SteadyWriter(cluster.anyPrimaryJdbcUrl())) {
            writer.awaitProgress(200, Duration.ofSeconds(60));
            switchOver(writer, "pg1");
            ClusterChecks.assertIdempotent(cluster.stack());
            switchOver(writer, "pg0");
            assertEquals(List.of(), cluster.stack().up().changed(), "a second pulumi up changes nothing");
            writer.close();
            ClusterChecks.assertNoAcknowledgedCommitLost(cluster, writer.acknowledged(),
                    List.of(cluster.container("pg0"), cluster.container("pg1"), cluster.container("pg2")));
        }
    }

    private void switchOver(SteadyWriter writer, String target) {
        String old = cluster.config().primary().name();
        cluster.stack().setConfig(Map.of("primary", target));
        // The preview shows what up does: no replacement (the containers' seed labels are known in
        // it), the same steps.
        var preview = cluster.stack().preview(false);
        assertEquals(List.of(), preview.steps().stream().filter(s -> EngineStack.REPLACING.contains(s.op())).toList(),
                "a switchover's preview replaces nothing:\n" + preview.stdout());
        Instant from = Instant.now();
        var run = cluster.stack().up();
        assertEquals(Set.copyOf(preview.changed()), Set.copyOf(run.changed()), "the preview showed what up did");
        writer.awaitProgress(100, Duration.ofSeconds(60));
        Duration gap = writer.longestGap(from, Instant.now());
        System.out.printf("switchover %s -> %s: write gap %d ms (pulumi up %.1f s); %s%n", old, target,
                gap.toMillis(), Duration.between(from, Instant.now()).toMillis() / 1000.0, cluster.primaryStepReport());

        assertEquals("f", Docker.psql(cluster.container(target), "SELECT pg_is_in_recovery()"));
        for (String node : List.of("pg0", "pg1", "pg2")) {
            if (!node.equals(target)) {
                assertEquals("t", Docker.psql(cluster.container(node), "SELECT pg_is_in_recovery()"), node);
            }
        }
        assertTrue(cluster.primaryStepReport().startsWith(target + " primary timeline "),
                cluster.primaryStepReport());
        assertTrue(cluster.primaryStepReport().contains("switchover from " + old), cluster.primaryStepReport());
        run.changed().forEach(step -> assertTrue(!step.type().startsWith("docker:"),
                "a switchover touches no container, volume or network: " + run.changed()));
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        // The cluster's quorum commit applies on the new primary: both standbys count.
        Sql.awaitPsql(cluster.container(target),
                "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'quorum'", "2"::equals, Duration.ofSeconds(30));
        // Each standby streams through its own slot on the new primary.
        assertEquals(List.of("pg0", "pg1", "pg2").stream().filter(n -> !n.equals(target)).toList(),
                Docker.lines(Docker.psql(cluster.container(target),
                        "SELECT slot_name FROM pg_replication_slots WHERE active ORDER BY 1")));
        // The status command shows the new roles: one primary, the others streaming from it.
        var status = Shell.run(List.of("sh", "ops/status.sh", cluster.config().stack(), cluster.config().project()),
                Map.of("PATH", System.getenv("PATH")), null, Duration.ofSeconds(60));
        assertEquals(0, status.exitCode(), status.stdout() + status.stderr());
        for (String line : Docker.lines(status.stdout())) {
            String node = line.split(" +")[0];
            if (node.equals(target)) {
                assertTrue(line.matches(target + " +running \\(healthy\\) +primary .*"), line);
            } else if (List.of("pg0", "pg1", "pg2").contains(node)) {
                assertTrue(line.contains(" standby ") && line.contains("streaming from " + cluster.container(target))
                        && line.contains(" quorum ") && line.contains("active reserved"), line);
            }
        }
        System.out.println(status.stdout());
        var outputs = cluster.stack().outputs();
        assertEquals(target, outputs.get("primaryNode"));
        assertEquals(String.valueOf(cluster.config().nodes().stream().filter(n -> n.name().equals(target))
                .findFirst().orElseThrow().hostPort()), String.valueOf(outputs.get("primaryPort")).replace(".0", ""));
    }

    /** A primary that is not a node of the stack: refused by config validation; nothing changes. */
    @Test
    @Order(2)
    void aPrimaryThatIsNotANodeIsRefused() {
        var before = ids();
        cluster.stack().setConfig(Map.of("primary", "pg5"));
        try {
            var refused = assertThrows(EngineStack.EngineFailure.class, () -> cluster.stack().up());
            assertTrue(refused.getMessage().contains("pg-cluster:primary = \"pg5\" is not allowed: a node of this stack:"
                    + " pg0, pg1, pg2"), refused.getMessage());
        } finally {
            cluster.stack().setConfig(Map.of("primary", "pg0"));
        }
        assertEquals(before, ids(), "nothing changed");
    }

    /**
     * A target whose replay is far behind: refused with its lag before anything is declared (so in
     * `pulumi preview` too); nothing changes, not even in the stack's state.
     */
    @Test
    @Order(3)
    void aLaggingTargetIsRefusedAndNothingChanges() {
        String pg2 = cluster.container("pg2");
        Docker.psql(pg2, "SELECT pg_wal_replay_pause()");
        try {
            Docker.psql(cluster.container("pg0"), "CREATE TABLE filler AS SELECT g, repeat('x', 1000) AS pad "
                    + "FROM generate_series(1, 40000) g");
            var before = ids();
            var stateBefore = cluster.stack().state().stream().map(r -> r.urn() + r.inputs()).toList();
            cluster.stack().setConfig(Map.of("primary", "pg2"));
            assertThrows(EngineStack.EngineFailure.class, () -> cluster.stack().preview(false));
            var refused = assertThrows(EngineStack.EngineFailure.class, () -> cluster.stack().up());
            assertTrue(refused.getMessage().contains("refusing to switch over to pg2: it is streaming and")
                    && refused.getMessage().contains("bytes behind pg0 (at most 16777216 allowed). Nothing was changed."),
                    refused.getMessage());
            assertEquals("f", Docker.psql(cluster.container("pg0"), "SELECT pg_is_in_recovery()"));
            assertEquals("t", Docker.psql(pg2, "SELECT pg_is_in_recovery()"));
            assertEquals(before, ids(), "no Docker object changed");
            assertEquals(stateBefore, cluster.stack().state().stream().map(r -> r.urn() + r.inputs()).toList(),
                    "nothing changed in the stack's state");
        } finally {
            Docker.psql(pg2, "SELECT pg_wal_replay_resume()");
            cluster.stack().setConfig(Map.of("primary", "pg0"));
        }
        ClusterChecks.awaitCaughtUp(cluster, Duration.ofMinutes(1));
        assertEquals(List.of(), cluster.stack().up().changed(), "back as configured: nothing to do");
    }

    /**
     * A node promoted by hand while config names another: `pulumi up` (and preview) refuse, say
     * what they found and how to reconcile; nothing changes. Reconciling as told (stop the old
     * primary, name the promoted node in config) makes it the stack's primary; the old primary,
     * which took a write after the fork, and the standby that followed it are rewound only with the
     * consent the refusal names, and come back as its standbys without that write.
     */
    @Test
    @Order(4)
    void aNodePromotedByHandIsRefusedUntilConfigSaysSo() {
        String pg0 = cluster.container("pg0");
        String pg2 = cluster.container("pg2");
        Docker.psql(pg2, "SELECT pg_promote()");
        var before = ids();
        var refused = assertThrows(EngineStack.EngineFailure.class, () -> cluster.stack().preview(false));
        assertTrue(refused.getMessage().contains("pg2 accepts writes too, on timeline")
                && refused.getMessage().contains("was promoted outside pg-cluster. Nothing was changed.")
                && refused.getMessage().contains("pulumi config set pg-cluster:primary pg2"), refused.getMessage());
        assertThrows(EngineStack.EngineFailure.class, () -> cluster.stack().up());
        assertEquals(before, ids(), "nothing changed");
        assertEquals("f", Docker.psql(pg0, "SELECT pg_is_in_recovery()"), "pg0 was left alone");

        // Both accept writes: a client still writing to pg0 (pg1 streams from it and acknowledges).
        Docker.psql(pg0, "CREATE TABLE written_on_pg0_alone AS SELECT 1 AS id");
        Docker.ok("stop", pg0);
        // No standby streams from pg2 yet: under quorum commit its commits would wait for one.
        Docker.psql(pg2, "SET synchronous_commit = local; CREATE TABLE written_on_pg2 AS SELECT 1 AS id");
        cluster.stack().setConfig(Map.of("primary", "pg2"));
        // pg0 committed after pg2's history left it, and pg1 followed pg0: rewinding them discards
        // those commits, which only the consent the refusal names allows.
        var refusedRewind = assertThrows(EngineStack.EngineFailure.class, () -> cluster.stack().up());
        var consent = java.util.regex.Pattern.compile("pulumi config set pg-cluster:acceptDataLoss (pg0@[0-9A-F]+/[0-9A-F]+,"
                + "pg1@[0-9A-F]+/[0-9A-F]+), then remove it again").matcher(refusedRewind.getMessage());
        assertTrue(consent.find() && refusedRewind.getMessage().contains("pg0 is stopped and was a primary on timeline")
                && refusedRewind.getMessage().contains("an old primary that took writes"), refusedRewind.getMessage());
        assertEquals("exited", Docker.inspect(pg0, "{{.State.Status}}"), "pg0 was left as it was");
        cluster.stack().setConfig(Map.of("acceptDataLoss", consent.group(1)));
        EngineStack.Run reconciled;
        try {
            reconciled = cluster.stack().up();
        } finally {
            cluster.stack().removeConfig("acceptDataLoss");
        }
        assertTrue(cluster.primaryStepReport().contains("pg0 was rewound and follows pg2")
                && cluster.primaryStepReport().contains("pg1 was rewound and follows pg2"), cluster.primaryStepReport());
        cluster.stack().up(); // the consent removed again (the primary step's input)
        reconciled.stdout().lines().filter(l -> l.contains("-primary ") && l.contains("pg-cluster: ")).distinct()
                .forEach(l -> System.out.println("  " + l.substring(l.indexOf("pg-cluster: "))));
        assertEquals("running", Docker.inspect(pg0, "{{.State.Status}}"), "the old primary runs again");
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(90));
        ClusterChecks.awaitCaughtUp(cluster, Duration.ofMinutes(1));
        for (String node : List.of("pg0", "pg1")) {
            assertEquals("t", Docker.psql(cluster.container(node), "SELECT pg_is_in_recovery()"), node);
            assertEquals("1", Docker.psql(cluster.container(node), "SELECT count(*) FROM written_on_pg2"), node);
            assertEquals("", Docker.psql(cluster.container(node),
                    "SELECT coalesce(to_regclass('written_on_pg0_alone')::text, '')"), "what pg0 wrote on its own is gone from " + node);
        }
        assertEquals(1, ClusterChecks.fingerprints(List.of(pg0, cluster.container("pg1"), pg2)).values()
                .stream().distinct().count(), "every node holds the same rows");
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /** Every Docker object of the stack with its ID: what "nothing changed" compares. */
    private List<String> ids() {
        return Docker.lines(Docker.ok("ps", "-aq", "--no-trunc", "--filter",
                "label=pg-cluster.stack=" + cluster.config().stack())).stream().sorted().toList();
    }
}
