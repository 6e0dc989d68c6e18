package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.mode.patroni.PatroniFiles;
import java.time.Duration;
import java.time.Instant;
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
 * README, "Automatic failover (Patroni)": one stack of three Patroni members (quorum commit,
 * {@code any 1}) and three etcd members, brought up once and shared by the scenarios in order,
 * each under a steady writer that records the ids whose commits were acknowledged.
 */
@RequiresDocker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PatroniDockerTest {
    /** An etcd image of the test's own (aNewEtcdImage…): the test image with a label, removed after the stack. */
    private static final String BUILT_ETCD_IMAGE = "pg-cluster-test/etcd-replaced:1";
    private RealCluster cluster;
    private boolean builtEtcdImage;
    private final List<String> members = new ArrayList<>();

    /** On a failure: what Patroni says and the end of each member's log, for the CI log. */
    @org.junit.jupiter.api.extension.RegisterExtension
    final org.junit.jupiter.api.extension.TestWatcher diagnostics = new org.junit.jupiter.api.extension.TestWatcher() {
        @Override
        public void testFailed(org.junit.jupiter.api.extension.ExtensionContext context, Throwable cause) {
            System.out.println("---- " + context.getDisplayName() + " failed; the cluster now:");
            for (String member : members) {
                var list = Docker.run("exec", member, "patronictl", "-c", PatroniFiles.CONFIG_DIR, "list");
                if (list.ok()) {
                    System.out.println(list.stdout());
                    break;
                }
            }
            for (String member : members) {
                var logs = Docker.run("logs", "--tail", "40", member);
                System.out.println("---- docker logs --tail 40 " + member + ":\n" + logs.stdout() + logs.stderr());
            }
        }
    };

    @BeforeAll
    void up() {
        cluster = RealCluster.up("patroni", RealCluster.testConfig(2, "ha", "patroni", "synchronous", "any 1",
                "etcdImage", TestImage.reference(), "monitoring", "true", "scrapeIntervalSeconds", "2",
                "alertForSeconds", "6"));
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
        if (builtEtcdImage) {
            Docker.run("image", "rm", BUILT_ETCD_IMAGE);
        }
    }

    /** The member that leads now, as Patroni says (patronictl on any running member). */
    private String leader() {
        return ClusterChecks.patroniLeader(members);
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
        // Monitoring: every exporter and every etcd member scraped, no leader alert.
        awaitTrue("Prometheus scrapes 3 exporters and 3 etcd members", () ->
                PrometheusApi.targetsUp(prometheus(), "pg-cluster-exporter") == 3
                        && PrometheusApi.targetsUp(prometheus(), "pg-cluster-etcd") == 3, Duration.ofSeconds(60));
        assertFalse(PrometheusApi.anyAlert(prometheus(), "PgClusterNoLeader"));
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    private String prometheus() {
        return cluster.output("prometheusUrl");
    }

    private static void awaitTrue(String what, java.util.function.BooleanSupplier done, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        RuntimeException last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                if (done.getAsBoolean()) {
                    return;
                }
                last = null;
            } catch (RuntimeException e) {
                last = e;
            }
            Docker.sleep(Duration.ofMillis(250));
        }
        throw new AssertionError(what + ": not within " + timeout, last);
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
        boolean noLeaderFired;
        try (var writer = new SteadyWriter(cluster.output("primaryJdbcUrl"))) {
            writer.awaitProgress(200, Duration.ofSeconds(60));
            Instant killed = Instant.now();
            Docker.ok("kill", "--signal", "KILL", old);
            // No member accepts writes until Patroni promotes one (the leader key's TTL): long
            // enough for the no-leader alert (6 s here) to fire.
            awaitTrue("PgClusterNoLeader firing while no member leads", () ->
                    PrometheusApi.alert(prometheus(), "PgClusterNoLeader", "cluster", cluster.config().namePrefix(), "firing")
                            || leader() != null && !old.equals(leader()), Duration.ofSeconds(60));
            noLeaderFired = PrometheusApi.alert(prometheus(), "PgClusterNoLeader", "cluster", cluster.config().namePrefix(),
                    "firing");
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
        assertTrue(noLeaderFired, "PgClusterNoLeader fired while no member led");
        assertEveryAcknowledgedRowOn(acknowledged, next);
        awaitTrue("PgClusterNoLeader resolved once a member leads", () ->
                !PrometheusApi.anyAlert(prometheus(), "PgClusterNoLeader"), Duration.ofSeconds(60));
        Docker.ok("start", old);
        awaitStreaming(next, 2, Duration.ofSeconds(120));
        assertEquals("t", Docker.psql(old, "SELECT pg_is_in_recovery()"), "the old leader is back, as a replica");
        assertEveryAcknowledgedRowOn(acknowledged, old);
        ClusterChecks.assertIdempotent(cluster.stack());
        assertEquals(next, leader(), "pulumi up leaves the leader where Patroni put it");
    }

    /**
     * A DCS setting changed in config reaches every member through PATCH /config, with no restart;
     * one changed by hand is set back by the next run.
     */
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

        // A hand edit of the DCS (patronictl edit-config): the next run finds it, and sets the declared value back.
        Docker.ok("exec", leader, "patronictl", "-c", PatroniFiles.CONFIG_DIR, "edit-config", "--force", "--set", "loop_wait=6");
        awaitTrue("the hand edit is in the DCS", () -> Docker.ok("exec", leader, "patronictl", "-c", PatroniFiles.CONFIG_DIR,
                "show-config").contains("loop_wait: 6"), Duration.ofSeconds(20));
        var back = cluster.stack().up();
        assertTrue(back.changed().toString().contains(cluster.config().namePrefix() + "-dcs-config"), back.changed().toString());
        assertTrue(Docker.ok("exec", leader, "patronictl", "-c", PatroniFiles.CONFIG_DIR, "show-config").contains("loop_wait: 5"));
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    private String node(String container) {
        return container.substring(container.lastIndexOf('-') + 1);
    }

    /** The leader step's last report (its stdout). */
    private String leaderStepReport() {
        var step = cluster.command(cluster.config().namePrefix() + "-leader");
        return step.outputs().has("stdout") ? step.outputs().get("stdout").getAsString() : "";
    }

    /**
     * `primary` set: `pulumi up` makes that member the leader through a planned switchover of
     * Patroni's, and back when it changes again; every acknowledged id survives, the write gap is
     * measured, and a cluster led by the preferred member means nothing to change.
     */
    @Test
    @Order(4)
    void aPreferredLeaderIsReachedByAPlannedSwitchoverAndBack() {
        String first = awaitLeader(Duration.ofSeconds(30), null);
        awaitStreaming(first, 2, Duration.ofSeconds(120));
        String target = members.stream().filter(m -> !m.equals(first)).findFirst().orElseThrow();
        List<Long> acknowledged;
        Duration there;
        Duration back;
        try (var writer = new SteadyWriter(cluster.output("primaryJdbcUrl"))) {
            writer.awaitProgress(100, Duration.ofSeconds(60));
            Instant before = Instant.now();
            cluster.stack().setConfig(Map.of("primary", node(target)));
            cluster.stack().up();
            assertEquals(target, leader(), "pulumi up made the preferred member the leader");
            assertTrue(leaderStepReport().contains("switchover from " + node(first) + " to " + node(target)),
                    leaderStepReport());
            writer.awaitProgress(100, Duration.ofSeconds(60));
            there = writer.longestGap(before, Instant.now());
            awaitStreaming(target, 2, Duration.ofSeconds(120));

            before = Instant.now();
            cluster.stack().setConfig(Map.of("primary", node(first)));
            cluster.stack().up();
            assertEquals(first, leader());
            writer.awaitProgress(100, Duration.ofSeconds(60));
            back = writer.longestGap(before, Instant.now());
            writer.close();
            acknowledged = writer.acknowledged();
        }
        System.out.printf("ha: patroni planned switchover through primary: write gap %.1f s there, %.1f s back%n",
                there.toMillis() / 1000.0, back.toMillis() / 1000.0);
        awaitStreaming(first, 2, Duration.ofSeconds(120));
        for (String member : members) {
            Sql.awaitPsql(member, "SELECT count(*) FROM public.ack WHERE id = " + acknowledged.get(acknowledged.size() - 1),
                    "1"::equals, Duration.ofSeconds(60));
            assertEveryAcknowledgedRowOn(acknowledged, member);
        }
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * The leader's container paused (a hung host) past the TTL: another member takes the leader
     * key and writes; unpaused, the old leader demotes itself and every id acknowledged anywhere
     * is on the new leader (with `any 1`, a commit on the old leader after the promotion can find
     * no quorum standby). With `primary` still set, the next `pulumi up` sees another member
     * leading and switches back over.
     */
    @Test
    @Order(5)
    void aPausedLeaderIsReplacedAndDemotesItselfWhenItWakes() {
        String old = awaitLeader(Duration.ofSeconds(30), null);
        awaitStreaming(old, 2, Duration.ofSeconds(120));
        // A hung server holds a socket forever: the writer gives up on it after a few seconds.
        String url = cluster.output("primaryJdbcUrl") + "&connectTimeout=3&socketTimeout=5";
        List<Long> acknowledged;
        String next;
        try (var writer = new SteadyWriter(url)) {
            writer.awaitProgress(100, Duration.ofSeconds(60));
            Docker.ok("pause", old);
            try {
                next = awaitLeader(Duration.ofSeconds(90), old);
                writer.awaitProgress(100, Duration.ofSeconds(90));
            } finally {
                Docker.ok("unpause", old);
            }
            Sql.awaitPsql(old, "SELECT pg_is_in_recovery()", "t"::equals, Duration.ofSeconds(90));
            writer.awaitProgress(50, Duration.ofSeconds(60));
            writer.close();
            acknowledged = writer.acknowledged();
        }
        System.out.printf("ha: patroni paused leader: %s paused, %s leads; %d ids acknowledged%n", old, next,
                acknowledged.size());
        assertEveryAcknowledgedRowOn(acknowledged, next);
        awaitStreaming(next, 2, Duration.ofSeconds(120));

        var preview = cluster.stack().preview(false);
        assertTrue(preview.stdout().contains(node(next) + " leads, and pg-cluster:primary prefers " + node(old)),
                preview.stdout());
        cluster.stack().up();
        assertEquals(old, leader(), "pulumi up switched back over to the preferred member");
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * The DCS: one etcd member killed changes nothing; two killed (no quorum) and the leader stops
     * accepting writes (Patroni without failsafe mode demotes it); etcd back, writes resume and
     * nothing acknowledged is lost.
     */
    @Test
    @Order(6)
    void losingTheDcsQuorumStopsWritesAndNothingIsLost() {
        String leader = awaitLeader(Duration.ofSeconds(30), null);
        awaitStreaming(leader, 2, Duration.ofSeconds(120));
        String etcd0 = cluster.container("etcd0");
        String etcd1 = cluster.container("etcd1");
        String url = cluster.output("primaryJdbcUrl") + "&connectTimeout=3&socketTimeout=5";
        List<Long> acknowledged;
        Duration stalled;
        try (var writer = new SteadyWriter(url)) {
            writer.awaitProgress(100, Duration.ofSeconds(60));
            Docker.ok("kill", "--signal", "KILL", etcd0);
            writer.awaitProgress(200, Duration.ofSeconds(30));
            assertEquals(leader, leader(), "one etcd member lost: the same leader");
            awaitTrue("PgClusterDcsMemberDown firing for etcd0", () -> PrometheusApi.alert(prometheus(),
                    "PgClusterDcsMemberDown", "member", "etcd0", "firing"), Duration.ofSeconds(60));

            Docker.ok("kill", "--signal", "KILL", etcd1);
            Instant lost = Instant.now();
            // Patroni demotes the leader once it cannot refresh its key for retry_timeout.
            Instant deadline = lost.plus(Duration.ofSeconds(60));
            int seen = writer.acknowledged().size();
            Instant lastProgress = Instant.now();
            while (Duration.between(lastProgress, Instant.now()).compareTo(Duration.ofSeconds(10)) < 0) {
                assertTrue(Instant.now().isBefore(deadline), "writes went on 60 s after the DCS lost its quorum");
                Docker.sleep(Duration.ofMillis(500));
                int now = writer.acknowledged().size();
                if (now != seen) {
                    seen = now;
                    lastProgress = Instant.now();
                }
            }
            stalled = Duration.between(lost, lastProgress);
            Docker.ok("start", etcd0, etcd1);
            writer.awaitProgress(100, Duration.ofSeconds(90));
            writer.close();
            acknowledged = writer.acknowledged();
        }
        System.out.printf("ha: patroni DCS quorum lost: last write acknowledged %.1f s after, writes resumed once etcd was back%n",
                stalled.toMillis() / 1000.0);
        String now = awaitLeader(Duration.ofSeconds(60), null);
        assertEveryAcknowledgedRowOn(acknowledged, now);
        awaitStreaming(now, 2, Duration.ofSeconds(120));
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * `ha: none` on a stack whose nodes run Patroni, with pg-cluster:primary naming a member that
     * does not lead: the switch back keeps the leader as the primary, so it is refused before
     * anything is declared, with the command that sets it; nothing changed. (The switch itself:
     * ModeSwitchDockerTest.)
     */
    @Test
    @Order(7)
    void switchingToNoneWithAPrimaryThatDoesNotLeadIsRefusedAndChangesNothing() {
        var before = new java.util.LinkedHashMap<>(cluster.stack().values());
        String leader = awaitLeader(Duration.ofSeconds(30), null);
        String other = members.stream().filter(m -> !m.equals(leader)).findFirst().orElseThrow();
        for (String key : dev.pgcluster.config.ConfigReader.PATRONI_KEYS) {
            if (before.containsKey(key)) {
                cluster.stack().removeConfig(key);
            }
        }
        cluster.stack().setConfig(Map.of("ha", "none", "primary", node(other)));
        var refused = org.junit.jupiter.api.Assertions.assertThrows(EngineStack.EngineFailure.class,
                () -> cluster.stack().up());
        assertTrue(refused.getMessage().contains("pg-cluster:ha = \"none\", and the nodes pg0, pg1, pg2 run ha: patroni: "
                + node(leader) + " leads, and the switch to ha: none keeps the leader as the primary, but pg-cluster:primary is "
                + node(other) + ". Run: pulumi config set pg-cluster:primary " + node(leader) + ". Nothing was changed."),
                refused.getMessage());
        if (!before.containsKey("primary")) {
            cluster.stack().removeConfig("primary");
        }
        cluster.stack().setConfig(before);
        // etcd's static membership: another number of DCS members is refused while the DCS runs.
        cluster.stack().setConfig(Map.of("dcsMembers", "5"));
        var membership = org.junit.jupiter.api.Assertions.assertThrows(EngineStack.EngineFailure.class,
                () -> cluster.stack().up());
        assertTrue(membership.getMessage().contains("pg-cluster:dcsMembers = 5, but the stack's DCS was made with 3 etcd members "
                + "(etcd0, etcd1, etcd2)"), membership.getMessage());
        if (before.containsKey("dcsMembers")) {
            cluster.stack().setConfig(before);
        } else {
            cluster.stack().removeConfig("dcsMembers");
        }
        assertEquals(leader, leader(), "nothing changed");
        cluster.stack().preview(true);
    }

    /**
     * A setting that forces new containers (shmSize) replaces the members one at a time, the leader
     * last: never two members down at once, and no acknowledged write lost.
     */
    @Test
    @Order(8)
    void aChangeThatReplacesEveryMemberReplacesThemOneAtATimeTheLeaderLast() throws Exception {
        String leader = awaitLeader(Duration.ofSeconds(30), null);
        awaitStreaming(leader, 2, Duration.ofSeconds(120));
        List<Long> acknowledged;
        var watch = new ReplacementWatch(members);
        try (var writer = new SteadyWriter(cluster.output("primaryJdbcUrl") + "&connectTimeout=3&socketTimeout=5")) {
            writer.awaitProgress(100, Duration.ofSeconds(60));
            watch.start();
            cluster.stack().setConfig(Map.of("shmSize", "192m"));
            cluster.stack().up();
            writer.awaitProgress(100, Duration.ofSeconds(90));
            writer.close();
            acknowledged = writer.acknowledged();
        } finally {
            watch.stop();
        }
        var replacedAt = watch.replacedAt();
        System.out.printf("ha: patroni rolling replacement: at most %d member(s) down at once; replaced: %s%n", watch.maxDown(),
                replacedAt);
        assertEquals(3, replacedAt.size(), "every member got a new container: " + replacedAt);
        assertEquals(1, watch.maxDown(), "never two members down at once");
        Instant leaderReplaced = replacedAt.get(leader);
        assertTrue(replacedAt.values().stream().allMatch(at -> !at.isAfter(leaderReplaced)),
                "the leader " + leader + " was replaced last: " + replacedAt);
        String now = awaitLeader(Duration.ofSeconds(60), null);
        awaitStreaming(now, 2, Duration.ofSeconds(120));
        assertEveryAcknowledgedRowOn(acknowledged, now);
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * The application role plants its trap (HostileAppRole) and database postgres's search_path
     * puts public first. Patroni's own superuser sessions (its loop, its health answers, the
     * promotion, the rewind checks), the replication role's (pg_rewind) and every step of
     * pg-cluster's then run: a planned switchover, a failover with the killed leader's return, a
     * new replication password, a preview. Nothing planted ever runs as the superuser.
     */
    @Test
    @Order(9)
    void anApplicationRoleTrapNeverRunsAsTheSuperuserOnAnyPath() {
        String app = cluster.output("primaryJdbcUrl");
        String appUser = cluster.config().clientRoles().appUser();
        HostileAppRole.assertCannotTakeOverTheDatabase(app, appUser);
        HostileAppRole.plant(app, appUser);
        String first = awaitLeader(Duration.ofSeconds(30), null);
        HostileAppRole.arm(first, app);
        try {
            String target = members.stream().filter(m -> !m.equals(first)).findFirst().orElseThrow();
            cluster.stack().setConfig(Map.of("primary", node(target)));
            cluster.stack().up();
            assertEquals(target, leader());
            awaitStreamingPinned(target);
            Docker.ok("kill", "--signal", "KILL", target);
            String next = awaitLeader(Duration.ofSeconds(60), target);
            Docker.ok("start", target);
            awaitStreamingPinned(next);
            // Back to the preferred leader, and the replication role's new password on every path.
            cluster.stack().setConfig(Map.of("replicationPassword", "r'o\\t\"a $t:ed-0987654321"));
            cluster.stack().up();
            cluster.stack().preview(false);
            assertEquals(target, leader());
            awaitStreamingPinned(target);
            // Several of Patroni's loops (5 s) with every member streaming, the trap armed.
            Docker.sleep(Duration.ofSeconds(12));
            HostileAppRole.assertNothingRan(target, appUser, members, "postgres", cluster.config().replicationUser());
            // pg_monitor reads every setting: a replica's conninfo (Patroni writes it) names a
            // password file, never the password.
            for (String member : members) {
                if (!member.equals(target)) {
                    String conninfo = HostileAppRole.pinned(member, "SELECT current_setting('primary_conninfo') || ' ' || "
                            + "coalesce((SELECT conninfo FROM pg_catalog.pg_stat_wal_receiver), '')");
                    assertTrue(conninfo.contains("passfile=") && !conninfo.contains("password="), member + ": " + conninfo);
                }
            }
        } finally {
            String now = awaitLeader(Duration.ofSeconds(60), null);
            HostileAppRole.disarm(now);
        }
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    private void awaitStreamingPinned(String leader) {
        HostileAppRole.awaitPinned(leader, "SELECT count(*) FROM pg_catalog.pg_stat_replication WHERE state = 'streaming'", "2",
                Duration.ofSeconds(120));
    }

    /**
     * The leader's PostgreSQL crashes and cannot start again (a setting it refuses, as a bad
     * edit or a damaged file would do), while Patroni itself runs on: another member takes over
     * by itself, no acknowledged write is lost, a `pulumi up` that prefers the broken member
     * refuses to switch over to it and says why, and once the member is repaired it rejoins and
     * the next `pulumi up` makes it the leader again.
     */
    @Test
    @Order(10)
    void aLeaderWhosePostgresCannotStartIsReplacedAndIsNoSwitchoverCandidateUntilRepaired() {
        String broken = awaitLeader(Duration.ofSeconds(30), null);
        awaitStreaming(broken, 2, Duration.ofSeconds(120));
        String autoConf = dev.pgcluster.cluster.PostgresNode.PGDATA + "/postgresql.auto.conf";
        List<Long> acknowledged;
        String next;
        Duration outage;
        try (var writer = new SteadyWriter(cluster.output("primaryJdbcUrl") + "&connectTimeout=3&socketTimeout=5")) {
            writer.awaitProgress(100, Duration.ofSeconds(60));
            Instant crashed = Instant.now();
            Docker.ok("exec", "-u", "postgres", broken, "sh", "-c", "echo 'pg_cluster_test_crash = on' >> " + autoConf
                    + " && kill -KILL $(head -n 1 " + dev.pgcluster.cluster.PostgresNode.PGDATA + "/postmaster.pid)");
            next = awaitLeader(Duration.ofSeconds(120), broken);
            writer.awaitProgress(100, Duration.ofSeconds(60));
            outage = writer.longestGap(crashed.minusSeconds(1), Instant.now());
            writer.close();
            acknowledged = writer.acknowledged();
        }
        System.out.printf("ha: patroni, the leader's PostgreSQL cannot start: %s leads; writes stopped for %.1f s%n",
                next, outage.toMillis() / 1000.0);
        assertEveryAcknowledgedRowOn(acknowledged, next);
        assertEquals("running", Docker.inspect(broken, "{{.State.Status}}"), "Patroni runs on in the broken member");

        cluster.stack().setConfig(Map.of("primary", node(broken)));
        var refused = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> cluster.stack().up());
        assertTrue(refused.getMessage().contains("refusing to switch over from " + node(next) + " to " + node(broken)),
                refused.getMessage());
        assertEquals(next, leader(), "the refused run left the leader where it was");

        Docker.ok("exec", "-u", "postgres", broken, "sed", "-i", "/pg_cluster_test_crash/d", autoConf);
        awaitStreaming(next, 2, Duration.ofSeconds(180));
        cluster.stack().up();
        assertEquals(broken, leader(), "repaired, the preferred member leads again");
        awaitStreaming(broken, 2, Duration.ofSeconds(120));
        assertEveryAcknowledgedRowOn(acknowledged, broken);
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /** Watches containers while a run replaces them: when each got a new one, and how many were down at once at most. */
    private static final class ReplacementWatch {
        private final List<String> containers;
        private final java.util.Map<String, String> ids = new java.util.HashMap<>();
        private final java.util.Map<String, Instant> replacedAt = new java.util.concurrent.ConcurrentHashMap<>();
        private final java.util.concurrent.atomic.AtomicInteger maxDown = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicBoolean watching = new java.util.concurrent.atomic.AtomicBoolean(true);
        private final Thread thread;

        ReplacementWatch(List<String> containers) {
            this.containers = List.copyOf(containers);
            containers.forEach(c -> ids.put(c, Docker.inspect(c, "{{.Id}}")));
            thread = new Thread(this::watch, "replacement-watch");
        }

        private void watch() {
            while (watching.get()) {
                int down = 0;
                for (String container : containers) {
                    var r = Docker.run("container", "inspect", "--format", "{{.Id}} {{.State.Running}}", container);
                    String[] f = r.ok() ? r.stdout().strip().split(" ") : new String[] {"", "false"};
                    if (!f[1].equals("true")) {
                        down++;
                    }
                    if (!f[0].isEmpty() && !f[0].equals(ids.get(container))) {
                        replacedAt.putIfAbsent(container, Instant.now());
                    }
                }
                maxDown.accumulateAndGet(down, Math::max);
                Docker.sleep(Duration.ofMillis(100));
            }
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            watching.set(false);
            thread.join();
        }

        java.util.Map<String, Instant> replacedAt() {
            return replacedAt;
        }

        int maxDown() {
            return maxDown.get();
        }
    }

    /**
     * A new etcdImage replaces every etcd member, one at a time while the DCS has its quorum: never
     * two members down, so the leader never loses the DCS and keeps leading; writes go on. (The
     * image: the test image with a label added, built here and removed after the stack.)
     */
    @Test
    @Order(11)
    void aNewEtcdImageReplacesTheDcsMembersOneAtATimeAndTheLeaderKeepsLeading() throws Exception {
        String leader = awaitLeader(Duration.ofSeconds(30), null);
        awaitStreaming(leader, 2, Duration.ofSeconds(120));
        Docker.run(Duration.ofMinutes(2), Docker.utf8("FROM " + TestImage.reference() + "\nLABEL pg-cluster.test=etcd-replacement\n"),
                "build", "-q", "-t", BUILT_ETCD_IMAGE, "-").orThrow("docker build " + BUILT_ETCD_IMAGE);
        builtEtcdImage = true;
        var etcd = List.of("etcd0", "etcd1", "etcd2").stream().map(cluster::container).toList();
        var watch = new ReplacementWatch(etcd);
        Duration longest;
        try (var writer = new SteadyWriter(cluster.output("primaryJdbcUrl") + "&connectTimeout=3&socketTimeout=5")) {
            writer.awaitProgress(100, Duration.ofSeconds(60));
            watch.start();
            Instant before = Instant.now();
            cluster.stack().setConfig(Map.of("etcdImage", BUILT_ETCD_IMAGE));
            cluster.stack().up();
            writer.awaitProgress(100, Duration.ofSeconds(60));
            longest = writer.longestGap(before, Instant.now());
            writer.close();
        } finally {
            watch.stop();
        }
        System.out.printf("ha: patroni, a new etcdImage: at most %d etcd member(s) down at once; longest write gap %.1f s; "
                + "replaced: %s%n", watch.maxDown(), longest.toMillis() / 1000.0, watch.replacedAt());
        assertEquals(3, watch.replacedAt().size(), "every etcd member got a new container: " + watch.replacedAt());
        assertEquals(1, watch.maxDown(), "never two etcd members down at once");
        assertEquals(leader, leader(), "the leader kept the DCS, and its key");
        assertTrue(longest.compareTo(Duration.ofSeconds(7)) < 0, "writes went on (the leader never demoted): " + longest);
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /** When each member's PostgreSQL started (epoch milliseconds), by container. */
    private Map<String, Long> startTimes() {
        var started = new java.util.LinkedHashMap<String, Long>();
        for (String member : members) {
            started.put(member, Long.parseLong(Docker.psql(member,
                    "SELECT (extract(epoch FROM pg_postmaster_start_time()) * 1000)::bigint")));
        }
        return started;
    }

    /** The members Patroni marks "pending restart" (patronictl list). */
    private String pendingRestart() {
        String list = Docker.ok("exec", leader(), "patronictl", "-c", PatroniFiles.CONFIG_DIR, "list", "-f", "json");
        return list.contains("Pending restart") ? list : "";
    }

    /**
     * maxConnections needs a restart. Raised, the dcs-config step restarts the members one at a
     * time, the replicas first and the leader last (it leads on after its restart); lowered, the
     * leader first, then the replicas, which PostgreSQL keeps at the leader's value (their control
     * file) until they replayed its lower one. Every member runs the declared value, none waits
     * for a restart, nothing acknowledged is lost, and nothing is replaced.
     */
    @Test
    @Order(12)
    void aSettingThatNeedsARestartRestartsTheMembersOneAtATimeTheLeaderLast() {
        String leader = awaitLeader(Duration.ofSeconds(30), null);
        awaitStreaming(leader, 2, Duration.ofSeconds(120));
        Map<String, Long> before = startTimes();
        Map<String, Long> raised;
        Duration raiseGap;
        Duration lowerGap;
        List<Long> acknowledged;
        try (var writer = new SteadyWriter(cluster.output("primaryJdbcUrl") + "&connectTimeout=3&socketTimeout=10")) {
            writer.awaitProgress(100, Duration.ofSeconds(60));
            Instant from = Instant.now();
            cluster.stack().setConfig(Map.of("maxConnections", "150"));
            var run = cluster.stack().up();
            assertTrue(run.changed().stream().allMatch(step -> step.op() == com.pulumi.automation.OperationType.UPDATE),
                    "restarted in place, nothing replaced: " + run.changed());
            writer.awaitProgress(100, Duration.ofSeconds(60));
            raiseGap = writer.longestGap(from, Instant.now());
            raised = startTimes();
            for (String member : members) {
                assertEquals("150", Docker.psql(member, "SHOW max_connections"), member);
                assertTrue(raised.get(member) > before.get(member), member + " restarted");
            }
            for (String member : members) {
                if (!member.equals(leader)) {
                    assertTrue(raised.get(member) < raised.get(leader), member + " restarted before the leader " + leader
                            + ": " + raised);
                }
            }
            assertEquals(leader, leader(), "the leader leads on after its restart");
            // Each member's DCS entry says so after its next loop.
            awaitTrue("no member waits for a restart", () -> pendingRestart().isEmpty(), Duration.ofSeconds(20));

            from = Instant.now();
            cluster.stack().setConfig(Map.of("maxConnections", "120"));
            cluster.stack().up();
            writer.awaitProgress(100, Duration.ofSeconds(60));
            lowerGap = writer.longestGap(from, Instant.now());
            writer.close();
            acknowledged = writer.acknowledged();
        }
        System.out.printf("ha: patroni, maxConnections raised (a restart, one member at a time): longest write gap %.1f s;"
                + " lowered: %.1f s%n", raiseGap.toMillis() / 1000.0, lowerGap.toMillis() / 1000.0);
        Map<String, Long> lowered = startTimes();
        for (String member : members) {
            assertEquals("120", Docker.psql(member, "SHOW max_connections"), member);
            assertTrue(lowered.get(member) > raised.get(member), member + " restarted");
            if (!member.equals(leader)) {
                // Lowered, a replica runs the value only once its leader does (its control file).
                assertTrue(lowered.get(member) > lowered.get(leader), member + " restarted after the leader " + leader
                        + ": " + lowered);
            }
        }
        awaitTrue("no member waits for a restart", () -> pendingRestart().isEmpty(), Duration.ofSeconds(20));
        assertEquals(leader, leader());
        assertEveryAcknowledgedRowOn(acknowledged, leader);
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * ha: none's read gate, made by the roles step: a replica that replays more than readMaxLag
     * behind refuses the application role's reads, and serves them again once it has caught up.
     */
    @Test
    @Order(13)
    @SuppressWarnings("unchecked")
    void aReplicaReplayingTooFarBehindServesNoReadsUnderReadMaxLag() {
        String leader = awaitLeader(Duration.ofSeconds(30), null);
        awaitStreaming(leader, 2, Duration.ofSeconds(120));
        cluster.stack().setConfig(Map.of("readMaxLag", "1MB"));
        cluster.stack().up();
        var strings = (Map<String, String>) cluster.stack().outputs().get("replicaConnectionStrings");
        String node = strings.keySet().stream().filter(n -> !cluster.container(n).equals(leader)).findFirst().orElseThrow();
        String replica = cluster.container(node);
        String read = Sql.jdbcFromUri(strings.get(node));
        assertEquals("1", Sql.query(read, "SELECT 1"));
        // The gate with the new limit was written on the leader by this `up`: the replica must have
        // replayed it before its replay is paused, or it keeps the gate it had (one CI run paused it
        // first, and the old gate, without a limit, let the read in).
        String written = Docker.psql(leader, "SELECT pg_current_wal_lsn()");
        Sql.awaitPsql(replica, "SELECT pg_last_wal_replay_lsn() >= '" + written + "'::pg_lsn", "t"::equals,
                Duration.ofSeconds(30));
        Docker.psql(replica, "SELECT pg_wal_replay_pause()");
        try {
            Sql.execute(cluster.output("primaryJdbcUrl"),
                    "CREATE TABLE public.lag_filler AS SELECT g AS id, repeat('x', 500) AS pad FROM generate_series(1, 10000) g");
            Sql.awaitPsql(replica, "SELECT pg_wal_lsn_diff(latest_end_lsn, pg_last_wal_replay_lsn()) > 1048576 FROM pg_stat_wal_receiver",
                    "t"::equals, Duration.ofSeconds(30));
            var refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> Sql.query(read, "SELECT 1"));
            assertTrue(refused.getMessage().contains("pg-cluster: this standby replays more than 1048576 bytes behind its primary"),
                    refused.getMessage());
        } finally {
            Docker.psql(replica, "SELECT pg_wal_replay_resume()");
        }
        Sql.awaitPsql(replica, "SELECT pg_wal_lsn_diff(latest_end_lsn, pg_last_wal_replay_lsn()) <= 0 FROM pg_stat_wal_receiver",
                "t"::equals, Duration.ofSeconds(30));
        assertEquals("10000", Sql.query(read, "SELECT count(*) FROM public.lag_filler"));
        assertEquals(leader, leader(), "Patroni did not fail over for a replica that paused its replay");
        ClusterChecks.assertIdempotent(cluster.stack());
    }
}
