package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Monitoring on a running cluster (a primary, two standbys, {@code any 1}) through the real
 * engine: every exporter's metrics, Prometheus's targets, the alerts firing and resolving on a
 * stopped standby and on a slot holding too much WAL, what the exporter's role can read, and
 * monitoring turned off again. Short thresholds so the alerts come within seconds.
 */
@RequiresDocker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MonitoringDockerTest {
    private static final int SCRAPE_SECONDS = 2;
    private static final int FOR_SECONDS = 6;

    private RealCluster cluster;

    @BeforeAll
    void up() {
        cluster = RealCluster.up("monitoring", RealCluster.testConfig(2, "monitoring", "true", "synchronous", "any 1",
                "scrapeIntervalSeconds", String.valueOf(SCRAPE_SECONDS), "alertForSeconds", String.valueOf(FOR_SECONDS),
                "alertLagForSeconds", String.valueOf(FOR_SECONDS), "alertSlotRetainedPercent", "50",
                "walKeepSize", "16MB", "maxSlotWalKeepSize", "96MB"));
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
    }

    @AfterAll
    void down() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String get(String url) {
        return PrometheusApi.get(url);
    }

    @SuppressWarnings("unchecked")
    private Map<String, String> exporterEndpoints() {
        return (Map<String, String>) cluster.stack().outputs().get("exporterEndpoints");
    }

    private String prometheus() {
        return cluster.output("prometheusUrl");
    }

    /** Polls {@code what} every 0.25 s until {@code done}; returns how long it took. */
    private static <T> Duration await(String description, java.util.function.Supplier<T> what, Predicate<T> done, Duration timeout) {
        Instant start = Instant.now();
        T last = null;
        RuntimeException error = null;
        while (Duration.between(start, Instant.now()).compareTo(timeout) < 0) {
            try {
                last = what.get();
                error = null;
                if (done.test(last)) {
                    return Duration.between(start, Instant.now());
                }
            } catch (RuntimeException e) {
                error = e;
            }
            Docker.sleep(Duration.ofMillis(250));
        }
        throw new AssertionError(description + " not within " + timeout + "; last: " + last, error);
    }

    private JsonArray alerts() {
        return PrometheusApi.alerts(prometheus());
    }

    private boolean alert(String name, String label, String value, String state) {
        return PrometheusApi.alert(prometheus(), name, label, value, state);
    }

    private boolean anyAlert(String name) {
        return PrometheusApi.anyAlert(prometheus(), name);
    }

    @Test
    @Order(1)
    void everyExporterReportsItsNodeAndThePrimarysReportsEveryStandbysLag() {
        Map<String, String> endpoints = exporterEndpoints();
        assertEquals(List.of("pg0", "pg1", "pg2"), List.copyOf(endpoints.keySet()));
        for (var endpoint : endpoints.entrySet()) {
            String metrics = get(endpoint.getValue());
            assertTrue(metrics.lines().anyMatch(l -> l.equals("pg_up 1")), endpoint.getKey() + " reaches its node");
            // Its node's own certificate (397 days): when it expires, for PgClusterCertificateExpiresSoon.
            long notAfter = metrics.lines().filter(l -> l.startsWith("pg_cluster_tls_certificate_not_after_seconds{"))
                    .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
                    .orElseThrow(() -> new AssertionError(endpoint.getKey() + " reports no certificate expiry"));
            long days = (notAfter - java.time.Instant.now().getEpochSecond()) / 86400;
            assertTrue(days >= 390 && days <= 397, endpoint.getKey() + ": certificate expires in " + days + " days");
        }
        String primary = get(endpoints.get("pg0"));
        for (String standby : List.of("pg1", "pg2")) {
            for (String metric : List.of("pg_cluster_standby_replay_lag_seconds", "pg_cluster_standby_replay_bytes_behind")) {
                assertTrue(primary.lines().anyMatch(l -> l.startsWith(metric + "{") && l.contains("application_name=\"" + standby + "\"")),
                        metric + " for " + standby);
            }
            assertTrue(get(endpoints.get(standby)).lines().anyMatch(l -> l.startsWith("pg_cluster_node_wal_receiver_streaming") && l.endsWith(" 1")),
                    standby + " streams, as its own exporter sees it");
        }
        Duration upTargets = await("all three targets up", () -> JsonParser.parseString(get(prometheus() + "/api/v1/targets"))
                .getAsJsonObject().getAsJsonObject("data").getAsJsonArray("activeTargets"), targets -> {
                    long up = 0;
                    for (var t : targets) {
                        up += t.getAsJsonObject().get("health").getAsString().equals("up") ? 1 : 0;
                    }
                    return targets.size() == 3 && up == 3;
                }, Duration.ofSeconds(30));
        System.out.printf("monitoring: every Prometheus target up %.1f s into the test%n", upTargets.toMillis() / 1000.0);
        assertFalse(anyAlert("PgClusterReplicaNotStreaming"), alerts().toString());
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /** The exporter logs in as the monitoring role: statistics, no user data, no password in sight. */
    @Test
    @Order(2)
    void theExportersRoleReadsNoUserTableAndItsPasswordIsInNoEnvironment() {
        // Generated, and kept in state by its generator step (the passwords step is sent verifiers).
        String monitoringPassword = cluster.command(cluster.config().namePrefix() + "-secrets-monitoring-password").outputs()
                .get("stdout").getAsString().strip();
        String app = cluster.output("primaryJdbcUrl");
        Sql.execute(app, "CREATE TABLE IF NOT EXISTS private_orders AS SELECT 1 AS id");
        String asMonitoring = app.replace("user=" + cluster.config().clientRoles().appUser(),
                "user=" + cluster.config().clientRoles().monitoringUser())
                .replace("password=" + Sql.jdbcParameter(app, "password"), "password=" + monitoringPassword);
        assertEquals("t", Sql.query(asMonitoring, "SELECT count(*) > 0 FROM pg_stat_replication"), "it reads statistics");
        var refused = assertThrows(IllegalStateException.class, () -> Sql.query(asMonitoring, "SELECT id FROM public.private_orders"));
        assertTrue(refused.getMessage().contains("permission denied"), refused.getMessage());
        for (String node : List.of("pg0", "pg1", "pg2")) {
            String exporter = cluster.container(node) + "-exporter";
            String seen = Docker.inspect(exporter, "{{json .Config.Env}} {{json .Config.Labels}} {{json .Config.Cmd}} "
                    + "{{json .Args}} {{json .Config.Entrypoint}}");
            assertFalse(seen.contains(monitoringPassword), exporter + " shows the password in docker inspect");
            assertTrue(seen.contains("DATA_SOURCE_PASS_FILE="), seen);
        }
    }

    /**
     * A stopped standby: not streaming fires within the rule's {@code for} plus two scrape
     * intervals (the scrape that sees it and the evaluation after it), and resolves once it
     * streams again. The synchronous quorum (any 1) still has pg1: that alert stays quiet.
     */
    @Test
    @Order(3)
    void aStoppedStandbyAlertsWithinItsForAndResolvesWhenItStreamsAgain() {
        Docker.ok("stop", cluster.container("pg2"));
        Duration firing = await("PgClusterReplicaNotStreaming{standby=pg2} firing", () -> alert("PgClusterReplicaNotStreaming",
                "standby", "pg2", "firing"), Boolean::booleanValue, Duration.ofSeconds(60));
        System.out.printf("monitoring: standby pg2 stopped, not-streaming alert firing after %.1f s (for %d s, scrape %d s)%n",
                firing.toMillis() / 1000.0, FOR_SECONDS, SCRAPE_SECONDS);
        // The bound: the scrape that sees it, the evaluation that makes it pending, `for`, and this
        // test's own polling (0.25 s) and HTTP round trip.
        assertTrue(firing.toMillis() <= (FOR_SECONDS + 2 * SCRAPE_SECONDS) * 1000L + 1000,
                "fired after " + firing + ", later than for + two scrape intervals");
        await("PgClusterNodeDown{node=pg2} firing", () -> alert("PgClusterNodeDown", "node", "pg2", "firing"),
                Boolean::booleanValue, Duration.ofSeconds(30));
        assertFalse(anyAlert("PgClusterSyncStandbysMissing"), "pg1 still makes the quorum: " + alerts());
        assertFalse(alert("PgClusterReplicaNotStreaming", "standby", "pg1", "firing"), "pg1 streams");

        Docker.ok("start", cluster.container("pg2"));
        Duration resolved = await("no alert about pg2", () -> alerts().toString(), a -> !a.contains("\"pg2\""), Duration.ofSeconds(60));
        System.out.printf("monitoring: pg2 started, its alerts resolved after %.1f s%n", resolved.toMillis() / 1000.0);
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
    }

    /** A standby away while WAL piles up: its slot passes the threshold (50 % of 96 MB) and alerts. */
    @Test
    @Order(4)
    void aSlotHoldingTooMuchWalAlerts() {
        Docker.ok("stop", cluster.container("pg2"));
        Docker.psql(cluster.primary(), "CREATE TABLE wal_filler AS SELECT g AS id, repeat('x', 900) AS pad FROM generate_series(1, 70000) g");
        String retained = Docker.psql(cluster.primary(), "SELECT pg_current_wal_lsn() - restart_lsn FROM pg_replication_slots WHERE slot_name = 'pg2'");
        System.out.println("monitoring: slot pg2 retains " + Long.parseLong(retained.split("\\.")[0]) / (1 << 20) + " MB");
        assertTrue(Double.parseDouble(retained) > 48L << 20, "the test wrote past the threshold: " + retained);
        Duration firing = await("PgClusterSlotRetainedWalHigh{slot_name=pg2} firing", () -> alert("PgClusterSlotRetainedWalHigh",
                "slot_name", "pg2", "firing"), Boolean::booleanValue, Duration.ofSeconds(60));
        System.out.printf("monitoring: slot alert firing %.1f s after the WAL was written%n", firing.toMillis() / 1000.0);
        Docker.ok("start", cluster.container("pg2"));
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        await("the slot alert resolved", () -> anyAlert("PgClusterSlotRetainedWalHigh"), a -> !a, Duration.ofSeconds(60));
    }

    /** Monitoring off again: its containers and volume go, the cluster stays as it is. */
    @Test
    @Order(5)
    void turningMonitoringOffRemovesAllOfItAndNothingElse() {
        String primaryId = Docker.inspect(cluster.primary(), "{{.Id}}");
        cluster.stack().setConfig(Map.of("monitoring", "false"));
        cluster.stack().up();
        assertEquals("", Docker.ok("ps", "-aq", "--filter", "label=pg-cluster.stack=" + cluster.config().stack(),
                "--filter", "label=pg-cluster.monitoring"));
        assertEquals("", Docker.ok("volume", "ls", "-q", "--filter", "label=pg-cluster.stack=" + cluster.config().stack(),
                "--filter", "label=pg-cluster.monitoring"));
        assertEquals(primaryId, Docker.inspect(cluster.primary(), "{{.Id}}"));
        assertFalse(cluster.stack().outputs().containsKey("prometheusUrl"));
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * README, "Security defaults": the exporters and Prometheus run with no capability and cannot
     * gain one (no-new-privileges), and still serve metrics and write Prometheus's data.
     */
    @Test
    @Order(4)
    void monitoringContainersRunWithoutCapabilities() {
        var containers = new java.util.ArrayList<String>();
        for (String node : List.of("pg0", "pg1", "pg2")) {
            containers.add(cluster.container(node) + "-exporter");
        }
        containers.add(cluster.config().namePrefix() + "-prometheus");
        for (String container : containers) {
            assertEquals("[\"ALL\"]", Docker.inspect(container, "{{json .HostConfig.CapDrop}}"), container);
            assertEquals("", Docker.inspect(container, "{{range .HostConfig.CapAdd}}{{.}}{{end}}"), container);
            assertEquals("[\"no-new-privileges:true\"]", Docker.inspect(container, "{{json .HostConfig.SecurityOpt}}"), container);
            String status = Docker.ok("exec", container, "grep", "-E", "^(CapEff|CapBnd|NoNewPrivs):", "/proc/1/status");
            assertTrue(status.contains("CapEff:\t0000000000000000") && status.contains("CapBnd:\t0000000000000000")
                    && status.contains("NoNewPrivs:\t1"), container + ": " + status);
        }
        for (String endpoint : exporterEndpoints().values()) {
            assertTrue(get(endpoint).lines().anyMatch(l -> l.equals("pg_up 1")), endpoint);
        }
        assertTrue(get(prometheus() + "/api/v1/query?query=up").contains("\"status\":\"success\""));
        assertTrue(Docker.ok("exec", cluster.config().namePrefix() + "-prometheus", "ls", "/prometheus").contains("wal"),
                "Prometheus writes its data volume");
    }
}
