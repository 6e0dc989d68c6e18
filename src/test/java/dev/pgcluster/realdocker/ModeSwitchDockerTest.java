package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * README, "Switching modes": a stack of a primary and two standbys ({@code any 1}) switches from
 * {@code ha: none} to {@code ha: patroni} and back under a steady writer, on its data: the same
 * system identifier on every node, every acknowledged row, no base backup (a file the test left in
 * each data directory is still there: a base backup replaces the directory, and Patroni takes one
 * only into an empty one). After each switch a second {@code pulumi up}, a preview and a refresh
 * change nothing.
 */
@RequiresDocker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ModeSwitchDockerTest {
    private static final String MARKER = dev.pgcluster.cluster.PostgresNode.PGDATA + "/pg-cluster-test-kept";
    private RealCluster cluster;
    private String systemId;
    private final List<String> nodes = new ArrayList<>();
    private final List<Long> acknowledged = new ArrayList<>();

    @BeforeAll
    void up() {
        cluster = RealCluster.up("modeswitch", RealCluster.testConfig(2, "synchronous", "any 1"));
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        for (String node : List.of("pg0", "pg1", "pg2")) {
            nodes.add(cluster.container(node));
            Docker.ok("exec", "-u", "postgres", cluster.container(node), "touch", MARKER);
        }
        systemId = systemId(cluster.primary());
    }

    @AfterAll
    void down() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String systemId(String container) {
        return Docker.psql(container, "SELECT system_identifier FROM pg_control_system()");
    }

    private String writeUrl() {
        return String.valueOf(cluster.stack().outputs().get("primaryJdbcUrl")) + "&connectTimeout=3&socketTimeout=5";
    }

    /** Runs `pulumi up` under a steady writer; returns the run. */
    private EngineStack.Run upUnderWriter() {
        EngineStack.Run run;
        java.time.Instant t0;
        try (var writer = new SteadyWriter(writeUrl())) {
            writer.awaitProgress(100, Duration.ofSeconds(60));
            t0 = java.time.Instant.now();
            run = cluster.stack().up();
            System.out.printf("mode switch to ha: %s: pulumi up %.1f s%n", cluster.stack().values().get("ha"),
                    Duration.between(t0, java.time.Instant.now()).toMillis() / 1000.0);
            writer.awaitProgress(100, Duration.ofSeconds(120));
            writer.close();
            acknowledged.addAll(writer.acknowledged());
            System.out.printf("mode switch: writes stopped for %.1f s at most%n",
                    writer.longestGap(t0, java.time.Instant.now()).toMillis() / 1000.0);
        }
        return run;
    }

    /** Same database system, data directory kept, every acknowledged row, on every node. */
    private void assertSameData(String primary) {
        for (String node : nodes) {
            assertEquals(systemId, systemId(node), node + ": the same database system");
            assertTrue(Docker.run("exec", node, "test", "-e", MARKER).ok(), node + ": its data directory was kept (no base backup)");
        }
        String database = cluster.config().database();
        long last = acknowledged.stream().mapToLong(Long::longValue).max().orElseThrow();
        String ids = String.join(",", acknowledged.stream().map(String::valueOf).toList());
        for (String node : nodes) {
            Sql.awaitPsql(node, database, "SELECT count(*) FROM public.ack WHERE id = " + last, "1"::equals, Duration.ofSeconds(60));
            String held = Docker.psql(node, database, "SELECT count(*) FROM public.ack WHERE id = ANY ('{" + ids + "}'::bigint[])");
            assertEquals(String.valueOf(acknowledged.size()), held, node + " holds every acknowledged id");
        }
        assertEquals("f", Docker.psql(primary, "SELECT pg_is_in_recovery()"));
    }

    @Test
    @Order(1)
    void noneToPatroniKeepsTheDataAndThePrimaryLeads() {
        String primary = cluster.primary();
        var values = new LinkedHashMap<String, String>();
        values.put("ha", "patroni");
        values.put("etcdImage", TestImage.reference());
        cluster.stack().setConfig(values);
        // A stopped standby may hold what the primary lacks: refused until ha: none has converged.
        String stopped = cluster.container("pg2");
        Docker.ok("stop", stopped);
        var refused = org.junit.jupiter.api.Assertions.assertThrows(EngineStack.EngineFailure.class, () -> cluster.stack().up());
        assertTrue(refused.getMessage().contains("pg2 is exited, not a running standby of pg0"), refused.getMessage());
        assertEquals("", Docker.inspect(primary, "{{index .Config.Labels \"pg-cluster.ha-member\"}}"), "nothing changed");
        Docker.ok("start", stopped);
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        var run = upUnderWriter();
        for (String node : nodes) {
            assertEquals("patroni", Docker.inspect(node, "{{index .Config.Labels \"pg-cluster.ha-member\"}}"), node);
        }
        // The primary became the first member and leads; the others stream from it through their slots.
        assertEquals(primary, ClusterChecks.patroniLeader(nodes), "the primary of ha: none leads");
        Sql.awaitPsql(primary, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'", "2"::equals,
                Duration.ofSeconds(60));
        assertEquals("pg1,pg2", Docker.psql(primary,
                "SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots WHERE active"));
        assertSameData(primary);
        // ha: none's slot steps were taken over, never deleted (their delete would drop a slot in use).
        assertFalse(run.steps().stream().anyMatch(s -> s.op() == com.pulumi.automation.OperationType.DELETE
                && s.name().endsWith("-slot")), run.stdout());
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    @Test
    @Order(2)
    void patroniBackToNoneKeepsTheDataAndTheLeaderIsThePrimary() {
        String leader = ClusterChecks.patroniLeader(nodes);
        String leaderNode = leader.substring(leader.lastIndexOf('-') + 1);
        for (String key : dev.pgcluster.config.ConfigReader.PATRONI_KEYS) {
            if (cluster.stack().values().containsKey(key)) {
                cluster.stack().removeConfig(key);
            }
        }
        cluster.stack().setConfig(Map.of("ha", "none", "primary", leaderNode));
        // Patroni in maintenance mode would leave its servers running on a member's stop: refused.
        String patronictl = "patronictl -c " + dev.pgcluster.mode.patroni.PatroniFiles.CONFIG_DIR;
        Docker.ok("exec", leader, "sh", "-c", patronictl + " pause --wait");
        var refused = org.junit.jupiter.api.Assertions.assertThrows(EngineStack.EngineFailure.class, () -> cluster.stack().up());
        assertTrue(refused.getMessage().contains("Patroni is in maintenance mode (paused)"), refused.getMessage());
        Docker.ok("exec", leader, "sh", "-c", patronictl + " resume --wait");
        upUnderWriter();
        for (String node : nodes) {
            assertEquals("", Docker.inspect(node, "{{index .Config.Labels \"pg-cluster.ha-member\"}}"), node);
            // The data directory is a plain server's again: initdb's configuration, no cache of the DCS.
            String pgdata = dev.pgcluster.cluster.PostgresNode.PGDATA;
            assertFalse(Docker.ok("exec", node, "cat", pgdata + "/postgresql.conf").contains("overwritten by Patroni"), node);
            assertFalse(Docker.run("exec", node, "test", "-e", pgdata + "/postgresql.base.conf").ok(), node);
            assertFalse(Docker.run("exec", node, "test", "-e", pgdata + "/patroni.dynamic.json").ok(), node);
        }
        assertTrue(Docker.lines(Docker.ok("ps", "-aq", "--filter", "label=pg-cluster.stack=" + cluster.config().stack(),
                "--filter", "label=pg-cluster.ha-member=etcd")).isEmpty(), "the etcd members are gone");
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        assertSameData(leader);
        // The standbys hold no slot (Patroni kept one per other member on each), the primary one per standby.
        for (String standby : cluster.replicas()) {
            assertEquals("0", Docker.psql(standby, "SELECT count(*) FROM pg_replication_slots"), standby);
        }
        ClusterChecks.assertIdempotent(cluster.stack());
    }
}
