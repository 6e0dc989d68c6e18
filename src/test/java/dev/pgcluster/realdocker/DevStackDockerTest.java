package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

@RequiresDocker
class DevStackDockerTest {
    @Test
    void smoke() {
        try (var cluster = RealCluster.up("smoke", RealCluster.testConfig(2))) {
            System.out.println("up in " + cluster.upTime());
            System.out.println(Docker.psql(cluster.primary(), "select application_name, state, sync_state from pg_stat_replication"));
            assertEquals("t", Docker.psql(cluster.replicas().get(0), "select pg_is_in_recovery()"));
        }
    }
}
