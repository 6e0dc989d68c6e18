package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** retainVolumesOnDelete: destroy keeps the data volume, and the next up finds the data again. */
@RequiresDocker
class RetainedVolumesDockerTest {

    @Test
    void destroyKeepsRetainedVolumesAndUpAgainKeepsTheData() {
        var values = RealCluster.testConfig(0, "retainVolumesOnDelete", "true", "superuserPassword", "retained-password-1",
                "replicationPassword", "retained-password-2");
        String volume;
        try (var cluster = RealCluster.up("retained", values)) {
            volume = cluster.volume("pg0");
            Sql.execute(cluster.output("primaryJdbcUrl"), "CREATE TABLE kept AS SELECT 42 AS answer");
        }
        try {
            assertTrue(Docker.exists("volume", volume), "the retained volume survives destroy");
            assertEquals("", Docker.ok("ps", "-aq", "--filter", "label=pg-cluster.stack=it-retained"));
            try (var again = RealCluster.up("retained", values)) {
                assertEquals("42", Sql.query(again.output("primaryJdbcUrl"), "SELECT answer FROM kept"));
                assertEquals("healthy", Docker.inspect(again.primary(), "{{.State.Health.Status}}"));
                DockerRealizer.awaitHealthy(again.primary(), Duration.ofSeconds(10));
            }
        } finally {
            Docker.run("volume", "rm", "-f", volume);
        }
    }
}
