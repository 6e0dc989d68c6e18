package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.mode.patroni.PatroniFiles;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * README, "Automatic failover (Patroni)": one stack of three Patroni members (quorum commit,
 * {@code any 1}) and three etcd members, brought up once and shared by the scenarios in order,
 * each under a steady writer that records the ids whose commits were acknowledged.
 */
@RequiresDocker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PatroniDockerTest {
    private RealCluster cluster;
    private final List<String> members = new ArrayList<>();

    @BeforeAll
    void up() {
        cluster = RealCluster.up("patroni", RealCluster.testConfig(2, "ha", "patroni", "synchronous", "any 1",
                "etcdImage", TestImage.reference()));
        for (String node : List.of("pg0", "pg1", "pg2")) {
            members.add(cluster.container(node));
        }
        System.out.printf("ha: patroni bring-up (3 etcd, 3 members, any 1): pulumi up %.1f s%n",
                cluster.upTime().toMillis() / 1000.0);
    }

    @AfterAll
    void down() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The member that leads now, as Patroni says (patronictl on any running member). */
    private String leader() {
        for (String member : members) {
            var out = Docker.run("exec", member, "patronictl", "-c", PatroniFiles.CONFIG_DIR, "list", "-f", "json");
            if (!out.ok()) {
                continue;
            }
            Matcher m = Pattern.compile("\"Member\": \"(pg\\d)\"[^}]*\"Role\": \"Leader\"[^}]*\"State\": \"running\"")
                    .matcher(out.stdout());
            if (m.find()) {
                return cluster.container(m.group(1));
            }
        }
        return null;
    }

    private String awaitLeader(Duration timeout, String notThis) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            String leader = leader();
            if (leader != null && !leader.equals(notThis)) {
                return leader;
            }
            Docker.sleep(Duration.ofMillis(200));
        }
        throw new AssertionError("no leader (other than " + notThis + ") after " + timeout);
    }

    private void awaitStreaming(String leader, int standbys, Duration timeout) {
        Sql.awaitPsql(leader, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'",
                String.valueOf(standbys)::equals, timeout);
    }

    /** Ids that were tried but not acknowledged may exist too: only the acknowledged ones are counted. */
    private void assertEveryAcknowledgedRowOn(List<Long> acknowledged, String container) {
        String count = Docker.psql(container, "SELECT count(*) FROM public.ack WHERE id = ANY ('{"
                + String.join(",", acknowledged.stream().map(String::valueOf).toList()) + "}'::bigint[])");
        assertEquals(String.valueOf(acknowledged.size()), count, container + " holds every acknowledged id");
    }

    @Test
    @Order(1)
    void bringsUpALeaderAndTwoStreamingReplicasAndASecondRunChangesNothing() {
        String leader = awaitLeader(Duration.ofSeconds(30), null);
        awaitStreaming(leader, 2, Duration.ofSeconds(60));
        // Patroni names the quorum standbys in its next loop once they stream.
        Sql.awaitPsql(leader, "SELECT string_agg(sync_state, ',' ORDER BY application_name) FROM pg_stat_replication",
                "quorum,quorum"::equals, Duration.ofSeconds(30));
        assertEquals("on", Docker.psql(leader, "SELECT ssl FROM pg_stat_ssl s JOIN pg_stat_replication r USING (pid) LIMIT 1")
                .replace("t", "on"));
        // The roles step ran on the leader; the write string lands there whichever member leads.
        String url = cluster.output("primaryJdbcUrl");
        assertEquals("f", Sql.query(url, "SELECT pg_is_in_recovery()"));
        assertTrue(cluster.output("primaryConnectionString").contains("target_session_attrs=read-write"));
        // Patroni's own superuser sessions get no startup options of ours: the role setting pins them.
        assertEquals("{\"search_path=pg_catalog, pg_temp\"}", Docker.psql(leader,
                "SELECT setconfig FROM pg_db_role_setting WHERE setrole = 'postgres'::regrole AND setdatabase = 0"));
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * The leader's container killed ({@code docker kill -s KILL}): a new leader takes writes
     * without any pulumi command and no acknowledged id is lost. Docker counts a killed container
     * as stopped by hand (its restart policy does not apply), so the test starts it again, as a
     * person would: it rejoins as a replica (pg_rewind) with every row, and `pulumi up` then
     * changes nothing and leaves the leader where Patroni put it.
     */
    @Test
    @Order(2)
    void aKilledLeaderIsReplacedByItselfWithNothingAcknowledgedLost() {
        String old = awaitLeader(Duration.ofSeconds(30), null);
        awaitStreaming(old, 2, Duration.ofSeconds(60));
        List<Long> acknowledged;
        String next;
        Duration toFirstWrite;
        try (var writer = new SteadyWriter(cluster.output("primaryJdbcUrl"))) {
            writer.awaitProgress(200, Duration.ofSeconds(60));
            Instant killed = Instant.now();
            Docker.ok("kill", "--signal", "KILL", old);
            next = awaitLeader(Duration.ofSeconds(60), old);
            writer.awaitProgress(200, Duration.ofSeconds(60));
            // The write outage: the longest time between two acknowledged writes around the kill
            // (an insert acknowledged just before the kill may be recorded just after it).
            toFirstWrite = writer.longestGap(killed.minusSeconds(1), Instant.now());
            writer.close();
            acknowledged = writer.acknowledged();
        }
        System.out.printf("ha: patroni failover: %s killed, %s leads; writes stopped for %.1f s%n",
                old, next, toFirstWrite.toMillis() / 1000.0);
        assertNotEquals(old, next);
        assertEveryAcknowledgedRowOn(acknowledged, next);
        Docker.ok("start", old);
        awaitStreaming(next, 2, Duration.ofSeconds(120));
        assertEquals("t", Docker.psql(old, "SELECT pg_is_in_recovery()"), "the old leader is back, as a replica");
        assertEveryAcknowledgedRowOn(acknowledged, old);
        ClusterChecks.assertIdempotent(cluster.stack());
        assertEquals(next, leader(), "pulumi up leaves the leader where Patroni put it");
    }

    /** A DCS setting changed in config reaches every member through PATCH /config, with no restart. */
    @Test
    @Order(3)
    void aChangedDcsSettingReachesTheClusterWithoutARestart() {
        String leader = awaitLeader(Duration.ofSeconds(30), null);
        String started = Docker.psql(leader, "SELECT pg_postmaster_start_time()");
        cluster.stack().setConfig(Map.of("maximumLagOnFailover", "32MB"));
        var run = cluster.stack().up();
        // The DCS configuration is set through the REST API; the members' files change in place
        // (their bootstrap section, read only when a cluster is first made): no container is
        // replaced, nothing is created or deleted.
        assertTrue(run.changed().stream().allMatch(step -> step.op() == com.pulumi.automation.OperationType.UPDATE),
                run.changed().toString());
        assertTrue(run.changed().toString().contains(cluster.config().namePrefix() + "-dcs-config"), run.changed().toString());
        String config = Docker.ok("exec", leader, "patronictl", "-c", PatroniFiles.CONFIG_DIR, "show-config");
        assertTrue(config.contains("maximum_lag_on_failover: 33554432"), config);
        assertEquals(started, Docker.psql(leader, "SELECT pg_postmaster_start_time()"), "the leader did not restart");
        assertEquals(leader, leader());
    }
}
