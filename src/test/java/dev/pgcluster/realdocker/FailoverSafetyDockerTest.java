package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
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
 * A primary that is paused (the stand-in for a hung host) or crash-looping is not stopped: a
 * failover to another node is refused, in preview and in up, and nothing is touched; once it has
 * settled, there is still one writable node. Before, such a primary counted as stopped: its
 * postmaster.pid was deleted and pg_rewind ran on data a postmaster still held, and after
 * {@code docker unpause} two nodes accepted writes.
 */
@RequiresDocker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverSafetyDockerTest {
    private RealCluster cluster;

    @BeforeAll
    void up() {
        cluster = RealCluster.up("failover-safety", RealCluster.testConfig(2));
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        Sql.execute(cluster.output("primaryJdbcUrl"), SteadyWriter.TABLE_DDL);
    }

    @AfterAll
    void down() {
        if (cluster != null) {
            Docker.run("unpause", cluster.container("pg0"));
            cluster.close();
        }
    }

    private List<String> writableNodes() {
        return cluster.config().nodes().stream().map(n -> n.name())
                .filter(n -> "f".equals(Docker.run("exec", "-u", "postgres", cluster.container(n), "psql", "-XAtc",
                        "SELECT pg_is_in_recovery()").stdout().strip()))
                .toList();
    }

    private void assertFailoverRefused(String state) {
        cluster.stack().setConfig(Map.of("primary", "pg1"));
        try {
            for (var attempt : List.<Runnable>of(() -> cluster.stack().preview(false), () -> cluster.stack().up())) {
                var refused = assertThrows(RuntimeException.class, attempt::run);
                assertTrue(refused.getMessage().contains("refusing to make pg1 the primary: pg0 is " + state
                        + ", neither running nor stopped"), refused.getMessage());
                assertTrue(refused.getMessage().contains("Nothing was changed."), refused.getMessage());
            }
        } finally {
            cluster.stack().setConfig(Map.of("primary", "pg0"));
        }
        assertEquals("t", Docker.psql(cluster.container("pg1"), "SELECT pg_is_in_recovery()"), "pg1 was not promoted");
    }

    @Test
    @Order(1)
    void aPausedPrimaryIsNotFailedOverAndStaysTheOneWriterWhenUnpaused() {
        String pg0 = cluster.container("pg0");
        String startedAt = Docker.inspect(pg0, "{{.State.StartedAt}}");
        Docker.ok("pause", pg0);
        try {
            assertFailoverRefused("paused");
        } finally {
            Docker.ok("unpause", pg0);
        }
        assertEquals(startedAt, Docker.inspect(pg0, "{{.State.StartedAt}}"), "pg0 was neither stopped nor restarted");
        assertEquals(List.of("pg0"), writableNodes());
        Sql.execute(cluster.output("primaryJdbcUrl"), "INSERT INTO ack (id) VALUES (1)");
        ClusterChecks.awaitCaughtUp(cluster, Duration.ofSeconds(30));
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    @Test
    @Order(2)
    void aCrashLoopingPrimaryIsNotFailedOver() {
        String pg0 = cluster.container("pg0");
        // A setting the server refuses at start: it exits, and Docker's restart policy starts it again and again.
        Docker.ok("exec", "-u", "postgres", pg0, "sh", "-c",
                "echo 'pg_cluster_test_crash = on' >> /var/lib/postgresql/data/pgdata/postgresql.auto.conf");
        Docker.ok("restart", pg0);
        awaitRestarting(pg0, Duration.ofSeconds(60));
        try {
            assertFailoverRefused("restarting");
        } finally {
            // Settle it: stopped for good, the setting taken out, started again.
            Docker.ok("stop", pg0);
            Docker.ok("run", "--rm", "--label", Docker.TEST_LABEL + "=1", "-v", cluster.volume("pg0") + ":/var/lib/postgresql/data",
                    TestImage.reference(), "sed", "-i", "/pg_cluster_test_crash/d", "/var/lib/postgresql/data/pgdata/postgresql.auto.conf");
            Docker.ok("start", pg0);
        }
        Docker.awaitHealthy(pg0, Duration.ofSeconds(60));
        assertEquals(List.of("pg0"), writableNodes());
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /** Docker reports "restarting" between failed starts; after a few, its back-off keeps it there most of the time. */
    private static void awaitRestarting(String container, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            String[] state = Docker.inspect(container, "{{.State.Status}} {{.RestartCount}}").split(" ");
            if (state[0].equals("restarting") && Integer.parseInt(state[1]) >= 6) {
                return;
            }
            Docker.sleep(Duration.ofMillis(100));
        }
        throw new AssertionError(container + " does not crash-loop: " + Docker.inspect(container, "{{.State.Status}}"));
    }
}
