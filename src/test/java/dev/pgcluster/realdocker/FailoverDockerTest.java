package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * README, "Failover": the primary killed, `pulumi config set pg-cluster:primary <standby>` and
 * `pulumi up` promote the standby although the old primary is unreachable; the old primary
 * rejoins as a standby through pg_rewind, never as a second primary. And a switchover killed
 * between promotion and repointing finishes on the next run (after `pulumi cancel`, which removes
 * the killed run's lock).
 */
@RequiresDocker
class FailoverDockerTest {

    /**
     * Quorum commit (`any 1`), 2 standbys, SIGKILL of the primary under a writer. A standby that
     * stopped receiving is refused as the target (another has more WAL); the most advanced one is
     * promoted with no acknowledged id lost; the old primary rejoins through pg_rewind with every row.
     */
    @Test
    void failoverWithQuorumCommitLosesNothingAndTheOldPrimaryRejoins() {
        try (var cluster = RealCluster.up("failover-sync", RealCluster.testConfig(2, "synchronous", "any 1"))) {
            String pg0 = cluster.container("pg0");
            String pg2 = cluster.container("pg2");
            // pg2 stops receiving: only pg1 confirms commits from now on.
            Docker.psql(pg2, "ALTER SYSTEM SET primary_conninfo = ''");
            Docker.psql(pg2, "SELECT pg_reload_conf()");
            Sql.awaitPsql(cluster.container("pg0"), "SELECT count(*) FROM pg_stat_replication", "1"::equals,
                    Duration.ofSeconds(30));
            List<Long> acknowledged;
            try (var writer = new SteadyWriter(cluster.anyPrimaryJdbcUrl())) {
                writer.awaitProgress(300, Duration.ofSeconds(60));
                Docker.ok("kill", "--signal", "KILL", pg0);
                writer.close();
                acknowledged = writer.acknowledged();
            }
            Instant killed = Instant.now();

            cluster.stack().setConfig(Map.of("primary", "pg2"));
            var refused = assertThrows(EngineStack.EngineFailure.class, () -> cluster.stack().up());
            assertTrue(refused.getMessage().contains("refusing to fail over to pg2")
                    && refused.getMessage().contains("other standbys have received more WAL: pg1")
                    && refused.getMessage().contains("pg-cluster:acceptDataLoss"), refused.getMessage());
            assertEquals("t", Docker.psql(pg2, "SELECT pg_is_in_recovery()"), "pg2 was not promoted");
            assertEquals("exited", Docker.inspect(pg0, "{{.State.Status}}"));

            cluster.stack().setConfig(Map.of("primary", "pg1"));
            cluster.stack().up();
            System.out.printf("failover to pg1 (any 1): pulumi up done %.1f s after the kill; %s%n",
                    Duration.between(killed, Instant.now()).toMillis() / 1000.0, cluster.primaryStepReport());
            assertTrue(cluster.primaryStepReport().startsWith("pg1 primary timeline 2; failover: pg1 promoted at"),
                    cluster.primaryStepReport());
            assertTrue(cluster.primaryStepReport().contains("pg0 (old primary, WAL up to"), cluster.primaryStepReport());
            assertEquals("running", Docker.inspect(pg0, "{{.State.Status}}"), "the old primary runs again");
            assertEquals("t", Docker.psql(pg0, "SELECT pg_is_in_recovery()"), "as a standby");
            ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(90));
            ClusterChecks.assertNoAcknowledgedCommitLost(cluster, acknowledged, List.of(pg0, cluster.container("pg1"), pg2));
            ClusterChecks.assertIdempotent(cluster.stack());
        }
    }

    /**
     * Asynchronous replication: the standby stops receiving, the primary goes on writing, then is
     * killed. The failover reports how much WAL the promoted node never received, and that matches
     * the WAL the old primary really wrote past it; those rows are gone, the rest is there.
     */
    @Test
    void asynchronousFailoverReportsTheWalThePromotedNodeNeverReceived() {
        try (var cluster = RealCluster.up("failover-async", RealCluster.testConfig(1))) {
            String pg0 = cluster.container("pg0");
            String pg1 = cluster.container("pg1");
            Docker.psql(pg0, "CREATE TABLE ack (id bigint PRIMARY KEY)");
            Docker.psql(pg0, "INSERT INTO ack SELECT generate_series(1, 1000)");
            ClusterChecks.awaitCaughtUp(cluster, Duration.ofSeconds(60));
            Docker.psql(pg1, "ALTER SYSTEM SET primary_conninfo = ''");
            Docker.psql(pg1, "SELECT pg_reload_conf()");
            Sql.awaitPsql(pg0, "SELECT count(*) FROM pg_stat_replication", "0"::equals, Duration.ofSeconds(30));
            Docker.psql(pg0, "INSERT INTO ack SELECT generate_series(1001, 6000)");
            String written = Docker.psql(pg0, "SELECT pg_current_wal_insert_lsn()");
            String received = Docker.psql(pg1, "SELECT pg_last_wal_receive_lsn()");
            Docker.ok("kill", "--signal", "KILL", pg0);
            long really = lsn(written) - lsn(received);

            cluster.stack().setConfig(Map.of("primary", "pg1"));
            cluster.stack().up();
            String report = cluster.primaryStepReport();
            System.out.printf("async failover: %d bytes of WAL written past what pg1 received; reported: %s%n", really, report);
            Matcher lost = Pattern.compile("(\\d+) bytes of its WAL had not reached pg1 and are lost").matcher(report);
            assertTrue(lost.find(), report);
            long reported = Long.parseLong(lost.group(1));
            assertTrue(really > 100_000, "the test wrote WAL pg1 never received: " + really);
            assertTrue(Math.abs(reported - really) <= 8192,
                    "reported " + reported + " bytes lost, really " + really + " (within one WAL page)");
            assertEquals("1000", Docker.psql(pg1, "SELECT count(*) FROM ack"), "pg1 has what it received, no more");
            ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(90));
            ClusterChecks.awaitCaughtUp(cluster, Duration.ofSeconds(60));
            assertEquals("1000", Docker.psql(pg0, "SELECT count(*) FROM ack"),
                    "pg0, rewound, holds the new primary's history, not its own lost rows");
        }
    }

    /**
     * A switchover whose `pulumi up` is killed (the CLI, its plugins and the step) right after the
     * target was promoted, before the old primary and the other standbys were repointed: the next
     * `pulumi up` finishes the job; one primary, every row everywhere, and then nothing to do.
     */
    @Test
    void aSwitchoverKilledAfterPromotionFinishesOnTheNextRun() throws Exception {
        Path pause = Files.createTempDirectory("pg-cluster-pause").resolve("after-promote");
        try (var cluster = RealCluster.up("interrupted", RealCluster.testConfig(2),
                Map.of("PGC_TEST_PAUSE_AFTER_PROMOTE", pause.toString()))) {
            List<Long> acknowledged;
            try (var writer = new SteadyWriter(cluster.anyPrimaryJdbcUrl())) {
                writer.awaitProgress(200, Duration.ofSeconds(60));
                upKilledRightAfterPg1IsPromoted(cluster, pause);
                assertEquals("exited", Docker.inspect(cluster.container("pg0"), "{{.State.Status}}"),
                        "the old primary was stopped before the promotion, and stays so");

                // What the user does after a killed run: remove its lock, then run pulumi up again.
                cluster.stack().cancel();
                cluster.stack().up();
                writer.awaitProgress(100, Duration.ofSeconds(60));
                writer.close();
                acknowledged = writer.acknowledged();
            }
            System.out.println("interrupted switchover, finished by the next run: " + cluster.primaryStepReport());
            assertEquals("f", Docker.psql(cluster.container("pg1"), "SELECT pg_is_in_recovery()"));
            for (String node : List.of("pg0", "pg2")) {
                assertEquals("t", Docker.psql(cluster.container(node), "SELECT pg_is_in_recovery()"), node);
            }
            ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(90));
            ClusterChecks.assertNoAcknowledgedCommitLost(cluster, acknowledged,
                    List.of(cluster.container("pg0"), cluster.container("pg1"), cluster.container("pg2")));
            ClusterChecks.assertIdempotent(cluster.stack());
        }
    }

    /**
     * A failover whose `pulumi up` is killed right after the promotion, before the stopped old
     * primary was rewound: the old primary was fenced first, so a `docker start` of it (what a
     * person might do) brings it back read-only, never as a second writable primary; the next
     * `pulumi up` rejoins it as a standby with every acknowledged row of the new primary.
     */
    @Test
    void aFailoverKilledAfterPromotionLeavesTheOldPrimaryFenced() throws Exception {
        Path pause = Files.createTempDirectory("pg-cluster-pause").resolve("after-promote");
        try (var cluster = RealCluster.up("fenced", RealCluster.testConfig(2),
                Map.of("PGC_TEST_PAUSE_AFTER_PROMOTE", pause.toString()))) {
            ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
            List<Long> acknowledged;
            try (var writer = new SteadyWriter(cluster.output("primaryJdbcUrl"))) {
                writer.awaitProgress(200, Duration.ofSeconds(60));
                writer.close();
                acknowledged = writer.acknowledged();
            }
            ClusterChecks.awaitCaughtUp(cluster, Duration.ofSeconds(30));
            String pg0 = cluster.container("pg0");
            Docker.ok("kill", pg0);
            upKilledRightAfterPg1IsPromoted(cluster, pause);

            Docker.ok("start", pg0);
            Sql.awaitPsql(pg0, "SELECT pg_is_in_recovery()", "t"::equals, Duration.ofSeconds(60));
            assertEquals("f", Docker.psql(cluster.container("pg1"), "SELECT pg_is_in_recovery()"));

            cluster.stack().cancel();
            cluster.stack().up();
            assertEquals("t", Docker.psql(pg0, "SELECT pg_is_in_recovery()"));
            assertEquals("", Docker.ok("run", "--rm", "--label", Docker.TEST_LABEL + "=1", "-v", cluster.volume("pg0")
                    + ":/var/lib/postgresql/data", TestImage.reference(), "sh", "-c",
                    "ls /var/lib/postgresql/data | grep pg-cluster-fenced || true"), "the fence went with the rejoin");
            ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(90));
            ClusterChecks.assertNoAcknowledgedCommitLost(cluster, acknowledged,
                    List.of(cluster.container("pg0"), cluster.container("pg1"), cluster.container("pg2")));
            ClusterChecks.assertIdempotent(cluster.stack());
        }
    }

    /**
     * `pulumi up` with `primary` set to pg1, killed (the CLI, its plugins and the step) right after
     * the primary step promoted pg1, where its test hook (PGC_TEST_PAUSE_AFTER_PROMOTE = pause) waits.
     */
    private static void upKilledRightAfterPg1IsPromoted(RealCluster cluster, Path pause) {
        cluster.stack().setConfig(Map.of("primary", "pg1"));
        var run = CompletableFuture.runAsync(() -> cluster.stack().up());
        awaitFile(pause, Duration.ofMinutes(2));
        assertEquals("f", Docker.psql(cluster.container("pg1"), "SELECT pg_is_in_recovery()"), "pg1 was promoted");
        killPulumi();
        assertThrows(Exception.class, run::join, "the killed pulumi up fails");
    }

    private static long lsn(String lsn) {
        String[] parts = lsn.split("/");
        return new BigInteger(parts[0], 16).shiftLeft(32).add(new BigInteger(parts[1], 16)).longValueExact();
    }

    private static void awaitFile(Path file, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (!Files.exists(file)) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError(file + " did not appear within " + timeout);
            }
            Docker.sleep(Duration.ofMillis(20));
        }
    }

    /** SIGKILL to every `pulumi up` this JVM started and everything below it, as a crash would. */
    private static void killPulumi() {
        var doomed = new ArrayList<ProcessHandle>();
        ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("/pulumi")).orElse(false))
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains("up")).orElse(false))
                .forEach(cli -> {
                    cli.descendants().forEach(doomed::add);
                    doomed.add(cli);
                });
        assertTrue(!doomed.isEmpty(), "a running pulumi up to kill");
        doomed.forEach(ProcessHandle::destroyForcibly);
        doomed.forEach(p -> p.onExit().join());
    }
}
