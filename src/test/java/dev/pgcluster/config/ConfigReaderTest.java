package dev.pgcluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.testing.TestConfigs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigReaderTest {

    @Test
    void defaultsGiveOneLocalAsyncReplicaWithBoundedSlotWal() {
        ClusterConfig config = TestConfigs.config("dev");
        assertEquals("pg-cluster-dev", config.namePrefix());
        assertEquals(List.of("pg0", "pg1"), config.nodes().stream().map(NodeSpec::name).toList());
        assertEquals(Role.PRIMARY, config.nodes().get(0).role());
        assertEquals(5432, config.primary().hostPort());
        assertEquals(5433, config.replicas().get(0).hostPort());
        assertEquals("127.0.0.1", config.publishAddress());
        assertEquals("postgres:17.6", config.image());
        assertTrue(config.pullImage());
        assertEquals("10.89.0.0/24", config.subnet().cidr());
        assertEquals(DeploymentEnvironment.DEVELOPMENT, config.environment());
        assertEquals(new WalSettings("128MB", "1GB"), config.wal());
        assertFalse(config.sync().enabled());
        assertFalse(config.retainVolumes());
        assertEquals("replicator", config.replicationUser());
        assertTrue(config.superuserPassword().isEmpty());
        assertEquals(Optional.empty(), config.primary().dockerHost());
    }

    @Test
    void productionDefaultsRetainVolumesAndKeepMoreWal() {
        ClusterConfig config = TestConfigs.config("prod", "environment", "production", "backup", "false");
        assertTrue(config.retainVolumes());
        assertEquals(new WalSettings("1GB", "16GB"), config.wal());
        assertEquals(512, config.limits().shmSizeMb());
    }

    /** Backups are on by default outside development: turning them off there is said in config. */
    @Test
    void backupsAreOnByDefaultInStagingAndProductionOnly() {
        String image = "pg-cluster/postgres-pgbackrest:17.6-2.55.1";
        assertTrue(TestConfigs.config("prod", "environment", "production", "image", image).backup().enabled());
        assertTrue(TestConfigs.config("staging", "environment", "staging", "image", image).backup().enabled());
        assertFalse(TestConfigs.config("dev", "environment", "development", "image", image).backup().enabled());
        assertFalse(TestConfigs.config("dev", "image", image).backup().enabled());
        var e = assertThrows(ConfigException.class, () -> TestConfigs.config("staging", "environment", "staging"));
        assertEquals(List.of("pg-cluster:image = \"postgres:17.6\" is not allowed with pg-cluster:backup = \"true\" (the "
                + "default in staging; set pg-cluster:backup to false to run without backups): the official postgres image "
                + "has no pgBackRest; build images/pgbackrest/Dockerfile (with pg-cluster:ha = \"patroni\": "
                + "images/patroni/Dockerfile) and set pg-cluster:image to that image (README: Backups and recovery)"),
                e.problems());
        assertFalse(TestConfigs.config("staging", "environment", "staging", "backup", "false").backup().enabled());
    }

    @Test
    void replicaPortsFollowThePrimaryPortUnlessListed() {
        assertEquals(List.of(6001, 6002, 6003), TestConfigs.config("s", "replicas", "3", "primaryPort", "6000")
                .replicas().stream().map(NodeSpec::hostPort).toList());
        assertEquals(List.of(7001, 7100), TestConfigs.config("s", "replicas", "2", "replicaPorts", "[7001, 7100]")
                .replicas().stream().map(NodeSpec::hostPort).toList());
    }

    @Test
    void zeroReplicasIsAPrimaryAlone() {
        ClusterConfig config = TestConfigs.config("s", "replicas", "0");
        assertEquals(1, config.nodes().size());
        assertTrue(config.replicas().isEmpty());
    }

    /** Every node is named, the primary too: whichever node is primary, the others are its standbys. */
    @Test
    void syncSettingsNameEveryNode() {
        ClusterConfig config = TestConfigs.config("s", "replicas", "3", "synchronous", "any 1",
                "synchronousCommit", "remote_apply");
        assertEquals(Optional.of("ANY 1 (pg0,pg1,pg2,pg3)"), config.sync().standbyNames(config.nodeNames()));
        assertEquals("remote_apply", config.sync().synchronousCommit());
    }

    @Test
    void thePrimaryIsPg0AndDataLossIsRefusedByDefault() {
        ClusterConfig config = TestConfigs.config("s", "replicas", "2");
        assertEquals("pg0", config.primary().name());
        assertEquals(List.of("pg1", "pg2"), config.replicaNames());
        assertFalse(config.acceptDataLoss().given());
    }

    /** A switchover moves the role, not the ports: node i keeps the i-th port. */
    @Test
    void anyNodeMayBeThePrimaryAndPortsStayWithTheirNodes() {
        ClusterConfig config = TestConfigs.config("s", "replicas", "2", "primary", "pg1", "primaryPort", "6000");
        assertEquals(List.of("pg0", "pg1", "pg2"), config.nodeNames());
        assertEquals("pg1", config.primary().name());
        assertEquals(List.of(Role.REPLICA, Role.PRIMARY, Role.REPLICA), config.nodes().stream().map(NodeSpec::role).toList());
        assertEquals(List.of("pg0", "pg2"), config.replicaNames());
        assertEquals(List.of(6000, 6001, 6002), config.nodes().stream().map(NodeSpec::hostPort).toList());
        assertEquals(6001, config.primary().hostPort());
        assertEquals("pg-cluster-s-pg1", config.containerName(config.primary().name()));
    }

    /** Consent names nodes and positions; read in PostgreSQL's spelling, "false" is none. */
    @Test
    void acceptDataLossNamesNodesAndPositions() {
        var consent = TestConfigs.config("s", "replicas", "2", "acceptDataLoss", " pg2@0/30001a0, pg1@unknown:0/0500000a ").acceptDataLoss();
        assertEquals(Map.of("pg1", "unknown:0/500000A", "pg2", "0/30001A0"), consent.positions());
        assertEquals("pg1@unknown:0/500000A,pg2@0/30001A0", consent.toString());
        assertEquals("pg1@unknown:0/500000A pg2@0/30001A0", consent.environmentValue());
        assertEquals("0/30001A0", DataLossConsent.canonical("00000000/030001a0"));
        assertFalse(TestConfigs.config("s", "acceptDataLoss", "false").acceptDataLoss().given());
        assertEquals("", TestConfigs.config("s").acceptDataLoss().environmentValue());
    }

    /** Set in the stack's config, the switchover keys are settings, not typos. */
    @Test
    void primaryAndAcceptDataLossAreKnownKeys() {
        var values = Map.of("replicas", "2", "primary", "pg2", "acceptDataLoss", "pg1@0/5000000");
        var runtime = new RuntimeConfigInfo(Optional.of(Set.of("pg-cluster:replicas", "pg-cluster:primary",
                "pg-cluster:acceptDataLoss")), Optional.of(Set.of()));
        ClusterConfig config = ConfigReader.read(TestConfigs.mockConfig(values), "pg-cluster", "dev", runtime);
        assertEquals("pg2", config.primary().name());
        assertEquals(Map.of("pg1", "0/5000000"), config.acceptDataLoss().positions());
    }

    @Test
    void passwordsFromSecretConfigStaySecret() {
        ClusterConfig config = TestConfigs.config("s", "superuserPassword", "a-long-enough-password");
        assertTrue(config.superuserPassword().isPresent());
        assertEquals("Secret[***]", config.superuserPassword().get().toString());
    }

    @ParameterizedTest
    @MethodSource("dev.pgcluster.config.BadConfigValues#all")
    void rejectsEveryBadValueNamingKeyValueAndWhatIsAllowed(Map<String, String> values, String message) {
        var e = assertThrows(ConfigException.class, () -> TestConfigs.read("dev", values));
        assertEquals(List.of(message), e.problems());
        assertEquals("invalid pg-cluster config: " + message, e.getMessage());
    }

    @Test
    void reportsEveryProblemAtOnce() {
        var e = assertThrows(ConfigException.class, () -> TestConfigs.config("dev",
                "replicas", "-1", "image", "postgres", "publishAddress", "anywhere"));
        assertEquals(3, e.problems().size());
        assertTrue(e.getMessage().startsWith("invalid pg-cluster config:\n  - pg-cluster:replicas"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"superuserPassword", "replicationPassword", "appPassword", "monitoringPassword"})
    void rejectsAPasswordSetInPlainTextWithoutEchoingIt(String key) {
        var values = Map.of(key, "plain-text-password-123");
        var runtime = new RuntimeConfigInfo(Optional.of(Set.of("pg-cluster:" + key)), Optional.of(Set.of()));
        var e = assertThrows(ConfigException.class,
                () -> ConfigReader.read(TestConfigs.mockConfig(values), "pg-cluster", "dev", runtime));
        assertEquals(List.of("pg-cluster:" + key + ": is set in plain text; set it as a secret: pulumi config set --secret "
                + key + " <value>  (or leave it unset to have one generated)"), e.problems());
        assertFalse(e.getMessage().contains("plain-text-password-123"));
    }

    /** The exporter cannot take a password with a space; the error says so without showing it. */
    @Test
    void withMonitoringOnTheMonitoringPasswordHasNoSpaces() {
        var e = assertThrows(ConfigException.class, () -> TestConfigs.config("dev", "monitoring", "true",
                "monitoringPassword", "correct horse battery"));
        assertEquals(List.of("pg-cluster:monitoringPassword is not allowed: with pg-cluster:monitoring on it must have no "
                + "spaces, which the metrics exporter cannot pass on (the value is not shown: it is a secret)"), e.problems());
        assertFalse(e.getMessage().contains("horse"));
        assertEquals("Secret[***]", TestConfigs.config("dev", "monitoringPassword", "correct horse battery")
                .clientRoles().monitoringPassword().orElseThrow().toString(), "without monitoring a space is fine");
    }

    @Test
    void acceptsPasswordsWhenTheRuntimeDoesNotSayWhichKeysAreSecret() {
        var values = Map.of("superuserPassword", "some-long-password");
        var config = ConfigReader.read(TestConfigs.mockConfig(values), "pg-cluster", "dev", RuntimeConfigInfo.UNKNOWN);
        assertTrue(config.superuserPassword().isPresent());
    }

    @Test
    void ignoresOtherNamespacesWhenCheckingForTypos() {
        var values = new HashMap<String, String>();
        var runtime = new RuntimeConfigInfo(Optional.of(Set.of("docker:host", "pg-cluster:replicas")), Optional.of(Set.of()));
        values.put("replicas", "2");
        assertEquals(2, ConfigReader.read(TestConfigs.mockConfig(values), "pg-cluster", "dev", runtime).replicas().size());
    }

    @Test
    void readsWhatTheLanguageHostPassesInTheEnvironment() {
        var info = RuntimeConfigInfo.fromEnvironment(Map.of(
                "PULUMI_CONFIG", "{\"pg-cluster:replicas\":\"2\",\"pg-cluster:superuserPassword\":\"x\"}",
                "PULUMI_CONFIG_SECRET_KEYS", "[\"pg-cluster:superuserPassword\"]"));
        assertEquals(Optional.of(Set.of("pg-cluster:replicas", "pg-cluster:superuserPassword")), info.presentKeys());
        assertEquals(Optional.of(Set.of("pg-cluster:superuserPassword")), info.secretKeys());
        assertEquals(RuntimeConfigInfo.UNKNOWN, RuntimeConfigInfo.fromEnvironment(Map.of()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "staging", "prod"})
    void shippedStackConfigsAreValid(String stack) {
        ClusterConfig config = TestConfigs.shipped(stack);
        assertEquals("pg-cluster-" + stack, config.namePrefix());
    }

    @Test
    void shippedStacksDifferAsDocumented() {
        ClusterConfig dev = TestConfigs.shipped("dev");
        ClusterConfig staging = TestConfigs.shipped("staging");
        ClusterConfig prod = TestConfigs.shipped("prod");
        assertEquals(1, dev.replicas().size());
        assertEquals(2, staging.replicas().size());
        assertEquals(SyncReplication.Method.ANY, staging.sync().method());
        assertEquals(3, prod.replicas().size());
        assertTrue(prod.retainVolumes());
        assertTrue(prod.limits().memoryMb().isPresent());
        assertFalse(dev.retainVolumes());
        // Development keeps pg-cluster's declared failover; staging and production fail over by themselves.
        assertEquals(HaSettings.Mode.NONE, dev.ha().mode());
        assertEquals(HaSettings.Mode.PATRONI, staging.ha().mode());
        assertEquals(HaSettings.Mode.PATRONI, prod.ha().mode());
        assertEquals(3, staging.ha().dcsMembers());
        assertEquals(3, prod.ha().dcsMembers());
        // Backups outside development (on by default there; the Patroni image has pgBackRest).
        assertFalse(dev.backup().enabled());
        assertTrue(staging.backup().enabled());
        assertTrue(prod.backup().enabled());
        // Distinct subnets and ports, so all three can share one Docker host.
        assertEquals(3, Set.of(dev.subnet().cidr(), staging.subnet().cidr(), prod.subnet().cidr()).size());
    }

    /**
     * The Patroni image of the shipped stacks is built on the Docker host (an image already there is
     * used as it is, pulled only when missing): each stack file and README say how to build it under
     * that very tag (the versions images/patroni/Dockerfile installs).
     */
    @ParameterizedTest
    @ValueSource(strings = {"staging", "prod"})
    void shippedPatroniStacksSayHowToGetEveryImage(String stack) throws IOException {
        ClusterConfig config = TestConfigs.shipped(stack);
        assertTrue(config.pullImage());
        assertEquals("pg-cluster/patroni:17.6-4.0.7", config.image());
        String dockerfile = Files.readString(Path.of("images", "patroni", "Dockerfile"));
        assertTrue(dockerfile.contains("ARG POSTGRES_IMAGE=postgres:17.6-"), "the tag names the PostgreSQL the image is built on");
        assertTrue(dockerfile.contains("ARG PATRONI_VERSION=4.0.7-"), "the tag names the Patroni it installs");
        String build = "docker build -t " + config.image() + " images/patroni";
        String file = Files.readString(Path.of("Pulumi." + stack + ".yaml"));
        assertTrue(file.contains(build), "Pulumi." + stack + ".yaml says: " + build);
        assertTrue(Files.readString(Path.of("README.md")).contains(build), "README.md says: " + build);
    }
}
