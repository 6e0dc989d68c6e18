package dev.pgcluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.testing.TestConfigs;
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
        ClusterConfig config = TestConfigs.config("prod", "environment", "production");
        assertTrue(config.retainVolumes());
        assertEquals(new WalSettings("1GB", "16GB"), config.wal());
        assertEquals(512, config.limits().shmSizeMb());
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

    @Test
    void syncSettingsNameTheReplicas() {
        ClusterConfig config = TestConfigs.config("s", "replicas", "3", "synchronous", "any 1",
                "synchronousCommit", "remote_apply");
        assertEquals(Optional.of("ANY 1 (pg1,pg2,pg3)"), config.sync().standbyNames(config.replicaNames()));
        assertEquals("remote_apply", config.sync().synchronousCommit());
    }

    @Test
    void passwordsFromSecretConfigStaySecret() {
        ClusterConfig config = TestConfigs.config("s", "superuserPassword", "a-long-enough-password");
        assertTrue(config.superuserPassword().isPresent());
        assertEquals("Secret[***]", config.superuserPassword().get().toString());
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of(Map.of("replicas", "-1"), "pg-cluster:replicas = \"-1\" is not allowed: a whole number from 0 to 10"),
                Arguments.of(Map.of("replicas", "11"), "pg-cluster:replicas = \"11\" is not allowed: a whole number from 0 to 10"),
                Arguments.of(Map.of("replicas", "two"), "pg-cluster:replicas = \"two\" is not allowed: a whole number from 0 to 10"),
                Arguments.of(Map.of("synchronous", "all"), "pg-cluster:synchronous = \"all\" is not allowed: off, \"first <n>\" "
                        + "or \"any <n>\" with n at least 1 (e.g. any 1)"),
                Arguments.of(Map.of("replicas", "2", "synchronous", "first 3"), "pg-cluster:synchronous = \"first 3\" is not "
                        + "allowed: n must be at most the number of replicas (2)"),
                Arguments.of(Map.of("replicas", "0", "synchronous", "any 1"), "pg-cluster:synchronous = \"any 1\" is not "
                        + "allowed: n must be at most the number of replicas (0)"),
                Arguments.of(Map.of("synchronousCommit", "maybe"), "pg-cluster:synchronousCommit = \"maybe\" is not allowed: "
                        + "one of on, remote_apply, remote_write, local, off"),
                Arguments.of(Map.of("primaryPort", "70000"), "pg-cluster:primaryPort = \"70000\" is not allowed: a whole "
                        + "number from 1 to 65535"),
                Arguments.of(Map.of("primaryPort", "0"), "pg-cluster:primaryPort = \"0\" is not allowed: a whole number from 1 to 65535"),
                Arguments.of(Map.of("replicas", "2", "primaryPort", "65535"), "pg-cluster:primaryPort = \"65535\" is not allowed: "
                        + "replicas get the next 2 ports, which must stay at or below 65535; lower it or set pg-cluster:replicaPorts"),
                Arguments.of(Map.of("replicas", "2", "replicaPorts", "[5432, 5433]"), "pg-cluster:replicaPorts = \"[5432, 5433]\" "
                        + "is not allowed: ports that differ from each other and from pg-cluster:primaryPort (5432 is used twice)"),
                Arguments.of(Map.of("replicas", "2", "replicaPorts", "[6000, 6000]"), "pg-cluster:replicaPorts = \"[6000, 6000]\" "
                        + "is not allowed: ports that differ from each other and from pg-cluster:primaryPort (6000 is used twice)"),
                Arguments.of(Map.of("replicas", "2", "replicaPorts", "[6000]"), "pg-cluster:replicaPorts = \"[6000]\" is not "
                        + "allowed: exactly one port per replica (2 replicas)"),
                Arguments.of(Map.of("subnet", "10.89.0.0/33"), "pg-cluster:subnet = \"10.89.0.0/33\" is not allowed: a private "
                        + "IPv4 network in CIDR form (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 ranges), prefix /16 to /28, "
                        + "host bits zero, with room for 2 nodes (e.g. 10.89.0.0/24)"),
                Arguments.of(Map.of("subnet", "0.0.0.0/0"), "pg-cluster:subnet = \"0.0.0.0/0\" is not allowed: a private "
                        + "IPv4 network in CIDR form (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 ranges), prefix /16 to /28, "
                        + "host bits zero, with room for 2 nodes (e.g. 10.89.0.0/24)"),
                Arguments.of(Map.of("image", "postgres"), "pg-cluster:image = \"postgres\" is not allowed: a pinned image "
                        + "reference: name:tag with a version tag (e.g. postgres:17.6) or name@sha256:<digest>; not a bare name "
                        + "and not :latest"),
                Arguments.of(Map.of("image", "postgres:latest"), "pg-cluster:image = \"postgres:latest\" is not allowed: a "
                        + "pinned image reference: name:tag with a version tag (e.g. postgres:17.6) or name@sha256:<digest>; "
                        + "not a bare name and not :latest"),
                Arguments.of(Map.of("image", "Not An Image"), "pg-cluster:image = \"Not An Image\" is not allowed: a pinned "
                        + "image reference: name:tag with a version tag (e.g. postgres:17.6) or name@sha256:<digest>; not a "
                        + "bare name and not :latest"),
                Arguments.of(Map.of("pullImage", "yes"), "pg-cluster:pullImage = \"yes\" is not allowed: true or false"),
                Arguments.of(Map.of("retainVolumesOnDelete", "ture"), "pg-cluster:retainVolumesOnDelete = \"ture\" is not "
                        + "allowed: true or false"),
                Arguments.of(Map.of("publishAddress", "localhost"), "pg-cluster:publishAddress = \"localhost\" is not allowed: "
                        + "an IPv4 address such as 127.0.0.1 (0.0.0.0 publishes on all interfaces)"),
                Arguments.of(Map.of("maxSlotWalKeepSize", "-1"), "pg-cluster:maxSlotWalKeepSize = \"-1\" is not allowed: a "
                        + "positive PostgreSQL size with unit kB, MB, GB or TB (e.g. 1GB); -1 (unbounded) is not allowed"),
                Arguments.of(Map.of("walKeepSize", "1 gig"), "pg-cluster:walKeepSize = \"1 gig\" is not allowed: a positive "
                        + "PostgreSQL size with unit kB, MB, GB or TB (e.g. 1GB); -1 (unbounded) is not allowed"),
                Arguments.of(Map.of("memory", "lots"), "pg-cluster:memory = \"lots\" is not allowed: a size of at least 128 "
                        + "MiB: a number of MiB, or with unit m or g (e.g. 512m, 2g)"),
                Arguments.of(Map.of("shmSize", "1k"), "pg-cluster:shmSize = \"1k\" is not allowed: a size of at least 64 MiB: "
                        + "a number of MiB, or with unit m or g (e.g. 512m, 2g)"),
                Arguments.of(Map.of("memory", "512m", "shmSize", "512m"), "pg-cluster:shmSize = \"512m\" is not allowed: less "
                        + "than pg-cluster:memory (512m), since /dev/shm counts against the memory limit"),
                Arguments.of(Map.of("cpuShares", "1"), "pg-cluster:cpuShares = \"1\" is not allowed: a whole number from 2 to 262144"),
                Arguments.of(Map.of("environment", "prod"), "pg-cluster:environment = \"prod\" is not allowed: development, "
                        + "staging or production"),
                Arguments.of(Map.of("database", "My-App"), "pg-cluster:database = \"My-App\" is not allowed: a lower-case "
                        + "identifier of letters, digits and _ (at most 63, not starting with a digit or pg_, not template0 or "
                        + "template1)"),
                Arguments.of(Map.of("replicationUser", "postgres"), "pg-cluster:replicationUser = \"postgres\" is not allowed: "
                        + "a lower-case identifier of letters, digits and _ (at most 63, not starting with a digit or pg_, not "
                        + "postgres)"),
                Arguments.of(Map.of("dockerHost", "localhost:2375"), "pg-cluster:dockerHost = \"localhost:2375\" is not "
                        + "allowed: a Docker host URL: unix://…, tcp://host:port, ssh://user@host or npipe://…"),
                Arguments.of(Map.of("baseBackupAttempts", "0"), "pg-cluster:baseBackupAttempts = \"0\" is not allowed: a whole "
                        + "number from 1 to 10"),
                Arguments.of(Map.of("healthTimeoutSeconds", "5"), "pg-cluster:healthTimeoutSeconds = \"5\" is not allowed: a "
                        + "whole number from 10 to 3600"),
                Arguments.of(Map.of("superuserPassword", "short"), "pg-cluster:superuserPassword: must be 12 to 1024 characters long"),
                Arguments.of(Map.of("replicas", "1", "replica", "3"), "pg-cluster:replica is not a pg-cluster setting; known keys: "
                        + String.join(", ", ConfigReader.KEYS)));
    }

    @ParameterizedTest
    @MethodSource("badValues")
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
    @ValueSource(strings = {"superuserPassword", "replicationPassword"})
    void rejectsAPasswordSetInPlainTextWithoutEchoingIt(String key) {
        var values = Map.of(key, "plain-text-password-123");
        var runtime = new RuntimeConfigInfo(Optional.of(Set.of("pg-cluster:" + key)), Optional.of(Set.of()));
        var e = assertThrows(ConfigException.class,
                () -> ConfigReader.read(TestConfigs.mockConfig(values), "pg-cluster", "dev", runtime));
        assertEquals(List.of("pg-cluster:" + key + ": is set in plain text; set it as a secret: pulumi config set --secret "
                + key + " <value>  (or leave it unset to have one generated)"), e.problems());
        assertFalse(e.getMessage().contains("plain-text-password-123"));
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
        // Distinct subnets and ports, so all three can share one Docker host.
        assertEquals(3, Set.of(dev.subnet().cidr(), staging.subnet().cidr(), prod.subnet().cidr()).size());
    }
}
