package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A cluster made without TLS gets it with {@code tls = true} and one {@code pulumi up} (its
 * containers restart once), and loses it again with {@code tls = false}; under a steady writer,
 * no acknowledged row is lost and every standby streams, over TLS when it is on.
 */
@RequiresDocker
class TlsSwitchDockerTest {

    private static String walSenderEncryption(RealCluster cluster) {
        return Docker.psql(cluster.primary(), "SELECT string_agg(r.application_name || ':' || s.ssl, ',' ORDER BY 1) "
                + "FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)");
    }

    @Test
    void tlsIsTurnedOnAndOffOnARunningClusterWithoutLosingARow() {
        try (var cluster = RealCluster.up("tls-switch", RealCluster.testConfig(1, "tls", "false"))) {
            ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
            assertEquals("pg1:false", walSenderEncryption(cluster));
            assertFalse(cluster.output("primaryJdbcUrl").contains("sslmode"), cluster.output("primaryJdbcUrl"));
            assertEquals("", cluster.output("caCertificate"));

            List<Long> acknowledged;
            // The writer's URL names no sslmode: pgJDBC's default (prefer) follows the server.
            try (var writer = new SteadyWriter(cluster.output("primaryJdbcUrl"))) {
                writer.awaitProgress(30, Duration.ofSeconds(30));
                cluster.stack().setConfig(Map.of("tls", "true"));
                cluster.stack().up();
                ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
                assertEquals("pg1:true", walSenderEncryption(cluster));
                String jdbc = String.valueOf(cluster.stack().outputs().get("primaryJdbcUrl"));
                assertTrue(jdbc.endsWith("&sslmode=verify-full"), jdbc);
                assertEquals("t", Sql.query(jdbc, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"));
                assertTrue(Docker.psql(cluster.container("pg1"), "SELECT current_setting('primary_conninfo')")
                        .contains("sslmode=verify-full"), "the standby checks the primary's certificate");
                ClusterChecks.assertIdempotent(cluster.stack());

                cluster.stack().setConfig(Map.of("tls", "false"));
                cluster.stack().up();
                ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
                assertEquals("pg1:false", walSenderEncryption(cluster));
                assertEquals("", String.valueOf(cluster.stack().outputs().get("caCertificate")));
                assertEquals("", Docker.ok("exec", cluster.container("pg1"), "sh", "-c",
                        "ls /var/lib/postgresql/data/conf | grep -v -e pg_hba.conf -e replication.pgpass || true"),
                        "no key or certificate is left (the replication password file stays: TLS or not)");
                writer.awaitProgress(30, Duration.ofSeconds(60));
                writer.close();
                acknowledged = writer.acknowledged();
            }
            ClusterChecks.assertNoAcknowledgedCommitLost(cluster, acknowledged,
                    List.of(cluster.container("pg0"), cluster.container("pg1")));
            ClusterChecks.assertIdempotent(cluster.stack());
        }
    }
}
