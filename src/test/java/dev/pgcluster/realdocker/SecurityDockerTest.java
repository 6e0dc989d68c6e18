package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.testing.Scram;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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
 * What an attacker holding only the exported application credential can do, and what the
 * monitoring role and the logs give away, on one stack (a primary, two standbys, monitoring on)
 * whose passwords carry every character that breaks quoting: a quote, a backslash, a double
 * quote, a dollar, a space, a colon.
 *
 * <p>The application role plants, in schema public (where it may create), functions and views
 * named like the built-ins pg-cluster's superuser sessions use, each of which would mark that it
 * ran as the superuser; the database's search_path is set to put public first, as a role owning
 * the database could. Then a switchover, a scale-up, a password rotation and a preview run every
 * step, the health checks run on every node for the whole time: nothing of the application
 * role's ever runs as the superuser.
 */
@RequiresDocker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityDockerTest {
    private static final String REPLICATION_PASSWORD = "a'b\\c\"d $x:y-1234567890";
    private static final String ROTATED_REPLICATION_PASSWORD = "r'o\\t\"a $t:ed-0987654321";
    /** postgres_exporter cuts a password at whitespace (README): everything else that breaks quoting. */
    private static final String MONITORING_PASSWORD = "m'o\\n\"i$t:o&r=i%ng-12345";
    private static final String APP_PASSWORD = "a'p\\p\"l $i:c&a=t%ion-123";
    private static final String SUPERUSER_PASSWORD = "s'u\\p\"e $r:u&s=e%r-123";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private RealCluster cluster;

    @BeforeAll
    void up() {
        cluster = RealCluster.up("security", RealCluster.testConfig(2, "monitoring", "true",
                "replicationPassword", REPLICATION_PASSWORD, "monitoringPassword", MONITORING_PASSWORD,
                "appPassword", APP_PASSWORD, "superuserPassword", SUPERUSER_PASSWORD,
                "scrapeIntervalSeconds", "1"));
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
    }

    @AfterAll
    void down() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private String appJdbc() {
        return cluster.output("primaryJdbcUrl");
    }

    private String as(String jdbc, String user, String password) {
        return jdbc.replaceFirst("user=[^&]*", "user=" + user)
                .replaceFirst("password=[^&]*", "password=" + URLEncoder.encode(password, StandardCharsets.UTF_8));
    }

    /** Every path that sets or sends a password with quotes, backslashes and spaces works. */
    @Test
    @Order(1)
    void passwordsThatBreakQuotingWorkOnEveryPath() throws Exception {
        // init (the replication role's verifier), the passwords step, the base backups (streaming
        // standbys), the conninfo steps, and the exporter (its metrics say it logged in).
        assertEquals(cluster.config().clientRoles().appUser(), Sql.query(appJdbc(), "SELECT current_user"));
        assertEquals("t", Sql.query(cluster.output("readOnlyJdbcUrl"), "SELECT pg_is_in_recovery()"));
        @SuppressWarnings("unchecked")
        var exporters = (Map<String, String>) cluster.stack().outputs().get("exporterEndpoints");
        for (var exporter : exporters.entrySet()) {
            String metrics = awaitMetric(exporter.getValue(), "pg_up 1", Duration.ofSeconds(30));
            assertTrue(metrics.lines().anyMatch("pg_up 1"::equals), exporter.getKey());
        }
        // The stored verifiers are the configured passwords' (SCRAM: the server never saw them).
        for (var role : Map.of("replicator", REPLICATION_PASSWORD, "postgres", SUPERUSER_PASSWORD).entrySet()) {
            Scram.assertVerifierOf(role.getValue(),
                    Docker.psql(cluster.primary(), "SELECT rolpassword FROM pg_authid WHERE rolname = '" + role.getKey() + "'"));
        }
        // The password file each standby streams with, and pg_rewind reads.
        for (String node : List.of("pg0", "pg1", "pg2")) {
            String file = Docker.ok("exec", cluster.container(node), "sh", "-c",
                    "stat -c '%a %U' /var/lib/postgresql/data/conf/replication.pgpass");
            assertEquals("600 postgres", file, node);
        }
    }

    /** pg_monitor reads every setting: none shows a password (issue: primary_conninfo carried it). */
    @Test
    @Order(2)
    void theMonitoringRoleSeesNoPasswordOnAStandby() {
        for (String node : cluster.replicas()) {
            String standby = as(Sql.jdbcFromUri(cluster.replicaConnectionStrings().get(node.substring(node.lastIndexOf('-') + 1))),
                    cluster.config().clientRoles().monitoringUser(), MONITORING_PASSWORD);
            assertEquals("t", Sql.query(standby, "SELECT pg_has_role('pg_read_all_settings', 'MEMBER')"));
            String seen = Sql.query(standby, "SELECT string_agg(name || '=' || coalesce(setting, ''), ' ') FROM pg_settings")
                    + Sql.query(standby, "SELECT current_setting('primary_conninfo')")
                    + Sql.query(standby, "SELECT coalesce(string_agg(conninfo, ' '), '') FROM pg_stat_wal_receiver");
            assertTrue(seen.contains("passfile=/var/lib/postgresql/data/conf/replication.pgpass"), seen);
            assertNoPassword(node + " as the monitoring role", seen);
        }
    }

    /**
     * The application role, logged in with the exported string, can neither own pg-cluster's
     * database nor set its search_path, and what it plants in public never runs as the superuser,
     * even with the database's search_path putting public first (as a database owner could).
     */
    @Test
    @Order(3)
    void theApplicationRoleCannotRunCodeAsTheSuperuser() {
        String app = appJdbc();
        String appUser = cluster.config().clientRoles().appUser();
        HostileAppRole.assertCannotTakeOverTheDatabase(app, appUser);
        HostileAppRole.plant(app, appUser);
        HostileAppRole.arm(cluster.primary(), app);
        try {
            // Every step runs: a switchover to pg1, a scale-up to three standbys, a new replication password.
            cluster.stack().setConfig(Map.of("primary", "pg1"));
            cluster.stack().up();
            cluster.stack().setConfig(Map.of("replicas", "3", "replicaPorts", freePortsFor(3),
                    "monitoringPort", String.valueOf(RealCluster.freeRange(3 + 2))));
            cluster.stack().up();
            cluster.stack().setConfig(Map.of("replicationPassword", ROTATED_REPLICATION_PASSWORD));
            cluster.stack().up();
            cluster.stack().preview(false);
            String newPrimary = cluster.container("pg1");
            // Every standby streams; then several health-check intervals on every node, the trap armed.
            HostileAppRole.awaitPinned(newPrimary, "SELECT count(*) FROM pg_catalog.pg_stat_replication WHERE state = 'streaming'", "3",
                    Duration.ofSeconds(60));
            sleep(Duration.ofSeconds(6));

            HostileAppRole.assertNothingRan(newPrimary, appUser,
                    List.of("pg0", "pg1", "pg2", "pg3").stream().map(cluster::container).toList(), cluster.config().replicationUser());
            // The application role owns nothing pg-cluster runs: not the database, not the read gate.
            assertEquals("postgres|postgres|postgres", HostileAppRole.pinned(newPrimary,
                    "SELECT DISTINCT pg_get_userbyid(d.datdba) || '|' || pg_get_userbyid(n.nspowner) || '|' || pg_get_userbyid(p.proowner) "
                            + "FROM pg_database d, pg_namespace n JOIN pg_proc p ON p.pronamespace = n.oid "
                            + "WHERE d.datname = 'postgres' AND n.nspname = 'pgcluster'"));
        } finally {
            HostileAppRole.disarm(cluster.container(currentWritable()));
        }
    }

    /** A read gate schema the application role made first is refused, never used. */
    @Test
    @Order(4)
    void aReadGateSchemaSomeoneElseOwnsIsRefused() {
        String newPrimary = cluster.container("pg1");
        String appUser = cluster.config().clientRoles().appUser();
        Docker.psql(newPrimary, "DROP SCHEMA pgcluster CASCADE; CREATE SCHEMA pgcluster AUTHORIZATION " + appUser);
        try {
            cluster.stack().setConfig(Map.of("primary", "pg0"));
            var failed = assertThrows(RuntimeException.class, () -> cluster.stack().up());
            assertTrue(failed.getMessage().contains("schema pgcluster in database postgres is owned by role " + appUser),
                    failed.getMessage());
        } finally {
            Docker.psql(cluster.container(currentWritable()), "DROP SCHEMA pgcluster CASCADE");
        }
        cluster.stack().up();
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        assertEquals("postgres", Docker.psql(cluster.container("pg0"),
                "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'pgcluster'"));
    }

    /** No password of the stack, old or new, in any container's log, nor in state without the passphrase. */
    @Test
    @Order(5)
    void noPasswordInAnyLogOrInStateWithoutThePassphrase() {
        for (String container : Docker.lines(Docker.ok("ps", "-aq", "--filter", "label=pg-cluster.stack=" + cluster.config().stack()))) {
            Shell.Result logs = Docker.run("logs", container);
            assertNoPassword("docker logs " + container, logs.stdout() + logs.stderr());
            assertFalse((logs.stdout() + logs.stderr()).contains("password="), "docker logs " + container + " shows a password= parameter");
        }
        assertNoPassword("pulumi stack output/export without --show-secrets", cluster.stack().withoutSecrets());
        // The superuser does not log in over the network, even from the cluster network.
        Shell.Result superuser = Docker.run(Duration.ofMinutes(1), Docker.utf8(SUPERUSER_PASSWORD + "\n"), "run", "--rm", "-i",
                "--network", cluster.network(), "--label", Docker.TEST_LABEL + "=1", TestImage.reference(), "sh", "-c",
                "PGPASSWORD=$(cat) psql 'host=pg0 user=postgres dbname=postgres sslmode=require connect_timeout=5' -XAtc 'SELECT 1'");
        assertFalse(superuser.ok(), superuser.stdout());
        assertTrue(superuser.stderr().contains("pg_hba.conf rejects connection") && superuser.stderr().contains("postgres"),
                superuser.stderr());
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    private void assertNoPassword(String where, String text) {
        for (String password : List.of(REPLICATION_PASSWORD, ROTATED_REPLICATION_PASSWORD, MONITORING_PASSWORD, APP_PASSWORD,
                SUPERUSER_PASSWORD)) {
            assertFalse(text.contains(password), where + " shows a password");
            // Its last part, after every character a log or a quoting might change.
            assertFalse(text.contains(password.substring(password.lastIndexOf(':') + 1)), where + " shows part of a password");
        }
    }

    private String currentWritable() {
        for (String node : List.of("pg0", "pg1", "pg2", "pg3")) {
            if ("f".equals(Docker.run("exec", "-u", "postgres", "-e", "PGOPTIONS=-c search_path=pg_catalog,pg_temp",
                    cluster.container(node), "psql", "-XAtc", "SELECT pg_is_in_recovery()").stdout().strip())) {
                return node;
            }
        }
        throw new IllegalStateException("no writable node");
    }

    private String freePortsFor(int replicas) {
        var ports = new ArrayList<Integer>();
        String current = cluster.stack().values().get("replicaPorts");
        for (String p : current.replaceAll("[\\[\\] ]", "").split(",")) {
            ports.add(Integer.parseInt(p));
        }
        int next = RealCluster.freeRange(replicas - ports.size());
        while (ports.size() < replicas) {
            ports.add(next++);
        }
        return ports.toString();
    }

    private static String awaitMetric(String url, String line, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            try {
                body = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (body.lines().anyMatch(line::equals)) {
                    return body;
                }
            } catch (IOException e) {
                body = e.toString();
            }
            Thread.sleep(500);
        }
        return body;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
