package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    private java.nio.file.Path failBeforePromote;

    @BeforeAll
    void up() throws java.io.IOException {
        failBeforePromote = java.nio.file.Files.createTempDirectory("pgc-fail-").resolve("fail-once");
        cluster = RealCluster.up("failover-safety", RealCluster.testConfig(2),
                Map.of("PGC_TEST_FAIL_BEFORE_PROMOTE", failBeforePromote.toString()));
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

    /**
     * A switchover that fails after it stopped the old primary and before it promoted the target
     * (here through the primary step's test hook) starts the old primary again: the cluster is
     * never left without one, and no acknowledged row is lost.
     */
    @Test
    @Order(3)
    void aSwitchoverThatFailsBeforeThePromotionStartsTheOldPrimaryAgain() throws java.io.IOException {
        List<Long> acknowledged;
        try (var writer = new SteadyWriter(cluster.output("primaryJdbcUrl"))) {
            writer.awaitProgress(50, Duration.ofSeconds(30));
            java.nio.file.Files.writeString(failBeforePromote, "once");
            cluster.stack().setConfig(Map.of("primary", "pg1"));
            try {
                var failed = assertThrows(RuntimeException.class, () -> cluster.stack().up());
                assertTrue(failed.getMessage().contains("test hook: failing right before the promotion of pg1")
                        && failed.getMessage().contains("starting pg0 again as the primary"), failed.getMessage());
            } finally {
                cluster.stack().setConfig(Map.of("primary", "pg0"));
            }
            Docker.awaitHealthy(cluster.container("pg0"), Duration.ofSeconds(60));
            // The failed run had updated the steps that follow the configured roles (pg1's seed
            // step saw it as the primary); this run sets them back.
            cluster.stack().up();
            assertEquals(List.of("pg0"), writableNodes());
            writer.awaitProgress(50, Duration.ofSeconds(60));
            writer.close();
            acknowledged = writer.acknowledged();
        }
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        ClusterChecks.assertNoAcknowledgedCommitLost(cluster, acknowledged, List.of(cluster.container("pg0")));
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * A standby restarted while the primary is down asks for WAL from the start of a segment: its
     * receive position is then behind what it replayed. It holds the same WAL as the other
     * standby and a failover to it goes ahead (it used to be refused as less advanced); every
     * acknowledged row is on the new primary, and the old one rejoins.
     */
    @Test
    @Order(4)
    void aFailoverComparesWhatStandbysHoldNotWhatTheyLastReceived() {
        List<Long> acknowledged;
        try (var writer = new SteadyWriter(cluster.output("primaryJdbcUrl"))) {
            writer.awaitProgress(100, Duration.ofSeconds(30));
            writer.close();
            acknowledged = writer.acknowledged();
        }
        ClusterChecks.awaitCaughtUp(cluster, Duration.ofSeconds(30));
        Docker.ok("kill", cluster.container("pg0"));
        Docker.ok("restart", cluster.container("pg2"));
        String pg2 = cluster.container("pg2");
        Sql.awaitPsql(pg2, "SELECT pg_last_wal_receive_lsn() < pg_last_wal_replay_lsn()", "t"::equals, Duration.ofSeconds(60));
        cluster.stack().setConfig(Map.of("primary", "pg2"));
        var run = cluster.stack().up();
        assertTrue(cluster.stack().outputs().get("primaryNode").equals("pg2"), run.stdout());
        assertEquals(List.of("pg2"), writableNodes());
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(90));
        ClusterChecks.assertNoAcknowledgedCommitLost(cluster, acknowledged,
                List.of(cluster.container("pg0"), cluster.container("pg1"), cluster.container("pg2")));
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * A node whose volume still says a pg_rewind began and did not finish (killed, or failed) may
     * be half-copied: it is never rewound again, never healthy, and `pulumi up --replace` of its
     * volume seeds it afresh.
     */
    @Test
    @Order(5)
    void aNodeWithAnUnfinishedRewindIsNeverRewoundAgainNorHealthy() {
        String pg1 = cluster.container("pg1");
        Docker.ok("stop", pg1);
        Docker.ok("run", "--rm", "--label", Docker.TEST_LABEL + "=1", "-v", cluster.volume("pg1") + ":/var/lib/postgresql/data",
                TestImage.reference(), "touch", "/var/lib/postgresql/data/pg-cluster-rewind.in-progress");
        // Any change of the primary step's inputs runs it; it rejoins every stopped node.
        cluster.stack().setConfig(Map.of("healthTimeoutSeconds", "121"));
        var refused = assertThrows(RuntimeException.class, () -> cluster.stack().up());
        assertTrue(refused.getMessage().contains("pg1 cannot rejoin as a standby of pg2: an earlier pg_rewind of it did not finish")
                && refused.getMessage().contains("pulumi up --replace"), refused.getMessage());
        Docker.ok("start", pg1);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (!Docker.inspect(pg1, "{{.State.Health.Status}}").equals("unhealthy") && Instant.now().isBefore(deadline)) {
            Docker.sleep(Duration.ofMillis(500));
        }
        assertEquals("unhealthy", Docker.inspect(pg1, "{{.State.Health.Status}}"));
        assertTrue(Docker.inspect(pg1, "{{json .State.Health.Log}}").contains("an interrupted pg_rewind left this node half-copied"));

        cluster.stack().up(List.of(cluster.stack().resource("docker:index/volume:Volume", cluster.volume("pg1")).urn()));
        Docker.awaitHealthy(pg1, Duration.ofSeconds(60));
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * A standby that streams, but from a node that is not the configured primary (here pg0 made to
     * cascade from pg1 by hand), refuses network reads; the next `pulumi up` repoints it and it
     * serves them again.
     */
    @Test
    @Order(6)
    void aStandbyThatStreamsFromAnotherNodeThanThePrimaryServesNoReads() {
        String pg0 = cluster.container("pg0");
        String pg1 = cluster.container("pg1");
        streamFromInsteadOf(pg0, pg1, cluster.container("pg2"));
        Sql.awaitPsql(pg0, "SELECT sender_host || ' ' || status FROM pg_stat_wal_receiver", (pg1 + " streaming")::equals,
                Duration.ofSeconds(60));
        String readFromPg0 = Sql.jdbcFromUri(replicaConnectionString("pg0"));
        var refused = assertThrows(IllegalStateException.class, () -> Sql.query(readFromPg0, "SELECT 1"));
        assertTrue(refused.getMessage().contains("pg-cluster: this standby streams from " + pg1 + ", not from the primary "
                + cluster.container("pg2")), refused.getMessage());
        cluster.stack().up();
        Sql.awaitPsql(pg0, "SELECT sender_host || ' ' || status FROM pg_stat_wal_receiver",
                (cluster.container("pg2") + " streaming")::equals, Duration.ofSeconds(60));
        assertEquals("1", Sql.query(readFromPg0, "SELECT 1"));
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * With readMaxLag, a standby that streams but replays further behind its primary than the
     * bound refuses network reads, and serves them again once it has caught up.
     */
    @Test
    @Order(7)
    void aStandbyReplayingTooFarBehindServesNoReadsUnderReadMaxLag() {
        cluster.stack().setConfig(Map.of("readMaxLag", "1MB"));
        cluster.stack().up();
        String pg0 = cluster.container("pg0");
        String readFromPg0 = Sql.jdbcFromUri(replicaConnectionString("pg0"));
        assertEquals("1", Sql.query(readFromPg0, "SELECT 1"));
        Docker.psql(pg0, "SELECT pg_wal_replay_pause()");
        try {
            Sql.execute(String.valueOf(cluster.stack().outputs().get("primaryJdbcUrl")),
                    "CREATE TABLE lag_filler AS SELECT g AS id, repeat('x', 500) AS pad FROM generate_series(1, 10000) g");
            Sql.awaitPsql(pg0, "SELECT pg_wal_lsn_diff(latest_end_lsn, pg_last_wal_replay_lsn()) > 1048576 FROM pg_stat_wal_receiver",
                    "t"::equals, Duration.ofSeconds(30));
            var refused = assertThrows(IllegalStateException.class, () -> Sql.query(readFromPg0, "SELECT 1"));
            assertTrue(refused.getMessage().contains("pg-cluster: this standby replays more than 1048576 bytes behind its primary"),
                    refused.getMessage());
        } finally {
            Docker.psql(pg0, "SELECT pg_wal_replay_resume()");
        }
        ClusterChecks.awaitCaughtUp(cluster, Duration.ofSeconds(30));
        assertEquals("10000", Sql.query(readFromPg0, "SELECT count(*) FROM lag_filler"));
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * Two runs never change roles at once, whatever backends they use: the primary step takes a
     * lock on the Docker host (a named container, created and never started) and refuses while
     * another run's lock has not expired; an expired one (a run that was killed) is taken over.
     */
    @Test
    @Order(8)
    void theClustersRolesAreChangedByOneRunAtATime() {
        String lock = cluster.config().namePrefix() + "-primary-lock";
        assertFalse(Docker.exists("container", lock), "a run leaves no lock behind");
        String image = Docker.inspect(cluster.container("pg0"), "{{.Image}}");
        long later = java.time.Instant.now().getEpochSecond() + 600;
        Docker.ok("create", "--name", lock, "--label", Docker.TEST_LABEL + "=1", "--label", "pg-cluster.lock.owner=another run",
                "--label", "pg-cluster.lock.expires=" + later, image, "true");
        cluster.stack().setConfig(Map.of("healthTimeoutSeconds", "122"));
        var refused = assertThrows(RuntimeException.class, () -> cluster.stack().up());
        assertTrue(refused.getMessage().contains("another run is changing this cluster's roles: the lock " + lock
                + " is held by another run"), refused.getMessage());
        assertTrue(Docker.exists("container", lock), "another run's lock is left alone");

        Docker.ok("rm", lock);
        Docker.ok("create", "--name", lock, "--label", Docker.TEST_LABEL + "=1", "--label", "pg-cluster.lock.owner=a killed run",
                "--label", "pg-cluster.lock.expires=1", image, "true");
        var run = cluster.stack().up();
        assertTrue(run.stdout().contains("the lock of a killed run expired; taking it over"), run.stdout());
        assertFalse(Docker.exists("container", lock), "the run removed its lock");

        // A lock of a run on this host whose process is gone (killed with its pulumi up) is taken
        // over at once, before it expires.
        String host = Shell.run(List.of("hostname"), Map.of(), null, Duration.ofSeconds(10)).stdout().strip();
        Docker.ok("create", "--name", lock, "--label", Docker.TEST_LABEL + "=1", "--label", "pg-cluster.lock.owner=a run here",
                "--label", "pg-cluster.lock.expires=" + later, "--label", "pg-cluster.lock.host=" + host,
                "--label", "pg-cluster.lock.pid=4194304", image, "true");
        cluster.stack().setConfig(Map.of("healthTimeoutSeconds", "123"));
        run = cluster.stack().up();
        assertTrue(run.stdout().contains("the lock of a run here is gone (its process 4194304 on this host no longer runs)"),
                run.stdout());
        assertFalse(Docker.exists("container", lock), "the run removed its lock");
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * A node promoted outside pg-cluster (by hand here) takes writes, and a standby follows it: the
     * promoted node fails its health check at once. While it runs writable, nothing is changed; once
     * stopped, the primary step reads where its WAL ends, and finds from the primary's timeline
     * history that the standby went past the fork: both are rewound only with consent naming each
     * of them at exactly that position. A consent for another position is refused; one left in
     * config after it was used applies to nothing and says so.
     */
    @Test
    @Order(9)
    void nodesThatWentTheirOwnWayAreRewoundOnlyWithConsentNamingWhereTheirWalEnds() {
        String pg0 = cluster.container("pg0");
        String pg1 = cluster.container("pg1");
        String pg2 = cluster.container("pg2");
        // pg0 streams from pg1 (a cascade) before pg1 is promoted, so it follows pg1 onto its new
        // timeline: repointed only after the promotion, it may already have received WAL that pg2
        // wrote after pg1's fork, and could then never follow pg1.
        streamFromInsteadOf(pg0, pg1, pg2);
        Sql.awaitPsql(pg0, "SELECT coalesce((SELECT sender_host FROM pg_stat_wal_receiver WHERE status = 'streaming'), '')",
                pg1::equals, Duration.ofSeconds(60));
        Docker.psql(pg1, "SELECT pg_promote(true, 60)");
        Docker.psql(pg1, "CREATE TABLE written_on_pg1_alone AS SELECT 1 AS id");
        Sql.awaitPsql(pg0, "SELECT coalesce(to_regclass('written_on_pg1_alone')::text, '')",
                "written_on_pg1_alone"::equals, Duration.ofSeconds(60));
        awaitHealth(pg1, "unhealthy", Duration.ofSeconds(30));
        assertTrue(Docker.inspect(pg1, "{{json .State.Health.Log}}").contains(
                "pg-cluster: accepts writes, but pg-cluster made it a standby: it was promoted outside pg-cluster"));

        var running = assertThrows(RuntimeException.class, () -> cluster.stack().up());
        assertTrue(running.getMessage().contains("pg1 accepts writes too, on timeline")
                && running.getMessage().contains("pg1 was promoted outside pg-cluster. Nothing was changed.")
                && running.getMessage().contains("To keep pg2: stop pg1 (docker stop " + pg1 + ") and run pulumi up"),
                running.getMessage());

        Docker.ok("stop", pg1);
        var refused = assertThrows(RuntimeException.class, () -> cluster.stack().up());
        String message = refused.getMessage();
        assertTrue(message.contains("pg0 runs as a standby on a timeline that is not in the history of the primary pg2")
                && message.contains("pg1 is stopped and was a primary on timeline")
                && message.contains("which is not in the history of the primary pg2")
                && message.contains("Nothing more was changed."), message);
        var consent = java.util.regex.Pattern.compile("pulumi config set pg-cluster:acceptDataLoss (pg0@[0-9A-F]+/[0-9A-F]+,"
                + "pg1@[0-9A-F]+/[0-9A-F]+), then remove it again").matcher(message);
        assertTrue(consent.find(), message);
        assertEquals("exited", Docker.inspect(pg1, "{{.State.Status}}"), "pg1 was left as it was");
        assertEquals("t", Docker.psql(pg0, "SELECT pg_is_in_recovery()"));

        // A consent for another position (an earlier incident's) applies to nothing here.
        String stale = consent.group(1).replaceFirst("pg1@[0-9A-F]+/[0-9A-F]+", "pg1@0/1000000");
        cluster.stack().setConfig(Map.of("acceptDataLoss", stale));
        var staleRefused = assertThrows(RuntimeException.class, () -> cluster.stack().up());
        assertTrue(staleRefused.getMessage().contains("pulumi config set pg-cluster:acceptDataLoss " + consent.group(1)
                + " (pg-cluster:acceptDataLoss = \"" + stale + "\" does not name pg1@"), staleRefused.getMessage());
        assertEquals("exited", Docker.inspect(pg1, "{{.State.Status}}"), "pg1 was left as it was");

        cluster.stack().setConfig(Map.of("acceptDataLoss", consent.group(1)));
        try {
            cluster.stack().up();
            String report = cluster.primaryStepReport();
            assertTrue(report.contains("pg0 was rewound and follows pg2; what it held past pg2's history (WAL up to "
                    + consent.group(1).split(",")[0].substring(4) + ") was discarded (acceptDataLoss)")
                    && report.contains("pg1 was rewound and follows pg2; what it held past pg2's history (WAL up to "
                    + consent.group(1).split(",")[1].substring(4) + ") was discarded (acceptDataLoss)"), report);
            var again = cluster.stack().up();
            assertTrue(again.stdout().contains("pg-cluster:acceptDataLoss = \"" + consent.group(1) + "\" applies to nothing"),
                    again.stdout());
        } finally {
            cluster.stack().removeConfig("acceptDataLoss");
        }
        cluster.stack().up(); // the consent removed again (the primary step's input)
        for (String node : List.of(pg0, pg1)) {
            Sql.awaitPsql(node, "SELECT pg_is_in_recovery()", "t"::equals, Duration.ofSeconds(60));
            assertEquals("", Docker.psql(node, "SELECT coalesce(to_regclass('written_on_pg1_alone')::text, '')"),
                    "what pg1 wrote on its own is gone from " + node);
        }
        assertEquals(List.of("pg2"), writableNodes());
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        awaitHealth(pg1, "healthy", Duration.ofSeconds(60));
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * A standby that replays slowly during a switchover (replay paused here) has not diverged: the
     * primary's timeline history says it can follow, so it is repointed and left to catch up, never
     * rewound; the run reports it as a warning and finishes, the old primary a standby already.
     */
    @Test
    @Order(10)
    void aLaggingStandbyDuringASwitchoverIsAWarningAndIsNotRewound() {
        String pg0 = cluster.container("pg0");
        String pg2 = cluster.container("pg2");
        String startedAt = Docker.inspect(pg0, "{{.State.StartedAt}}");
        Docker.psql(pg0, "SELECT pg_wal_replay_pause()");
        try {
            Sql.execute(cluster.anyPrimaryJdbcUrl(), "CREATE TABLE written_while_pg0_lags AS SELECT g AS id FROM generate_series(1, 1000) g");
            cluster.stack().setConfig(Map.of("primary", "pg1"));
            cluster.stack().up();
            String report = cluster.primaryStepReport();
            assertTrue(report.startsWith("pg1 primary timeline ") && report.contains("switchover from pg2")
                    && report.contains("warning: pg0 does not stream from pg1 yet"), report);
            assertEquals("t", Docker.psql(pg2, "SELECT pg_is_in_recovery()"), "the old primary is a standby");
            assertEquals(startedAt, Docker.inspect(pg0, "{{.State.StartedAt}}"), "pg0 was neither stopped nor rewound");
        } finally {
            Docker.psql(pg0, "SELECT pg_wal_replay_resume()");
        }
        Sql.awaitPsql(pg0, "SELECT count(*) FROM written_while_pg0_lags", "1000"::equals, Duration.ofSeconds(60));
        assertEquals(List.of("pg1"), writableNodes());
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /** Points the standby {@code container} by hand at {@code from} instead of {@code instead}, without a slot. */
    private static void streamFromInsteadOf(String container, String from, String instead) {
        Docker.psql(container, "ALTER SYSTEM SET primary_conninfo = '" + Docker.psql(container, "SHOW primary_conninfo")
                .replace(instead, from).replace("'", "''") + "'");
        Docker.psql(container, "ALTER SYSTEM SET primary_slot_name = ''");
        Docker.psql(container, "SELECT pg_reload_conf()");
    }

    private static void awaitHealth(String container, String status, Duration timeout) {
        Instant until = Instant.now().plus(timeout);
        while (!status.equals(Docker.inspect(container, "{{.State.Health.Status}}"))) {
            assertTrue(Instant.now().isBefore(until), container + " did not become " + status + " within " + timeout);
            Docker.sleep(Duration.ofMillis(500));
        }
    }

    /** The stack's connection string of a standby now (the roles moved since the first run). */
    @SuppressWarnings("unchecked")
    private String replicaConnectionString(String node) {
        return ((Map<String, String>) cluster.stack().outputs().get("replicaConnectionStrings")).get(node);
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
