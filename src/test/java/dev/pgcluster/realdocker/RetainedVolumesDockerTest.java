package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * retainVolumesOnDelete: destroy keeps every data volume (and each replica's slot with it); the
 * next up finds the primary's data, the replica resumes streaming on its own data, and the new
 * stack's outputs work although its passwords were generated anew.
 */
@RequiresDocker
class RetainedVolumesDockerTest {

    @Test
    void destroyThenUpWithReplicasKeepsThePrimarysDataAndResumesTheReplica() {
        var values = RealCluster.testConfig(1, "retainVolumesOnDelete", "true");
        List<String> volumes;
        String firstPassword;
        try (var cluster = RealCluster.up("retained", values)) {
            volumes = List.of(cluster.volume("pg0"), cluster.volume("pg1"));
            firstPassword = cluster.output("primaryConnectionString");
            Sql.execute(cluster.output("primaryJdbcUrl"), "CREATE TABLE kept AS SELECT 42 AS answer");
            ClusterChecks.awaitCaughtUp(cluster, Duration.ofSeconds(30));
        }
        try {
            for (String volume : volumes) {
                assertTrue(Docker.exists("volume", volume), volume + " survives destroy");
            }
            assertEquals("", Docker.ok("ps", "-aq", "--filter", "label=pg-cluster.stack=it-retained"));
            try (var again = RealCluster.up("retained", values)) {
                assertNotEquals(firstPassword, again.output("primaryConnectionString"), "passwords were generated anew");
                assertEquals("42", Sql.query(again.output("primaryJdbcUrl"), "SELECT answer FROM kept"));
                ClusterChecks.awaitAllStreaming(again, Duration.ofSeconds(60));
                assertEquals("42", Docker.psql(again.replicas().get(0), "SELECT answer FROM kept"));
                String label = Docker.inspect(again.replicas().get(0), "{{index .Config.Labels \"pg-cluster.base-backup\"}}");
                assertTrue(label.startsWith("pg1 resumed "), "the replica resumed on its retained data: " + label);
                assertEquals("t", Sql.query(again.output("readOnlyJdbcUrl"), "SELECT pg_is_in_recovery()"));
            }
        } finally {
            // The test made these volumes; nothing else holds them.
            volumes.forEach(v -> Docker.run("volume", "rm", "-f", v));
        }
    }
}
