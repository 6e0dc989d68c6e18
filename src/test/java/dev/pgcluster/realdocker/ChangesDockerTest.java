package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.pulumi.automation.OperationType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A user's later runs on one stack (the image pulled through the provider): scale 1 → 2 → 1,
 * change a resource limit, change a server setting. Each does what preview said and what README
 * says, touches nothing else, and loses no row and no password.
 */
@RequiresDocker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChangesDockerTest {
    private static final Set<OperationType> REPLACING = EngineStack.REPLACING;

    private Map<String, String> values;
    private List<String> ports;
    private RealCluster cluster;
    private String primaryJdbc;
    private String connectionString;

    @BeforeAll
    void up() {
        values = RealCluster.testConfig(2, "pullImage", "true");
        ports = List.of(values.get("primaryPort"), values.get("replicaPorts").replaceAll("[\\[\\] ]", "").split(",")[0],
                values.get("replicaPorts").replaceAll("[\\[\\] ]", "").split(",")[1]);
        values.put("replicas", "1");
        values.put("replicaPorts", "[" + ports.get(1) + "]");
        cluster = RealCluster.up("changes", values);
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        primaryJdbc = cluster.output("primaryJdbcUrl");
        connectionString = cluster.output("primaryConnectionString");
        Sql.execute(primaryJdbc, "CREATE TABLE kept AS SELECT g AS id FROM generate_series(1, 1000) g");
    }

    @AfterAll
    void down() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private String containerId(String node) {
        return Docker.inspect(cluster.container(node), "{{.Id}}");
    }

    private void assertRowsAndPasswordKept() {
        assertEquals("1000", Sql.query(primaryJdbc, "SELECT count(*) FROM kept"));
        assertEquals(connectionString, String.valueOf(cluster.stack().outputs().get("primaryConnectionString")),
                "the password is the same");
    }

    private static Set<String> names(List<EngineStack.Step> steps) {
        return steps.stream().map(EngineStack.Step::name).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    @Order(1)
    void aStackThatPullsItsImageChangesNothingOnItsSecondRun() {
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    @Test
    @Order(2)
    void scalingUpAddsAReplicaStreamingFromItsOwnSlotAndTouchesNothingElse() {
        String primaryId = containerId("pg0");
        String replicaId = containerId("pg1");
        cluster.stack().setConfig(Map.of("replicas", "2", "replicaPorts", "[" + ports.get(1) + ", " + ports.get(2) + "]"));
        var run = cluster.stack().up();
        for (EngineStack.Step step : run.changed()) {
            assertEquals(OperationType.CREATE, step.op(), "only creations: " + run.changed());
            assertTrue(step.name().contains("-pg2"), "only pg2's resources: " + run.changed());
        }
        String pg2 = cluster.config().namePrefix() + "-pg2";
        Sql.awaitPsql(cluster.primary(), "SELECT r.state || ':' || s.slot_name FROM pg_stat_replication r "
                + "JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE r.application_name = 'pg2'",
                "streaming:pg2"::equals, Duration.ofSeconds(60));
        Sql.awaitPsql(pg2, "SELECT count(*) FROM kept", "1000"::equals, Duration.ofSeconds(30));
        assertEquals(primaryId, containerId("pg0"));
        assertEquals(replicaId, containerId("pg1"));
        assertRowsAndPasswordKept();
    }

    /** README, "Change a setting": a resource limit is applied to the running containers in place. */
    @Test
    @Order(3)
    void aMemoryLimitIsAppliedInPlace() {
        String primaryId = containerId("pg0");
        cluster.stack().setConfig(Map.of("memory", "768m"));
        var preview = cluster.stack().preview(false);
        assertEquals(Set.of(cluster.container("pg0"), cluster.container("pg1"), cluster.container("pg2")),
                names(preview.changed()), "preview: " + preview.changed());
        preview.changed().forEach(s -> assertEquals(OperationType.UPDATE, s.op(), "in place: " + preview.changed()));
        var run = cluster.stack().up();
        assertEquals(names(preview.changed()), names(run.changed()), "up does what preview showed");
        assertEquals(primaryId, containerId("pg0"), "the same container");
        assertEquals(String.valueOf(768L * 1024 * 1024), Docker.inspect(cluster.primary(), "{{.HostConfig.Memory}}"));
        assertRowsAndPasswordKept();
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * README, "Change a setting": a server setting restarts every node on a new container with the
     * same data volume; nothing is seeded again.
     */
    @Test
    @Order(4)
    void aServerSettingReplacesTheContainersAndKeepsTheData() {
        String primaryId = containerId("pg0");
        String backupLabel = Docker.inspect(cluster.container("pg1"), "{{index .Config.Labels \"pg-cluster.seed\"}}");
        String backupStart = ClusterChecks.baseBackupStart(cluster.container("pg1"));
        cluster.stack().setConfig(Map.of("walKeepSize", "256MB"));
        var preview = cluster.stack().preview(false);
        var replaced = names(preview.steps().stream().filter(s -> REPLACING.contains(s.op())).toList());
        var expected = new TreeSet<String>();
        for (String node : List.of("pg0", "pg1", "pg2")) {
            expected.add(cluster.container(node));
            expected.add(cluster.step(node, "ready"));
        }
        assertEquals(expected, replaced, "preview replaces the containers (and so their readiness steps), nothing else: "
                + preview.changed());
        cluster.stack().up();
        assertNotEquals(primaryId, containerId("pg0"));
        assertEquals("256MB", Docker.psql(cluster.primary(), "SHOW wal_keep_size"));
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        assertEquals(backupLabel, Docker.inspect(cluster.container("pg1"), "{{index .Config.Labels \"pg-cluster.seed\"}}"),
                "the replica kept its data: no new base backup");
        ClusterChecks.assertSeedLabelNamesItsSeedStep(cluster, "pg1");
        assertEquals(backupStart, ClusterChecks.baseBackupStart(cluster.container("pg1")), "the same base backup's data");
        assertRowsAndPasswordKept();
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    @Test
    @Order(5)
    void scalingDownRemovesTheReplicaAndDropsItsSlotAndTouchesNothingElse() {
        String primaryId = containerId("pg0");
        String replicaId = containerId("pg1");
        cluster.stack().setConfig(Map.of("replicas", "1", "replicaPorts", "[" + ports.get(1) + "]"));
        var run = cluster.stack().up();
        for (EngineStack.Step step : run.changed()) {
            assertEquals(OperationType.DELETE, step.op(), "only deletions: " + run.changed());
            assertTrue(step.name().contains("-pg2"), "only pg2's resources: " + run.changed());
        }
        assertEquals("pg1", Docker.psql(cluster.primary(), "SELECT string_agg(slot_name, ',') FROM pg_replication_slots"));
        assertTrue(!Docker.exists("container", cluster.container("pg2")) && !Docker.exists("volume", cluster.volume("pg2")));
        assertEquals(primaryId, containerId("pg0"));
        assertEquals(replicaId, containerId("pg1"));
        assertRowsAndPasswordKept();
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(30));
    }

    /**
     * README, "Configuration": new passwords reach the primary's roles (as verifiers) and the
     * replicas' password files; the replica reconnects with the new one (its restart proves it).
     */
    @Test
    @Order(6)
    void changedPasswordsReachThePrimaryAndTheReplicas() {
        String oldJdbc = String.valueOf(cluster.stack().outputs().get("primaryJdbcUrl"));
        String primaryStarted = Docker.inspect(cluster.container("pg0"), "{{.State.StartedAt}}");
        List<Long> acknowledged;
        try (var writer = new SteadyWriter(oldJdbc)) {
            writer.awaitProgress(50, Duration.ofSeconds(30));
            cluster.stack().setConfig(Map.of("superuserPassword", "rotated-superuser-password-1",
                    "replicationPassword", "rotated-replication-password-1", "appPassword", "rotated-app-password-1",
                    "monitoringPassword", "rotated-monitoring-password-1"));
            var run = cluster.stack().up();
            var changed = names(run.changed());
            assertTrue(changed.contains(cluster.config().namePrefix() + "-passwords") && changed.contains(cluster.step("pg0", "conf"))
                    && changed.contains(cluster.step("pg1", "conf")),
                    "the password step and the conf steps (password files) ran: " + run.changed());
            run.changed().forEach(s -> assertTrue(!REPLACING.contains(s.op()) || !s.type().startsWith("docker:"),
                    "no Docker object is replaced for a password: " + run.changed()));
            // The writer's open connection goes on; the replica streams with the new password.
            writer.awaitProgress(50, Duration.ofSeconds(30));
            ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
            writer.close();
            acknowledged = writer.acknowledged();
        }
        assertEquals(primaryStarted, Docker.inspect(cluster.container("pg0"), "{{.State.StartedAt}}"), "the primary did not restart");
        String newJdbc = String.valueOf(cluster.stack().outputs().get("primaryJdbcUrl"));
        assertTrue(newJdbc.contains("rotated-app-password-1"), "the exported strings carry the new application password");
        assertEquals("1000", Sql.query(newJdbc, "SELECT count(*) FROM kept"));
        // The superuser logs in over the socket only; its stored verifier is that of the new password.
        dev.pgcluster.testing.Scram.assertVerifierOf("rotated-superuser-password-1",
                Docker.psql(cluster.primary(), "SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'"));
        var refused = assertThrows(IllegalStateException.class, () -> Sql.query(oldJdbc, "SELECT 1"));
        assertTrue(refused.getMessage().contains("password authentication failed"), refused.getMessage());
        String monitoring = newJdbc.replace("user=" + cluster.config().clientRoles().appUser(),
                        "user=" + cluster.config().clientRoles().monitoringUser())
                .replace("password=rotated-app-password-1", "password=rotated-monitoring-password-1");
        assertEquals("t", Sql.query(monitoring, "SELECT pg_has_role('pg_monitor', 'MEMBER')"));
        ClusterChecks.assertNoAcknowledgedCommitLost(cluster, acknowledged, List.of(cluster.container("pg0"), cluster.container("pg1")));
        Docker.ok("restart", cluster.container("pg1"));
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * README, "Troubleshooting": `pulumi up --replace <the replica's volume URN>` re-seeds it — a
     * new volume, a fresh base backup from its slot, a new container — and touches no other node.
     */
    @Test
    @Order(7)
    void replacingAReplicasVolumeReseedsItAndNothingElse() {
        String primaryId = containerId("pg0");
        String oldLabel = Docker.inspect(cluster.container("pg1"), "{{index .Config.Labels \"pg-cluster.seed\"}}");
        String oldBackupStart = ClusterChecks.baseBackupStart(cluster.container("pg1"));
        String volumeUrn = cluster.stack().resource("docker:index/volume:Volume", cluster.volume("pg1")).urn();
        var run = cluster.stack().up(List.of(volumeUrn));
        var replaced = names(run.steps().stream().filter(s -> REPLACING.contains(s.op())).toList());
        assertTrue(replaced.containsAll(Set.of(cluster.volume("pg1"), cluster.step("pg1", "seed"),
                cluster.container("pg1"))), "volume, base backup and container are replaced: " + run.changed());
        replaced.forEach(name -> assertTrue(name.contains("-pg1"), "only pg1 is replaced: " + run.changed()));
        String newLabel = Docker.inspect(cluster.container("pg1"), "{{index .Config.Labels \"pg-cluster.seed\"}}");
        // A fresh base backup: a new seed step (the label names it, and it says so), new data.
        assertNotEquals(oldLabel, newLabel);
        ClusterChecks.assertSeedLabelNamesItsSeedStep(cluster, "pg1");
        String seeded = cluster.command(cluster.step("pg1", "seed")).outputs().get("stdout").getAsString();
        assertTrue(seeded.startsWith("pg1 seeded "), seeded);
        assertNotEquals(oldBackupStart, ClusterChecks.baseBackupStart(cluster.container("pg1")), "data from a new base backup");
        assertEquals(primaryId, containerId("pg0"));
        ClusterChecks.awaitAllStreaming(cluster, Duration.ofSeconds(60));
        Sql.awaitPsql(cluster.container("pg1"), "SELECT count(*) FROM kept", "1000"::equals, Duration.ofSeconds(30));
        ClusterChecks.assertIdempotent(cluster.stack());
    }
}
