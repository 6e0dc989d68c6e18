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
    void destroyThenUpWithReplicasKeepsThePrimarysDataAndResumesTheReplicas() {
        // The shipped prod stack's shape (production: retained volumes, limits, quorum commit) on
        // ha: none (its seed steps resume a retained volume), on test ports, subnet and image.
        var values = new java.util.HashMap<>(dev.pgcluster.testing.TestConfigs.shippedStackOnHaNone("prod"));
        values.putAll(RealCluster.testConfig(Integer.parseInt(values.get("replicas"))));
        List<String> volumes;
        String firstPassword;
        try (var cluster = RealCluster.up("retained", values)) {
            ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
            ClusterChecks.assertIdempotent(cluster.stack());
            volumes = new java.util.ArrayList<>();
            for (int i = 0; i < cluster.replicas().size() + 1; i++) {
                volumes.add(cluster.volume("pg" + i));
            }
            if (cluster.config().monitoring().enabled()) {
                // Prometheus's history is retained like the data in production.
                volumes.add(cluster.config().namePrefix() + "-prometheus-data");
            }
            if (cluster.config().backup().enabled()) {
                // The shipped production stack has backups: their repository is retained too.
                volumes.add(dev.pgcluster.backup.BackupFiles.repositoryVolume(cluster.config()));
                volumes.add(dev.pgcluster.backup.BackupFiles.repositoryConfigVolume(cluster.config()));
            }
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
                for (var node : again.config().replicas()) {
                    String replica = again.container(node.name());
                    assertEquals("42", Docker.psql(replica, "SELECT answer FROM kept"));
                    String seeded = again.command(again.step(node.name(), "seed")).outputs().get("stdout").getAsString();
                    assertTrue(seeded.startsWith(node.name() + " resumed "), replica + " resumed on its retained data: " + seeded);
                    ClusterChecks.assertSeedLabelNamesItsSeedStep(again, node.name());
                }
                assertEquals("t", Sql.query(again.output("readOnlyJdbcUrl"), "SELECT pg_is_in_recovery()"));
            }
        } finally {
            // The test made these volumes; nothing else holds them.
            volumes.forEach(v -> Docker.run("volume", "rm", "-f", v));
        }
    }
}
