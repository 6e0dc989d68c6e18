package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Three replicas with synchronous replication as configured: sync_state, and what commits do when replicas go. */
@RequiresDocker
class SyncReplicationDockerTest {

    @Test
    void quorumCommitGoesOnWithAReplicaDownAndWaitsWhenAllAreDown() throws Exception {
        // The staging shape (quorum commit, memory limit), with a third replica.
        try (var cluster = RealCluster.up("sync-any", RealCluster.testConfig(3, "synchronous", "any 1",
                "database", "appdb", "memory", "512m", "shmSize", "128m"))) {
            ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
            ClusterChecks.assertIdempotent(cluster.stack());
            // Created at first start even though commits wait for a standby that does not exist yet.
            assertEquals("appdb", Sql.query(cluster.output("primaryJdbcUrl"), "SELECT current_database()"));
            assertEquals("pg1:quorum,pg2:quorum,pg3:quorum", Docker.psql(cluster.primary(),
                    "SELECT string_agg(application_name || ':' || sync_state, ',' ORDER BY application_name) FROM pg_stat_replication"));
            String primary = cluster.output("primaryJdbcUrl");
            Sql.execute(primary, "CREATE TABLE t (id int PRIMARY KEY)");

            // One replica down: any other one confirms.
            Docker.ok("stop", cluster.replicas().get(0));
            assertTrue(commitsWithin(primary, 1, Duration.ofSeconds(10)), "a commit must not wait with two replicas up");

            // Every synchronous candidate down: the commit waits ...
            Docker.ok("stop", cluster.replicas().get(1));
            Docker.ok("stop", cluster.replicas().get(2));
            CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> Sql.execute(primary, "INSERT INTO t VALUES (2)"));
            assertStillWaiting(waiting, Duration.ofSeconds(5));
            assertEquals("waiting", Docker.psql(cluster.primary(),
                    "SELECT CASE WHEN count(*) > 0 THEN 'waiting' ELSE 'none' END FROM pg_stat_activity WHERE wait_event = 'SyncRep'"));
            // ... and completes once one returns; nothing acknowledged is lost.
            Docker.ok("start", cluster.replicas().get(2));
            waiting.get(60, TimeUnit.SECONDS);
            assertEquals("2", Docker.psql(cluster.primary(), "appdb", "SELECT count(*) FROM t"));
            // The replica that confirmed the waiting commit has it (flushed; applied moments later).
            Sql.awaitPsql(cluster.replicas().get(2), "appdb", "SELECT count(*) FROM t", "2"::equals, Duration.ofSeconds(30));
        }
    }

    @Test
    void priorityCommitMakesTheFirstReplicaSynchronous() {
        try (var cluster = RealCluster.up("sync-first", RealCluster.testConfig(3, "synchronous", "first 1",
                "synchronousCommit", "remote_apply"))) {
            ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
            assertEquals("pg1:sync,pg2:potential,pg3:potential", Docker.psql(cluster.primary(),
                    "SELECT string_agg(application_name || ':' || sync_state, ',' ORDER BY application_name) FROM pg_stat_replication"));
            assertEquals("remote_apply", Docker.psql(cluster.primary(), "SHOW synchronous_commit"));
            // remote_apply: once the commit returns, the synchronous standby already shows the row.
            String primary = cluster.output("primaryJdbcUrl");
            Sql.execute(primary, "CREATE TABLE t (id int PRIMARY KEY)");
            Sql.execute(primary, "INSERT INTO t VALUES (1)");
            assertEquals("1", Docker.psql(cluster.replicas().get(0), "SELECT count(*) FROM t"));
        }
    }

    private static boolean commitsWithin(String jdbcUrl, int id, Duration limit) throws Exception {
        var commit = CompletableFuture.runAsync(() -> Sql.execute(jdbcUrl, "INSERT INTO t VALUES (" + id + ")"));
        try {
            commit.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }

    private static void assertStillWaiting(CompletableFuture<Void> commit, Duration stillWaitingAfter) throws Exception {
        try {
            commit.get(stillWaitingAfter.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException expected) {
            assertFalse(commit.isDone());
            return;
        }
        throw new AssertionError("the commit returned although no synchronous standby was up");
    }

}
