package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
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
 * Faults under a steady writer that records every acknowledged commit. After each fault, once the
 * replicas have caught up, every acknowledged id is on every node and all nodes agree.
 * The tests share one cluster and run in order; the last ones are destructive.
 */
@RequiresDocker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultsDockerTest {
    private RealCluster cluster;
    private String primaryJdbc;

    @BeforeAll
    void up() {
        // Small WAL bounds so that the bound can be crossed quickly.
        cluster = RealCluster.up("faults", RealCluster.testConfig(2, "walKeepSize", "16MB", "maxSlotWalKeepSize", "64MB"));
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        primaryJdbc = cluster.output("primaryJdbcUrl");
    }

    @AfterAll
    void down() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private List<String> nodes() {
        var nodes = new java.util.ArrayList<String>();
        nodes.add(cluster.primary());
        nodes.addAll(cluster.replicas());
        return nodes;
    }

    @Test
    @Order(1)
    void replicaKilledMidWriteIsRestartedAndCatchesUpThroughItsSlot() {
        String replica = cluster.replicas().get(0);
        try (var writer = new SteadyWriter(primaryJdbc)) {
            writer.awaitProgress(200, Duration.ofSeconds(30));
            ClusterChecks.crash(replica);
            writer.awaitProgress(300, Duration.ofSeconds(30));
            Docker.awaitHealthy(replica, Duration.ofSeconds(60));
            writer.awaitProgress(100, Duration.ofSeconds(30));
            writer.close();
            assertTrue(Integer.parseInt(Docker.inspect(replica, "{{.RestartCount}}")) >= 1, "restarted by its restart policy");
            ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
            ClusterChecks.assertNoAcknowledgedCommitLost(cluster, writer.acknowledged(), nodes());
        }
    }

    @Test
    @Order(2)
    void primaryKilledMidWriteRestartsAndReplicasReconnect() {
        try (var writer = new SteadyWriter(primaryJdbc)) {
            writer.awaitProgress(200, Duration.ofSeconds(30));
            ClusterChecks.crash(cluster.primary());
            Docker.awaitHealthy(cluster.primary(), Duration.ofSeconds(90));
            writer.awaitProgress(200, Duration.ofSeconds(60));
            writer.close();
            assertTrue(writer.failures() > 0, "the writer noticed the crash");
            ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
            ClusterChecks.assertNoAcknowledgedCommitLost(cluster, writer.acknowledged(), nodes());
        }
    }

    @Test
    @Order(3)
    void replicaCutOffFromTheNetworkCatchesUpWithoutANewBaseBackup() {
        String replica = cluster.replicas().get(1);
        String identity = Docker.psql(replica, "SELECT system_identifier FROM pg_control_system()");
        String containerId = Docker.inspect(replica, "{{.Id}}");
        try (var writer = new SteadyWriter(primaryJdbc)) {
            writer.awaitProgress(100, Duration.ofSeconds(30));
            Docker.ok("network", "disconnect", cluster.network(), replica);
            Sql.awaitPsql(cluster.primary(), "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'pg2'",
                    "0"::equals, Duration.ofSeconds(90));
            writer.awaitProgress(500, Duration.ofSeconds(60));
            Docker.ok("network", "connect", "--alias", "pg2", cluster.network(), replica);
            writer.awaitProgress(100, Duration.ofSeconds(30));
            writer.close();
            ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(90));
            ClusterChecks.assertNoAcknowledgedCommitLost(cluster, writer.acknowledged(), nodes());
        }
        assertEquals(identity, Docker.psql(replica, "SELECT system_identifier FROM pg_control_system()"));
        assertEquals(containerId, Docker.inspect(replica, "{{.Id}}"), "same container, same data");
    }

    /**
     * The base-backup step killed midway leaves no data directory under the name the server uses;
     * running the step again starts from clean and gives a standby that streams.
     */
    @Test
    @Order(4)
    void interruptedBaseBackupLeavesNothingHalfWrittenAndTheStepSucceedsAgain() throws Exception {
        Sql.execute(primaryJdbc, "CREATE TABLE bulk AS SELECT g AS id, repeat(md5(g::text), 30) AS pad "
                + "FROM generate_series(1, 300000) g");
        String step = cluster.step("pg1", "seed");
        var backup = cluster.command(step);
        var slot = cluster.command(cluster.step("pg1", "slot"));
        var env = new HashMap<>(backup.environment());
        String volume = cluster.config().namePrefix() + "-pgx-data";
        env.put("PGC_NODE", "pgx");
        env.put("PGC_SLOT", "pgx");
        env.put("PGC_VOLUME", volume);
        env.put("PGC_ATTEMPTS", "1");
        var slotEnv = new HashMap<>(slot.environment());
        slotEnv.put("PGC_SLOT", "pgx");
        String password = backup.input("stdin").orElseThrow();
        String runner = cluster.config().namePrefix() + "-pgx-seed";
        Docker.ok("volume", "create", "--label", Docker.TEST_LABEL + "=1", volume);
        try {
            Shell.script(slot.input("create").orElseThrow(), slotEnv, null)
                    .orThrow("slot pgx");
            // What the node's conf step puts on a new volume first: the CA certificates the base
            // backup checks the primary against.
            var conf = cluster.command(cluster.step("pg1", "conf"));
            var confEnv = new HashMap<>(conf.environment());
            confEnv.put("PGC_NODE", "pgx");
            confEnv.put("PGC_VOLUME", volume);
            confEnv.put("PGC_CONTAINER", cluster.config().namePrefix() + "-pgx");
            Shell.script(conf.input("create").orElseThrow(), confEnv, conf.input("stdin").orElseThrow()).orThrow("conf pgx");
            Path data = Path.of(Docker.ok("volume", "inspect", "--format", "{{.Mountpoint}}", volume));

            // Start the step and kill its backup container as soon as files arrive.
            var builder = new ProcessBuilder("/bin/sh", "-c", backup.input("create").orElseThrow());
            builder.environment().putAll(env);
            builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            Process process = builder.start();
            try (OutputStream in = process.getOutputStream()) {
                in.write(password.getBytes(StandardCharsets.UTF_8));
            }
            Path partial = data.resolve("pgdata.partial");
            Instant deadline = Instant.now().plusSeconds(60);
            while (!(Files.isDirectory(partial.resolve("base")) || Files.exists(partial.resolve("backup_label")))) {
                assertTrue(Instant.now().isBefore(deadline), "the base backup never started writing");
                assertTrue(process.isAlive(), "the base backup ended before it could be interrupted");
                Thread.sleep(5);
            }
            Docker.run("kill", runner);
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
            Docker.run("rm", "-f", runner);
            assertFalse(Files.exists(data.resolve("pgdata/PG_VERSION")), "no data directory under the server's name");

            // Again: from clean, to a complete standby data directory.
            var again = Shell.script(backup.input("create").orElseThrow(), env, password);
            assertEquals(0, again.exitCode(), again.stderr());
            assertTrue(Files.exists(data.resolve("pgdata/PG_VERSION")));
            assertTrue(Files.exists(data.resolve("pgdata/standby.signal")));
            assertFalse(Files.exists(partial), "the leftovers are gone");

            String standby = cluster.config().namePrefix() + "-pgx";
            Docker.ok("run", "-d", "--name", standby, "--label", Docker.TEST_LABEL + "=1", "--network", cluster.network(),
                    "--volume", volume + ":/var/lib/postgresql/data", "--env", "PGDATA=/var/lib/postgresql/data/pgdata",
                    TestImage.reference(), "postgres", "-c", "hot_standby=on", "-c", "max_wal_senders=10",
                    "-c", "max_replication_slots=10");
            try {
                Sql.awaitPsql(cluster.primary(), "SELECT state FROM pg_stat_replication WHERE application_name = 'pgx'",
                        "streaming"::equals, Duration.ofSeconds(60));
                assertEquals("300000", Sql.awaitPsql(standby, "SELECT count(*) FROM bulk", "300000"::equals,
                        Duration.ofSeconds(60)));
            } finally {
                Docker.run("rm", "-f", standby);
            }
        } finally {
            Docker.run("rm", "-f", runner);
            Sql.awaitPsql(cluster.primary(), "SELECT count(pg_drop_replication_slot(slot_name)) * 0 FROM pg_replication_slots "
                    + "WHERE slot_name = 'pgx' AND NOT active", "0"::equals, Duration.ofSeconds(30));
            Docker.run("volume", "rm", "-f", volume);
            Sql.execute(primaryJdbc, "DROP TABLE IF EXISTS bulk");
        }
    }

    /**
     * A stopped replica's slot cannot hold more WAL than max_slot_wal_keep_size: once the WAL since
     * its restart point passes the bound, a checkpoint invalidates it and the WAL goes. Then
     * README's one command re-seeds the replica (volume, base backup through its slot made again,
     * container), which `pulumi up` names.
     */
    @Test
    @Order(5)
    void slotOfAStoppedReplicaIsBoundedAndThePrimaryKeepsServing() {
        String replica = cluster.replicas().get(1);
        // While every standby streams, the read-only strings read from the standbys only.
        var before = List.of(ReadRouting.jdbc(cluster, 30), ReadRouting.libpq(cluster, 30));
        for (var tally : before) {
            assertTrue(tally.refusals().isEmpty() && tally.servedBy("pg0") == 0 && tally.servedBy("pg2") > 0,
                    "reads through the read-only strings of a streaming cluster: " + tally);
        }
        System.out.println("  reads of the read-only strings, all streaming: JDBC " + before.get(0) + ", libpq " + before.get(1));
        Docker.ok("stop", replica);
        String restartLsn = Docker.psql(cluster.primary(), "SELECT restart_lsn FROM pg_replication_slots WHERE slot_name = 'pg2'");
        String restartSegment = Docker.psql(cluster.primary(), "SELECT pg_walfile_name('" + restartLsn + "')");
        long bound = 64L << 20;
        long retainedWhenLost = -1;
        try (var writer = new SteadyWriter(primaryJdbc)) {
            // Each switch starts a new 16 MB segment; a checkpoint after each applies the bound.
            for (int segment = 0; segment < 40 && retainedWhenLost < 0; segment++) {
                writer.awaitProgress(20, Duration.ofSeconds(30));
                String distance = Docker.psql(cluster.primary(), "SELECT pg_wal_lsn_diff(pg_switch_wal(), '" + restartLsn + "')");
                Docker.psql(cluster.primary(), "CHECKPOINT");
                if ("lost".equals(Docker.psql(cluster.primary(), "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'pg2'"))) {
                    retainedWhenLost = (long) Double.parseDouble(distance);
                }
            }
            writer.awaitProgress(100, Duration.ofSeconds(30));
        }
        assertTrue(retainedWhenLost > 0, "the slot of the stopped replica was never invalidated");
        assertTrue(retainedWhenLost < bound + (96L << 20),
                "the slot held " + retainedWhenLost + " bytes of WAL, far past the 64MB bound");
        String oldestKept = Docker.psql(cluster.primary(), "SELECT min(name) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$'");
        assertTrue(oldestKept.compareTo(restartSegment) > 0,
                "WAL the stopped replica needed (" + restartSegment + ") was removed; oldest kept: " + oldestKept);
        assertEquals("streaming", Docker.psql(cluster.primary(),
                "SELECT state FROM pg_stat_replication WHERE application_name = 'pg1'"), "the other replica is unaffected");
        System.out.printf("  slot pg2 (bound 64MB) invalidated with %d MB of WAL behind it; pg_wal holds %s%n",
                retainedWhenLost >> 20, Docker.psql(cluster.primary(),
                        "SELECT count(*) || ' segments, ' || pg_size_pretty(sum(size)) FROM pg_ls_waldir()"));

        // A standby that cannot stream is unhealthy within the streaming grace (plus one check
        // interval and a check's run time), and says why.
        Docker.ok("start", replica);
        Instant started = Instant.now();
        Instant deadline = started.plus(Duration.ofSeconds(cluster.config().streamingGraceSeconds() + 10));
        while (!Docker.inspect(replica, "{{.State.Health.Status}}").equals("unhealthy")) {
            assertTrue(Instant.now().isBefore(deadline), "pg2 cannot stream, but its health stays "
                    + Docker.inspect(replica, "{{.State.Health.Status}}"));
            Docker.sleep(Duration.ofSeconds(1));
        }
        String healthLog = Docker.inspect(replica, "{{range .State.Health.Log}}{{.Output}}{{end}}");
        assertTrue(healthLog.contains("pg-cluster: a standby that does not stream (WAL receiver: "), healthLog);
        System.out.printf("  pg2 unhealthy %d s after its start: %s%n", Duration.between(started, Instant.now()).toSeconds(),
                healthLog.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse(""));
        assertEquals("healthy", Docker.inspect(cluster.primary(), "{{.State.Health.Status}}"),
                "the primary's health does not depend on a standby's");

        // The stale standby serves no reads. pgJDBC moves on to another node; libpq stops at the
        // refusal (it tries the next host only when a server refuses before authentication).
        var jdbc = ReadRouting.jdbc(cluster, 40);
        var libpq = ReadRouting.libpq(cluster, 40);
        assertEquals(0, jdbc.servedBy("pg2"), "JDBC reads served by the stale pg2: " + jdbc);
        assertEquals(List.of(), jdbc.refusals(), "pgJDBC falls back to another node");
        assertEquals(40, jdbc.total());
        assertEquals(0, libpq.servedBy("pg2"), "libpq reads served by the stale pg2: " + libpq);
        for (String refusal : libpq.refusals()) {
            assertTrue(refusal.contains("pg-cluster: this standby does not stream from the primary")
                    && refusal.contains("refuses reads until it streams again"), refusal);
        }
        assertEquals("t", Docker.psql(replica, "SELECT pg_is_in_recovery()"), "the node's own socket still works");
        System.out.println("  reads of the read-only strings, pg2 stale: JDBC " + jdbc + ", libpq " + libpq);

        // pulumi up says what it found and the one command that brings pg2 back; that command
        // seeds it afresh through its slot, made again, and pg2 streams with every row.
        var run = cluster.stack().up();
        String volumeUrn = cluster.stack().resource("docker:index/volume:Volume", cluster.volume("pg2")).urn();
        assertTrue(run.stdout().contains("the replication slot of pg2 on pg0 is lost")
                && run.stdout().contains("pulumi up --replace '" + volumeUrn + "'"), run.stdout());
        String oldLabel = Docker.inspect(replica, "{{index .Config.Labels \"pg-cluster.seed\"}}");
        String oldBackupStart = ClusterChecks.baseBackupStart(replica);
        cluster.stack().up(List.of(volumeUrn));
        assertEquals("reserved", Docker.psql(cluster.primary(),
                "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'pg2'"), "the slot holds WAL again");
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        ClusterChecks.awaitCaughtUp(cluster, Duration.ofSeconds(60));
        assertEquals(ClusterChecks.ackFingerprint(cluster.primary()), ClusterChecks.ackFingerprint(replica),
                "the re-seeded replica holds every row");
        assertTrue(cluster.command(cluster.step("pg2", "seed")).outputs().get("stdout").getAsString()
                .startsWith("pg2 seeded "), "a new base backup");
        assertNotEquals(oldLabel, Docker.inspect(replica, "{{index .Config.Labels \"pg-cluster.seed\"}}"), "a new seed step");
        ClusterChecks.assertSeedLabelNamesItsSeedStep(cluster, "pg2");
        assertNotEquals(oldBackupStart, ClusterChecks.baseBackupStart(replica), "data from a new base backup");
        Docker.awaitHealthy(replica, Duration.ofSeconds(60));
        assertTrue(ReadRouting.jdbc(cluster, 30).servedBy("pg2") > 0, "the re-seeded pg2 serves reads again");

        // A second outage inside the bound (32 MB of 64 MB) needs nothing: pg2 catches up through
        // its slot, and its health fails only within the streaming grace after its start.
        Docker.ok("stop", replica);
        try (var writer = new SteadyWriter(primaryJdbc)) {
            for (int segment = 0; segment < 2; segment++) {
                writer.awaitProgress(20, Duration.ofSeconds(30));
                Docker.psql(cluster.primary(), "SELECT pg_switch_wal()");
                Docker.psql(cluster.primary(), "CHECKPOINT");
            }
            assertEquals("t", Docker.psql(cluster.primary(), "SELECT wal_status IN ('reserved', 'extended') "
                    + "FROM pg_replication_slots WHERE slot_name = 'pg2'"), "the slot holds the WAL pg2 needs");
            Docker.ok("start", replica);
            Instant restarted = Instant.parse(Docker.inspect(replica, "{{.State.StartedAt}}"));
            // Every check Docker runs until well past the grace (its log keeps only the last five).
            Duration grace = Duration.ofSeconds(cluster.config().streamingGraceSeconds());
            var checks = new java.util.TreeMap<Instant, String>();
            while (Instant.now().isBefore(restarted.plus(grace).plusSeconds(6))) {
                // The output as JSON: a check's output can span lines (psql's error, then ours).
                for (String check : Docker.lines(Docker.inspect(replica, "{{range .State.Health.Log}}"
                        + "{{.Start.Format \"2006-01-02T15:04:05.000Z07:00\"}}|{{.ExitCode}}|{{json .Output}}{{\"\\n\"}}{{end}}"))) {
                    if (check.isBlank()) {
                        continue;
                    }
                    String[] parts = check.split("\\|", 3);
                    checks.put(java.time.OffsetDateTime.parse(parts[0]).toInstant(), parts[1] + "|" + parts[2].strip());
                }
                Docker.sleep(Duration.ofSeconds(1));
            }
            checks.forEach((at, check) -> assertTrue(check.startsWith("0|") || at.isBefore(restarted.plus(grace)),
                    "a failed check " + Duration.between(restarted, at).toMillis() + " ms after pg2 started again (grace "
                            + grace + "): " + check));
            assertTrue(checks.size() >= 3, "health checks seen: " + checks);
            assertEquals("healthy", Docker.inspect(replica, "{{.State.Health.Status}}"));
            Sql.awaitPsql(cluster.primary(), "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'pg2' "
                    + "AND state = 'streaming'", "1"::equals, Duration.ofSeconds(60));
            writer.awaitProgress(100, Duration.ofSeconds(30));
            System.out.println("  health checks of pg2 after its restart: " + checks.values().stream()
                    .map(c -> c.substring(0, 1)).reduce("", String::concat) + " (0 = passed)");
            assertEquals("healthy", Docker.inspect(cluster.primary(), "{{.State.Health.Status}}"));
        }
        ClusterChecks.awaitCaughtUp(cluster, Duration.ofSeconds(60));
        assertEquals(ClusterChecks.ackFingerprint(cluster.primary()), ClusterChecks.ackFingerprint(replica),
                "after an outage inside the bound, pg2 holds every row");
        assertEquals("reserved", Docker.psql(cluster.primary(),
                "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'pg2'"));
        System.out.println("  second outage of pg2 inside the bound: caught up through its slot, no new base backup");
    }

    /**
     * A failover done by hand (stop the primary, promote a replica), as the README's old runbook
     * had it: `pulumi up` refuses while config still names the stopped primary, and changes
     * nothing; once config names the promoted node, `pulumi up` adopts it. The old primary is
     * rewound and started as a standby: it streams from the new primary with every acknowledged row.
     */
    @Test
    @Order(6)
    void aFailoverDoneByHandIsRefusedThenAdoptedOnceConfigSaysSo() {
        String oldPrimary = cluster.primary();
        String newPrimary = cluster.container("pg1");
        List<Long> acknowledged;
        try (var writer = new SteadyWriter(primaryJdbc)) {
            writer.awaitProgress(300, Duration.ofSeconds(30));
            Docker.ok("stop", oldPrimary);
            writer.close();
            acknowledged = writer.acknowledged();
        }
        assertEquals("t", Docker.psql(newPrimary, "SELECT pg_promote(wait => true)"));

        var refused = assertThrows(EngineStack.EngineFailure.class, () -> cluster.stack().up());
        assertTrue(refused.getMessage().contains("the configured primary pg0 is exited, and pg1 accepts writes")
                && refused.getMessage().contains("pulumi config set pg-cluster:primary pg1"), refused.getMessage());
        assertEquals("exited", Docker.inspect(oldPrimary, "{{.State.Status}}"));

        cluster.stack().setConfig(Map.of("primary", "pg1"));
        cluster.stack().up();
        assertEquals("running", Docker.inspect(oldPrimary, "{{.State.Status}}"), "the old primary runs again");
        Sql.awaitPsql(newPrimary, "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'pg0' "
                + "AND state = 'streaming'", "1"::equals, Duration.ofSeconds(60));
        assertEquals("t", Docker.psql(oldPrimary, "SELECT pg_is_in_recovery()"), "the old primary came back as a standby");
        String ids = acknowledged.stream().map(String::valueOf).reduce((a, b) -> a + "," + b).orElseThrow();
        String target = Docker.psql(newPrimary, "SELECT pg_current_wal_lsn()");
        Sql.awaitPsql(oldPrimary, "SELECT pg_last_wal_replay_lsn() >= '" + target + "'::pg_lsn", "t"::equals,
                Duration.ofSeconds(60));
        for (String node : List.of(oldPrimary, newPrimary)) {
            assertEquals("0", Docker.psql(node, "SELECT count(*) FROM unnest('{" + ids + "}'::bigint[]) AS a(id) "
                    + "WHERE NOT EXISTS (SELECT 1 FROM ack WHERE ack.id = a.id)"), node + " has every acknowledged row");
        }
        System.out.println("  failover by hand, adopted: " + acknowledged.size() + " acknowledged rows on both nodes; "
                + cluster.primaryStepReport());
    }
}
