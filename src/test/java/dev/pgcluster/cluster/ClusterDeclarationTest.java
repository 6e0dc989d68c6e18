package dev.pgcluster.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.testing.DeclaredResource;
import dev.pgcluster.testing.DeclaredStack;
import dev.pgcluster.testing.StrictMocks;
import dev.pgcluster.testing.TestConfigs;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the program declares, checked over the resource graph under strict mocks. */
class ClusterDeclarationTest {
    private static final String CONTAINER = "docker:index/container:Container";
    private static final String VOLUME = "docker:index/volume:Volume";
    private static final String NETWORK = "docker:index/network:Network";
    private static final String COMMAND = "command:local:Command";
    private static final String SUPERUSER_PASSWORD = "superuser-password-for-tests";
    private static final String REPLICATION_PASSWORD = "replication-password-for-tests";

    private static ClusterConfig withReplicas(int replicas) {
        return TestConfigs.config("test", "replicas", String.valueOf(replicas), "pullImage", "false",
                "image", "pg-cluster-test/postgres:17");
    }

    private static DeclaredResource container(DeclaredStack stack, String name) {
        return stack.find(r -> r.type().equals(CONTAINER) && r.name().equals(name), "no container " + name);
    }

    private static DeclaredResource command(DeclaredStack stack, String name) {
        return stack.find(r -> r.type().equals(COMMAND) && r.name().equals(name), "no command " + name);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> environment(DeclaredResource command) {
        return (Map<String, String>) command.input("environment");
    }

    @SuppressWarnings("unchecked")
    private static List<String> serverArgs(DeclaredResource container) {
        return (List<String>) container.input("command");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3})
    void declaresOneVolumeContainerAndReadinessStepPerNodeAndTwoSeedingStepsPerReplica(int replicas) {
        DeclaredStack stack = DeclaredStack.of(withReplicas(replicas));
        assertEquals(1, stack.ofType(NETWORK).size());
        assertEquals(replicas + 1, stack.ofType(VOLUME).size());
        assertEquals(replicas + 1, stack.ofType(CONTAINER).size());
        // two generated passwords, the primary's password step, a readiness step per node, then a
        // slot, a base backup and a conninfo step per replica
        assertEquals(2 + 1 + (replicas + 1) + 3 * replicas, stack.ofType(COMMAND).size());
        assertEquals(0, stack.ofType("docker:index/remoteImage:RemoteImage").size());

        var expectedContainers = new HashSet<String>();
        for (int i = 0; i <= replicas; i++) {
            expectedContainers.add("pg-cluster-test-pg" + i);
        }
        assertEquals(expectedContainers, stack.ofType(CONTAINER).stream().map(r -> (String) r.input("name"))
                .collect(Collectors.toSet()));
        assertEquals("pg-cluster-test-net", stack.ofType(NETWORK).get(0).input("name"));
        assertEquals("pg-cluster-test-pg0-data", stack.ofType(VOLUME).get(0).input("name"));
    }

    @Test
    void pullsThePinnedImageThroughTheProviderByDefaultAndKeepsItOnDestroy() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test"));
        var image = stack.ofType("docker:index/remoteImage:RemoteImage");
        assertEquals(1, image.size());
        assertEquals("postgres:17.6", image.get(0).input("name"));
        assertEquals(true, image.get(0).input("keepLocally"));
        assertEquals("sha256:" + "0".repeat(64), container(stack, "pg-cluster-test-pg0").input("image"));
    }

    @Test
    void replicaWaitsForItsBaseBackupWhichWaitsForItsSlotWhichWaitsForTheHealthyPrimary() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(3));
        var primary = container(stack, "pg-cluster-test-pg0");
        var primaryReady = command(stack, "pg-cluster-test-pg0-ready");
        var passwords = command(stack, "pg-cluster-test-pg0-passwords");
        assertEquals(false, primary.input("wait"), "health is awaited by the readiness step, not the provider");
        assertEquals(List.of(primary.name()), primaryReady.dependsOn());
        assertEquals(List.of(primaryReady.name()), passwords.dependsOn());
        for (int i = 1; i <= 3; i++) {
            String node = "pg-cluster-test-pg" + i;
            var slot = command(stack, node + "-bootstrap-slot");
            var backup = command(stack, node + "-bootstrap-base-backup");
            var replica = container(stack, node);
            var replicaReady = command(stack, node + "-ready");
            assertEquals(List.of(primaryReady.name()), slot.dependsOn());
            assertEquals(List.of(slot.name(), passwords.name()), backup.dependsOn());
            assertEquals(List.of(backup.name()), replica.dependsOn());
            assertEquals(List.of(replica.name()), replicaReady.dependsOn());

            // The engine's order: each step's creation ran after what it depends on.
            List<String> order = stack.creationOrder();
            assertTrue(order.indexOf(primaryReady.name()) < order.indexOf(slot.name()));
            assertTrue(order.indexOf(passwords.name()) < order.indexOf(backup.name()));
            assertTrue(order.indexOf(slot.name()) < order.indexOf(backup.name()));
            assertTrue(order.indexOf(backup.name()) < order.lastIndexOf(node));
            assertTrue(order.lastIndexOf(node) < order.indexOf(replicaReady.name()));
        }
    }

    @Test
    void aNewContainerIsAwaitedAgainAndATimeoutIsTheConfiguredOne() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "1", "healthTimeoutSeconds", "77"));
        for (String node : List.of("pg0", "pg1")) {
            var ready = command(stack, "pg-cluster-test-" + node + "-ready");
            assertEquals(List.of("pg-cluster-test-" + node + "-id"), ready.input("triggers"),
                    "triggered by the container's ID");
            assertEquals("pg-cluster-test-" + node, environment(ready).get("PGC_CONTAINER"));
            assertEquals("77", environment(ready).get("PGC_TIMEOUT_SECONDS"));
            assertEquals(InitScripts.read(InitScripts.AWAIT_HEALTHY), ready.input("create"));
        }
    }

    @Test
    void containersSayWhatDockerReadsBackSoASecondRunChangesNothing() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.shipped("prod"));
        stack.ofType(CONTAINER).forEach(c -> {
            assertEquals("bridge", c.input("networkMode"), c.name());
            assertEquals(false, c.input("mustRun"), c.name());
            @SuppressWarnings("unchecked")
            var health = (Map<String, Object>) c.input("healthcheck");
            for (String duration : List.of("interval", "timeout", "startPeriod")) {
                String value = (String) health.get(duration);
                assertTrue(value.matches("(\\d+m)?\\d+s"), duration + " = " + value + " is not in Go's format");
            }
            assertEquals(2 * ((Number) c.input("memory")).intValue(), ((Number) c.input("memorySwap")).intValue());
        });
    }

    @Test
    void containersRunTheImageByIdWhenItIsNotPulled() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(1));
        stack.ofType(CONTAINER).forEach(c -> assertEquals(StrictMocks.IMAGE_ID, c.input("image"), c.name()));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 6})
    void walSettingsLeaveRoomForEveryReplicaAndItsBaseBackup(int replicas) {
        DeclaredStack stack = DeclaredStack.of(withReplicas(replicas));
        for (DeclaredResource node : stack.ofType(CONTAINER)) {
            List<String> args = serverArgs(node);
            assertTrue(args.contains("wal_level=replica"));
            assertTrue(args.contains("max_wal_senders=" + Math.max(10, 2 * replicas + 2)));
            assertTrue(args.contains("max_replication_slots=" + Math.max(10, replicas + 4)));
            assertTrue(args.contains("max_slot_wal_keep_size=1GB"));
            assertTrue(args.contains("hot_standby=on"));
            assertTrue(args.contains("wal_log_hints=on"));
            assertTrue(args.contains("password_encryption=scram-sha-256"));
        }
    }

    @Test
    void synchronousSettingsGoToThePrimaryOnly() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "3",
                "synchronous", "first 2", "synchronousCommit", "remote_write"));
        List<String> primary = serverArgs(container(stack, "pg-cluster-test-pg0"));
        assertTrue(primary.contains("synchronous_standby_names=FIRST 2 (pg1,pg2,pg3)"));
        assertTrue(primary.contains("synchronous_commit=remote_write"));
        List<String> replica = serverArgs(container(stack, "pg-cluster-test-pg1"));
        assertTrue(replica.stream().noneMatch(a -> a.startsWith("synchronous_")));
        assertEquals("synchronous: FIRST 2 (pg1,pg2,pg3), synchronous_commit=remote_write",
                stack.outputValue("replicationMode"));
    }

    @Test
    void asynchronousByDefault() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(2));
        assertTrue(serverArgs(container(stack, "pg-cluster-test-pg0")).stream().noneMatch(a -> a.startsWith("synchronous_")));
        assertEquals("asynchronous", stack.outputValue("replicationMode"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "staging", "prod"})
    void portsArePublishedOnLoopbackOnly(String stackName) {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.shipped(stackName));
        for (DeclaredResource node : stack.ofType(CONTAINER)) {
            @SuppressWarnings("unchecked")
            var ports = (List<Map<String, Object>>) node.input("ports");
            assertEquals(1, ports.size());
            assertEquals("127.0.0.1", ports.get(0).get("ip"), node.name());
            assertEquals(5432, ((Number) ports.get(0).get("internal")).intValue());
        }
    }

    @Test
    void dockerNamesOfTwoStacksNeverCollide() {
        Set<String> dev = dockerNames(DeclaredStack.of(TestConfigs.shipped("dev")));
        Set<String> prod = dockerNames(DeclaredStack.of(TestConfigs.shipped("prod")));
        Set<String> both = new HashSet<>(dev);
        both.retainAll(prod);
        assertEquals(Set.of(), both);
    }

    private static Set<String> dockerNames(DeclaredStack stack) {
        return stack.resources().stream()
                .filter(r -> r.type().startsWith("docker:index/") && !r.type().contains("remoteImage"))
                .map(r -> (String) r.input("name"))
                .collect(Collectors.toSet());
    }

    @Test
    void logicalNamesAreUniquePerType() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(3));
        var seen = new HashSet<String>();
        stack.resources().forEach(r -> assertTrue(seen.add(r.type() + "::" + r.name()), "duplicate " + r.name()));
    }

    @Test
    void everyChildHasItsComponentAsParent() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(2));
        stack.resources().stream()
                .filter(r -> !r.type().equals("pulumi:pulumi:Stack") && !r.type().equals("pgcluster:index:PostgresCluster"))
                .forEach(r -> assertTrue(r.parent().isPresent(), r.name() + " has no parent"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"primaryConnectionString", "primaryJdbcUrl", "replicaConnectionStrings",
            "readOnlyConnectionString", "readOnlyJdbcUrl"})
    void everyOutputCarryingAPasswordIsSecret(String output) {
        DeclaredStack stack = DeclaredStack.of(withReplicas(2));
        assertTrue(stack.outputIsSecret(output), output + " must be secret");
        assertTrue(String.valueOf(stack.outputValue(output)).contains(StrictMocks.GENERATED_PASSWORD));
    }

    @Test
    void outputsWithoutPasswordsArePlain() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(2));
        assertEquals("127.0.0.1", stack.outputValue("primaryHost"));
        assertEquals(5432, stack.outputValue("primaryPort"));
        assertEquals(List.of("pg1", "pg2"), stack.outputValue("replicationSlots"));
        assertEquals("pg-cluster-test-net", stack.outputValue("networkName"));
        assertFalse(stack.outputIsSecret("networkName"));
    }

    @Test
    void connectionStringsReachEachNodeAndTheReadOnlyOnePrefersStandbys() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(2));
        String pw = StrictMocks.GENERATED_PASSWORD;
        assertEquals("postgresql://postgres:" + pw + "@127.0.0.1:5432/postgres", stack.outputValue("primaryConnectionString"));
        assertEquals(Map.of("pg1", "postgresql://postgres:" + pw + "@127.0.0.1:5433/postgres",
                "pg2", "postgresql://postgres:" + pw + "@127.0.0.1:5434/postgres"), stack.outputValue("replicaConnectionStrings"));
        assertEquals("postgresql://postgres:" + pw + "@127.0.0.1:5433,127.0.0.1:5434,127.0.0.1:5432/postgres"
                + "?target_session_attrs=prefer-standby&load_balance_hosts=random", stack.outputValue("readOnlyConnectionString"));
        assertEquals("jdbc:postgresql://127.0.0.1:5433,127.0.0.1:5434,127.0.0.1:5432/postgres"
                + "?targetServerType=preferSecondary&loadBalanceHosts=true&user=postgres&password=" + pw,
                stack.outputValue("readOnlyJdbcUrl"));
    }

    @Test
    void noInputCarriesAPasswordInPlainText() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "2",
                "superuserPassword", SUPERUSER_PASSWORD, "replicationPassword", REPLICATION_PASSWORD));
        assertEquals(0, stack.ofType(COMMAND).stream()
                .filter(c -> "generate-password".equals(environment(c).get("PGC_STEP"))).count(),
                "configured passwords are not generated");
        for (DeclaredResource resource : stack.resources()) {
            for (String text : resource.stringsOutsideSecrets()) {
                assertFalse(text.contains(SUPERUSER_PASSWORD) || text.contains(REPLICATION_PASSWORD),
                        resource.name() + " carries a password in plain text: " + resource.secretInputs());
            }
        }
        assertTrue(container(stack, "pg-cluster-test-pg0").inputIsSecret("uploads"));
        assertTrue(command(stack, "pg-cluster-test-pg1-bootstrap-base-backup").inputIsSecret("stdin"));
        assertEquals(REPLICATION_PASSWORD + "\n", command(stack, "pg-cluster-test-pg1-bootstrap-base-backup").input("stdin"));
    }

    @Test
    void passwordsReachThePrimaryAsFilesNotEnvironment() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "superuserPassword", SUPERUSER_PASSWORD,
                "replicationPassword", REPLICATION_PASSWORD));
        var primary = container(stack, "pg-cluster-test-pg0");
        @SuppressWarnings("unchecked")
        var envs = (List<String>) primary.input("envs");
        assertTrue(envs.contains("POSTGRES_PASSWORD_FILE=/run/secrets/postgres-password"));
        assertTrue(envs.stream().noneMatch(e -> e.startsWith("POSTGRES_PASSWORD=")));
        @SuppressWarnings("unchecked")
        var uploads = (List<Map<String, Object>>) primary.input("uploads");
        var byFile = uploads.stream().collect(Collectors.toMap(u -> (String) u.get("file"), u -> u.get("content")));
        assertEquals(SUPERUSER_PASSWORD, byFile.get("/run/secrets/postgres-password"));
        assertEquals(REPLICATION_PASSWORD, byFile.get("/run/secrets/replication-password"));
        assertEquals(InitScripts.read(InitScripts.REPLICATION_ROLE), byFile.get("/docker-entrypoint-initdb.d/10-replication-role.sh"));
        assertTrue(((String) byFile.get("/etc/pg-cluster/pg_hba.conf")).contains("host    replication  replicator     10.89.0.0/24"));
    }

    @Test
    void generatedPasswordsAreSecretAndNeverLogged() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(1));
        var generators = stack.ofType(COMMAND).stream()
                .filter(c -> "generate-password".equals(environment(c).get("PGC_STEP"))).toList();
        assertEquals(2, generators.size());
        for (DeclaredResource generator : generators) {
            assertEquals(List.of("stdout"), generator.additionalSecretOutputs());
            assertEquals("none", generator.input("logging"));
            assertEquals(InitScripts.read(InitScripts.GENERATE_PASSWORD), generator.input("create"));
        }
    }

    @Test
    void replicaSeedsFromItsOwnSlotWithItsNameAsApplicationName() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(2));
        for (String node : List.of("pg1", "pg2")) {
            var slot = command(stack, "pg-cluster-test-" + node + "-bootstrap-slot");
            var backup = command(stack, "pg-cluster-test-" + node + "-bootstrap-base-backup");
            assertEquals(node, environment(slot).get("PGC_SLOT"));
            assertEquals("pg-cluster-test-pg0", environment(slot).get("PGC_PRIMARY_CONTAINER"));
            assertEquals(InitScripts.read(InitScripts.CREATE_SLOT), slot.input("create"));
            assertEquals(InitScripts.read(InitScripts.DROP_SLOT), slot.input("delete"));
            assertEquals("false", environment(slot).get("PGC_KEEP_SLOT"), "dev volumes go, so do their slots");
            Map<String, String> env = environment(backup);
            assertEquals(node, env.get("PGC_SLOT"));
            assertEquals(node, env.get("PGC_NODE"));
            assertEquals("pg-cluster-test-" + node + "-data", env.get("PGC_VOLUME"));
            assertEquals("pg-cluster-test-net", env.get("PGC_NETWORK"));
            assertEquals(StrictMocks.IMAGE_ID, env.get("PGC_IMAGE"));
            assertEquals("pg-cluster-test-pg0", env.get("PGC_PRIMARY_HOST"));
            assertEquals("3", env.get("PGC_ATTEMPTS"));
            assertEquals(InitScripts.read(InitScripts.BASE_BACKUP_IN_CONTAINER), env.get("PGC_BACKUP_SCRIPT"));
            assertEquals(InitScripts.read(InitScripts.BASE_BACKUP), backup.input("create"));
            assertEquals(InitScripts.read(InitScripts.BASE_BACKUP_UPDATE), backup.input("update"));
            assertEquals(List.of("pg-cluster-test-" + node + "-data"), backup.input("triggers"));
        }
    }

    @Test
    void replicaIsHealthyOnlyWhileInRecoveryAndCannotInitializeItself() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(1));
        var replica = container(stack, "pg-cluster-test-pg1");
        @SuppressWarnings("unchecked")
        var health = (Map<String, Object>) replica.input("healthcheck");
        assertEquals(List.of("CMD-SHELL", "pg_isready --host=127.0.0.1 --port=5432 --username=postgres --dbname=postgres "
                + "--quiet && test -f \"$PGDATA/standby.signal\""), health.get("tests"));
        @SuppressWarnings("unchecked")
        var envs = (List<String>) replica.input("envs");
        assertEquals(List.of("PGDATA=/var/lib/postgresql/data/pgdata"), envs);
        assertEquals(null, replica.input("uploads"));
    }

    @Test
    void primaryIsHealthyOnlyOverTcpOnceInitCompletedAndNotAsStandby() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(0));
        var primary = container(stack, "pg-cluster-test-pg0");
        @SuppressWarnings("unchecked")
        var health = (Map<String, Object>) primary.input("healthcheck");
        assertEquals(List.of("CMD-SHELL", "pg_isready --host=127.0.0.1 --port=5432 --username=postgres --dbname=postgres --quiet"
                + " && test -f \"$PGDATA/pg-cluster-init.done\" && test ! -f \"$PGDATA/standby.signal\""), health.get("tests"));
        assertEquals("unless-stopped", primary.input("restart"));
    }

    @Test
    void labelsCarryStackRoleAndEnvironment() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.shipped("prod"));
        var replica = container(stack, "pg-cluster-prod-pg2");
        @SuppressWarnings("unchecked")
        var labels = ((List<Map<String, String>>) replica.input("labels")).stream()
                .collect(Collectors.toMap(l -> l.get("label"), l -> l.get("value")));
        assertEquals(Map.of("pg-cluster.project", "pg-cluster", "pg-cluster.stack", "prod", "pg-cluster.node", "pg2",
                "pg-cluster.role", "replica", "pg-cluster.environment", "production",
                "pg-cluster.base-backup", "pg2 seeded 20261127T000000Z 0123abcd"), labels);
    }

    @Test
    void productionRetainsVolumesAndLimitsResources() {
        DeclaredStack prod = DeclaredStack.of(TestConfigs.shipped("prod"));
        prod.ofType(VOLUME).forEach(v -> assertTrue(v.retainOnDelete(), v.name()));
        prod.ofType(CONTAINER).forEach(c -> {
            assertEquals(4096, ((Number) c.input("memory")).intValue());
            assertEquals(1024, ((Number) c.input("shmSize")).intValue());
            assertEquals(2048, ((Number) c.input("cpuShares")).intValue());
        });
        DeclaredStack dev = DeclaredStack.of(TestConfigs.shipped("dev"));
        dev.ofType(VOLUME).forEach(v -> assertFalse(v.retainOnDelete(), v.name()));
        dev.ofType(CONTAINER).forEach(c -> assertEquals(null, c.input("memory")));
    }

    /** Through data, not replaceWith (which older engines ignore); the real engine test replaces a volume. */
    @Test
    void aReplacedVolumeGetsAFreshBaseBackupAndAFreshReplicaContainer() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(2));
        stack.resources().forEach(r -> assertEquals(List.of(), r.replaceWith(), r.name()));
        for (String node : List.of("pg1", "pg2")) {
            String prefix = "pg-cluster-test-" + node;
            // force-new inputs fed by the volume's name and by the backup's output
            assertEquals(List.of(prefix + "-data"), command(stack, prefix + "-bootstrap-base-backup").input("triggers"));
            assertEquals(InitScripts.read(InitScripts.BASE_BACKUP_UPDATE),
                    command(stack, prefix + "-bootstrap-base-backup").input("update"));
            @SuppressWarnings("unchecked")
            var labels = ((List<Map<String, String>>) container(stack, prefix).input("labels")).stream()
                    .collect(Collectors.toMap(l -> l.get("label"), l -> l.get("value")));
            assertEquals(node + " seeded 20261127T000000Z 0123abcd", labels.get(Labels.BASE_BACKUP));
        }
    }

    @Test
    void replicasFollowTheReplicationPasswordAfterThePrimaryHasIt() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "2", "replicationPassword",
                REPLICATION_PASSWORD));
        for (String node : List.of("pg1", "pg2")) {
            var step = command(stack, "pg-cluster-test-" + node + "-conninfo");
            assertEquals(List.of("pg-cluster-test-" + node + "-ready", "pg-cluster-test-pg0-passwords"), step.dependsOn());
            assertTrue(step.inputIsSecret("stdin"));
            assertEquals(REPLICATION_PASSWORD + "\n", step.input("stdin"));
            assertEquals("pg-cluster-test-" + node, environment(step).get("PGC_REPLICA_CONTAINER"));
            assertEquals(node, environment(step).get("PGC_SLOT"));
            assertEquals("pg-cluster-test-pg0", environment(step).get("PGC_PRIMARY_HOST"));
        }
    }

    @Test
    void retainedVolumesKeepTheirSlots() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.shipped("prod"));
        for (String node : List.of("pg1", "pg2", "pg3")) {
            assertEquals("true", environment(command(stack, "pg-cluster-prod-" + node + "-bootstrap-slot")).get("PGC_KEEP_SLOT"));
        }
    }

    @Test
    void generatedPasswordsNeverChangeOnceMade() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(1));
        stack.ofType(COMMAND).stream()
                .filter(c -> "generate-password".equals(environment(c).get("PGC_STEP")))
                .forEach(g -> assertEquals(List.of("create", "environment", "logging", "addPreviousOutputInEnv"),
                        g.ignoreChanges(), g.name()));
    }

    @Test
    void passwordStepSetsBothRolesFromStdinAndKeepsItsOutputSecret() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "superuserPassword", SUPERUSER_PASSWORD,
                "replicationPassword", REPLICATION_PASSWORD));
        var step = command(stack, "pg-cluster-test-pg0-passwords");
        assertTrue(step.inputIsSecret("stdin"));
        assertEquals(SUPERUSER_PASSWORD + "\n" + REPLICATION_PASSWORD + "\n", step.input("stdin"));
        assertEquals(List.of("stdout", "stderr"), step.additionalSecretOutputs());
        assertEquals("replicator", environment(step).get("PGC_REPLICATION_USER"));
        assertEquals(InitScripts.read(InitScripts.SYNC_PASSWORDS), step.input("create"));
    }

    @Test
    void labelChangesNeverReplaceAVolumeOrTheNetwork() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(1));
        stack.resources().stream()
                .filter(r -> r.type().equals(VOLUME) || r.type().equals(NETWORK))
                .forEach(r -> assertEquals(List.of("labels"), r.ignoreChanges(), r.name()));
    }

    @Test
    void objectsWithFixedDockerNamesAreRemovedBeforeTheirReplacement() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(1));
        stack.resources().stream()
                .filter(r -> r.type().equals(CONTAINER) || r.type().equals(VOLUME) || r.type().equals(NETWORK))
                .forEach(r -> assertTrue(r.deleteBeforeReplace(), r.name()));
    }

    @Test
    void aRemoteDockerHostGetsItsOwnProviderAndReachesTheCommandSteps() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "dockerHost", "ssh://ops@db-host-1"));
        assertEquals(1, stack.ofType("pulumi:providers:docker").size());
        assertEquals("ssh://ops@db-host-1", stack.ofType("pulumi:providers:docker").get(0).input("host"));
        assertEquals("ssh://ops@db-host-1", environment(command(stack, "pg-cluster-test-pg1-bootstrap-slot")).get("DOCKER_HOST"));
        assertEquals("ssh://ops@db-host-1",
                environment(command(stack, "pg-cluster-test-pg1-bootstrap-base-backup")).get("DOCKER_HOST"));
    }

    /** The steps get the default provider's host explicitly, so a docker context cannot send them elsewhere. */
    @Test
    void defaultDockerHostDeclaresNoProviderAndNamesTheHostToTheSteps() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(1));
        assertEquals(0, stack.ofType("pulumi:providers:docker").size());
        stack.ofType(COMMAND).stream()
                .filter(c -> !"generate-password".equals(environment(c).get("PGC_STEP")))
                .forEach(c -> assertEquals("unix:///var/run/docker.sock", environment(c).get("DOCKER_HOST"), c.name()));
    }
}
