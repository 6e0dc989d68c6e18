package dev.pgcluster.cluster;

import static dev.pgcluster.testing.Scram.assertVerifierOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.mode.patroni.EtcdMember;
import dev.pgcluster.testing.DeclaredResource;
import dev.pgcluster.testing.DeclaredStack;
import dev.pgcluster.testing.StrictMocks;
import dev.pgcluster.testing.TestConfigs;
import dev.pgcluster.testing.TestProbes;
import dev.pgcluster.topology.ClusterProbe;
import dev.pgcluster.topology.ClusterStateException;
import dev.pgcluster.topology.NodeState;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    private static final String APP_PASSWORD = "app-password-for-tests";
    private static final String MONITORING_PASSWORD = "monitoring-password-for-tests";
    /** The inputs of a node's container that name the node itself; everything else is the same on every node. */
    private static final Set<String> NODE_IDENTITY = Set.of("name", "hostname", "ports", "volumes", "networksAdvanced");

    private static ClusterConfig withReplicas(int replicas) {
        return TestConfigs.config("test", "replicas", String.valueOf(replicas), "pullImage", "false",
                "image", "pg-cluster-test/postgres:17");
    }

    /** The PostgreSQL nodes' containers (not the monitoring ones). */
    /** The containers labelled with a node: the PostgreSQL nodes, and with ha: patroni the etcd members too. */
    private static List<DeclaredResource> nodeContainers(DeclaredStack stack) {
        return stack.ofType(CONTAINER).stream().filter(c -> labels(c).containsKey("pg-cluster.node")).toList();
    }

    private static boolean isEtcdMember(DeclaredResource container) {
        return EtcdMember.HA_LABEL.equals(labels(container).get(Labels.HA_MEMBER));
    }

    /** The containers that run PostgreSQL: the nodes of ha: none, the Patroni members of ha: patroni. */
    private static List<DeclaredResource> postgresContainers(DeclaredStack stack) {
        return nodeContainers(stack).stream().filter(c -> !isEtcdMember(c)).toList();
    }

    private static DeclaredResource container(DeclaredStack stack, String name) {
        return stack.find(r -> r.type().equals(CONTAINER) && r.name().equals(name), "no container " + name);
    }

    private static DeclaredResource volume(DeclaredStack stack, String name) {
        return stack.find(r -> r.type().equals(VOLUME) && r.name().equals(name), "no volume " + name);
    }

    private static DeclaredResource command(DeclaredStack stack, String name) {
        return stack.find(r -> r.type().equals(COMMAND) && r.name().equals(name), "no command " + name);
    }

    private static DeclaredResource node(DeclaredStack stack, String name) {
        return stack.find(r -> r.type().equals(PostgresNode.TYPE) && r.name().equals(name), "no node component " + name);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> environment(DeclaredResource command) {
        return (Map<String, String>) command.input("environment");
    }

    @SuppressWarnings("unchecked")
    private static List<String> serverArgs(DeclaredResource container) {
        return (List<String>) container.input("command");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> labels(DeclaredResource container) {
        return ((List<Map<String, String>>) container.input("labels")).stream()
                .collect(Collectors.toMap(l -> l.get("label"), l -> l.get("value")));
    }

    @SuppressWarnings("unchecked")
    private static int publishedPort(DeclaredResource container) {
        var ports = (List<Map<String, Object>>) container.input("ports");
        return ((Number) ports.get(0).get("external")).intValue();
    }

    /** A container's inputs without what names its node, and without the seed label (data, not role). */
    private static Map<String, Object> roleNeutralPart(DeclaredResource container) {
        var inputs = new LinkedHashMap<>(container.plainInputs());
        NODE_IDENTITY.forEach(inputs::remove);
        var labels = new LinkedHashMap<>(labels(container));
        labels.remove(Labels.NODE);
        labels.remove(Labels.SEED);
        labels.remove(Labels.PUBLISHED);
        inputs.put("labels", labels);
        return inputs;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3})
    void declaresAVolumeSeedContainerAndReadinessStepPerNodeAndASlotAndConninfoStepPerStandby(int replicas) {
        DeclaredStack stack = DeclaredStack.of(withReplicas(replicas));
        assertEquals(1, stack.ofType(NETWORK).size());
        assertEquals(replicas + 1, stack.ofType(PostgresNode.TYPE).size());
        assertEquals(replicas + 1, stack.ofType(VOLUME).size());
        assertEquals(replicas + 1, stack.ofType(CONTAINER).size());
        // four generated passwords and the key of the verifiers' salts, the CA, the cluster's
        // primary and password steps, a hand-over, a conf, a seed and a readiness step per node,
        // then a slot and a conninfo step per standby
        assertEquals(5 + 1 + 2 + 4 * (replicas + 1) + 2 * replicas, stack.ofType(COMMAND).size());
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

    /**
     * The primary node comes up on its own, the primary step and the passwords follow, and only
     * then does a standby get its slot, its base backup, its container and its conninfo.
     */
    @Test
    void standbyWaitsForItsSeedWhichWaitsForItsSlotWhichWaitsForThePrimaryStep() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(3));
        var primarySeed = command(stack, "pg-cluster-test-pg0-seed");
        var primary = container(stack, "pg-cluster-test-pg0");
        var primaryReady = command(stack, "pg-cluster-test-pg0-ready");
        var primaryStep = command(stack, "pg-cluster-test-primary");
        var passwords = command(stack, "pg-cluster-test-passwords");
        assertEquals(false, primary.input("wait"), "health is awaited by the readiness step, not the provider");
        // A new stack: no node can be a Patroni member, nothing waits for the hand-over steps.
        assertEquals(List.of(), primarySeed.dependsOn(), "nothing: a new stack has nothing to hand over");
        var primaryConf = command(stack, "pg-cluster-test-pg0-conf");
        assertEquals(List.of(primarySeed.name(), primaryConf.name()), primary.dependsOn());
        assertEquals(List.of(primary.name()), primaryReady.dependsOn());
        assertEquals(List.of(primaryReady.name()), primaryStep.dependsOn());
        assertEquals(List.of(primaryStep.name()), passwords.dependsOn());
        List<String> order = stack.creationOrder();
        assertTrue(order.indexOf(primarySeed.name()) < order.lastIndexOf(primary.name()));
        assertTrue(order.lastIndexOf(primary.name()) < order.indexOf(primaryReady.name()));
        assertTrue(order.indexOf(primaryReady.name()) < order.indexOf(primaryStep.name()));
        assertTrue(order.indexOf(primaryStep.name()) < order.indexOf(passwords.name()));
        for (int i = 1; i <= 3; i++) {
            String node = "pg-cluster-test-pg" + i;
            var slot = command(stack, node + "-slot");
            var seed = command(stack, node + "-seed");
            var replica = container(stack, node);
            var replicaReady = command(stack, node + "-ready");
            var conninfo = command(stack, node + "-conninfo");
            assertEquals(List.of(primaryStep.name()), slot.dependsOn());
            var conf = command(stack, node + "-conf");
            assertEquals(List.of(primarySeed.name()), conf.dependsOn(), "not beside the primary's initdb");
            assertEquals(List.of(slot.name(), conf.name(), passwords.name()), seed.dependsOn());
            assertEquals(List.of(seed.name(), conf.name()), replica.dependsOn());
            assertEquals(List.of(replica.name()), replicaReady.dependsOn());
            assertEquals(List.of(replicaReady.name(), primaryStep.name(), passwords.name()), conninfo.dependsOn());

            // The engine's order: each step's creation ran after what it depends on.
            assertTrue(order.indexOf(primaryStep.name()) < order.indexOf(slot.name()));
            assertTrue(order.indexOf(passwords.name()) < order.indexOf(seed.name()));
            assertTrue(order.indexOf(slot.name()) < order.indexOf(seed.name()));
            assertTrue(order.indexOf(seed.name()) < order.lastIndexOf(node));
            assertTrue(order.lastIndexOf(node) < order.indexOf(replicaReady.name()));
            assertTrue(order.indexOf(replicaReady.name()) < order.indexOf(conninfo.name()));
        }
    }

    /**
     * Once any node has a container, every node's volume waits for the hand-over from Patroni (a
     * switch of modes stops the members first): the seeds and the conf steps run after it. The
     * hand-over steps are declared on a new stack too, and only there nothing waits for them.
     */
    @Test
    void onAStackThatRunsTheSeedsAndConfStepsWaitForTheHandOver() {
        ClusterProbe running = config -> config.nodeNames().stream().map(n -> new NodeState(n, "running",
                java.util.Optional.of(new NodeState.Server(!n.equals("pg0"), 1,
                        n.equals("pg0") ? "" : config.containerName("pg0"))))).toList();
        DeclaredStack stack = DeclaredStack.of(withReplicas(2), running);
        String handover = "pg-cluster-test-pg0-handover";
        assertEquals(List.of(handover), command(stack, "pg-cluster-test-pg0-seed").dependsOn());
        assertEquals(List.of(handover), command(stack, "pg-cluster-test-pg0-conf").dependsOn());
        for (String node : List.of("pg-cluster-test-pg1", "pg-cluster-test-pg2")) {
            assertEquals(List.of("pg-cluster-test-pg0-seed", handover), command(stack, node + "-conf").dependsOn());
            assertEquals(List.of(handover, node + "-slot", node + "-conf", "pg-cluster-test-passwords"),
                    command(stack, node + "-seed").dependsOn());
        }
        assertEquals(List.of("pg-cluster-test-pg1-handover", "pg-cluster-test-pg2-handover"), command(stack, handover).dependsOn());
        // One node's container is enough (a scale-out), and so is a host that could not be asked.
        ClusterProbe scaleOut = config -> config.nodeNames().stream().map(n -> n.equals("pg0")
                ? new NodeState(n, "running", java.util.Optional.of(new NodeState.Server(false, 1, "")))
                : NodeState.missing(n)).toList();
        ClusterProbe unanswered = config -> config.nodeNames().stream()
                .map(n -> new NodeState(n, "unreachable", java.util.Optional.empty())).toList();
        for (ClusterProbe probe : List.of(scaleOut, unanswered)) {
            assertEquals(List.of(handover), command(DeclaredStack.of(withReplicas(2), probe), "pg-cluster-test-pg0-seed").dependsOn());
        }
        DeclaredStack fresh = DeclaredStack.of(withReplicas(2));
        for (String node : List.of("pg0", "pg1", "pg2")) {
            assertTrue(fresh.names().contains("pg-cluster-test-" + node + "-handover"), node + ": declared on a new stack too");
        }
    }

    /**
     * A new cluster (no node's container, no volume of the stack on any node's host, no restore):
     * each standby's slot step waits for the primary's readiness instead of the primary step, and
     * its base backup not for the passwords step (the primary's seed gave the replication role the
     * stack's verifier); its container and its conninfo step still wait for both (the primary step
     * would take a container created but not started for a stopped node). Any container, any
     * volume, a restore or a probe that cannot tell keeps the order of {@link
     * #standbyWaitsForItsSeedWhichWaitsForItsSlotWhichWaitsForThePrimaryStep}.
     */
    @Test
    void onANewClusterEachStandbysSlotAndBaseBackupRunBesideThePrimaryAndPasswordsSteps() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(2), TestProbes.newCluster(true, false));
        List<String> order = stack.creationOrder();
        for (String node : List.of("pg-cluster-test-pg1", "pg-cluster-test-pg2")) {
            assertEquals(List.of("pg-cluster-test-pg0-ready"), command(stack, node + "-slot").dependsOn());
            assertEquals(List.of(node + "-slot", node + "-conf"), command(stack, node + "-seed").dependsOn());
            assertEquals(List.of(node + "-seed", node + "-conf", "pg-cluster-test-primary", "pg-cluster-test-passwords"),
                    container(stack, node).dependsOn());
            assertEquals(List.of(node + "-ready", "pg-cluster-test-primary", "pg-cluster-test-passwords"),
                    command(stack, node + "-conninfo").dependsOn());
            assertTrue(order.indexOf("pg-cluster-test-pg0-ready") < order.indexOf(node + "-slot"));
            assertTrue(order.indexOf(node + "-slot") < order.indexOf(node + "-seed"));
        }
        assertEquals(List.of("pg-cluster-test-pg0-ready"), command(stack, "pg-cluster-test-primary").dependsOn());

        var kept = new java.util.LinkedHashMap<String, DeclaredStack>();
        kept.put("a volume of the stack on a host", DeclaredStack.of(withReplicas(2), TestProbes.newCluster(false, false)));
        kept.put("a node's container", DeclaredStack.of(withReplicas(2), TestProbes.newCluster(true, true)));
        kept.put("a restore", DeclaredStack.of(TestConfigs.config("test", "replicas", "2", "restoreFrom", "pg-cluster-prod"),
                TestProbes.newCluster(true, false)));
        kept.forEach((why, other) -> {
            for (String node : List.of("pg-cluster-test-pg1", "pg-cluster-test-pg2")) {
                assertEquals(List.of("pg-cluster-test-primary"), command(other, node + "-slot").dependsOn(), why);
                assertTrue(command(other, node + "-seed").dependsOn().contains("pg-cluster-test-passwords"), why);
                assertEquals(List.of(node + "-seed", node + "-conf"), container(other, node).dependsOn(), why);
            }
        });
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
        });
        nodeContainers(stack).forEach(c -> {
            @SuppressWarnings("unchecked")
            var health = (Map<String, Object>) c.input("healthcheck");
            for (String duration : List.of("interval", "timeout", "startPeriod")) {
                String value = (String) health.get(duration);
                assertTrue(value.matches("(\\d+m)?\\d+s"), duration + " = " + value + " is not in Go's format");
            }
        });
        // The memory limit is the PostgreSQL containers' (the etcd members have none yet).
        postgresContainers(stack).forEach(c ->
                assertEquals(2 * ((Number) c.input("memory")).intValue(), ((Number) c.input("memorySwap")).intValue(), c.name()));
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

    /**
     * Every node carries the synchronous settings over every node's name: whichever node is
     * primary applies them, so a switchover never leaves the cluster silently asynchronous.
     */
    @Test
    void synchronousSettingsNameEveryNodeAndAreOnEveryNode() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "3",
                "synchronous", "first 2", "synchronousCommit", "remote_write"));
        assertEquals(4, stack.ofType(CONTAINER).size());
        for (DeclaredResource node : stack.ofType(CONTAINER)) {
            List<String> args = serverArgs(node);
            assertTrue(args.contains("synchronous_standby_names=FIRST 2 (pg0,pg1,pg2,pg3)"), node.name() + ": " + args);
            assertTrue(args.contains("synchronous_commit=remote_write"), node.name() + ": " + args);
        }
        assertEquals("synchronous: FIRST 2 (pg0,pg1,pg2,pg3), synchronous_commit=remote_write",
                stack.outputValue("replicationMode"));
    }

    @Test
    void asynchronousByDefault() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(2));
        stack.ofType(CONTAINER).forEach(node ->
                assertTrue(serverArgs(node).stream().noneMatch(a -> a.startsWith("synchronous_")), node.name()));
        assertEquals("asynchronous", stack.outputValue("replicationMode"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "staging", "prod"})
    void portsArePublishedOnLoopbackOnly(String stackName) {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.shipped(stackName));
        for (DeclaredResource container : stack.ofType(CONTAINER)) {
            @SuppressWarnings("unchecked")
            var ports = (List<Map<String, Object>>) container.input("ports");
            if (isEtcdMember(container) || labels(container).containsKey(dev.pgcluster.backup.BackupFiles.LABEL)) {
                // Only the cluster network reaches etcd (ha: patroni in staging and production) and
                // pgBackRest's TLS servers (backup: true in production).
                assertTrue(ports == null || ports.isEmpty(), container.name() + " publishes " + ports);
                continue;
            }
            assertEquals(1, ports.size());
            assertEquals("127.0.0.1", ports.get(0).get("ip"), container.name());
            String kind = labels(container).getOrDefault(Monitoring.LABEL, "node");
            int internal = switch (kind) {
                case "exporter" -> 9187;
                case "prometheus" -> 9090;
                default -> 5432;
            };
            assertEquals(internal, ((Number) ports.get(0).get("internal")).intValue(), container.name());
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

    /** A node's objects and steps belong to its node component; cluster-wide steps to the cluster. */
    @Test
    void everyChildHasItsComponentAsParent() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(2));
        stack.resources().stream()
                .filter(r -> !r.type().equals("pulumi:pulumi:Stack") && !r.type().equals(PostgresCluster.TYPE))
                .forEach(r -> assertTrue(r.parent().isPresent(), r.name() + " has no parent"));
        for (String node : List.of("pg0", "pg1", "pg2")) {
            String component = "pg-cluster-test-" + node;
            assertEquals(Optional.of("pg-cluster-test"), node(stack, component).parent());
            for (String child : List.of(component + "-seed", component + "-ready")) {
                assertEquals(Optional.of(component), command(stack, child).parent(), child);
            }
            assertEquals(Optional.of(component), container(stack, component).parent());
            assertEquals(Optional.of(component), volume(stack, component + "-data").parent());
        }
        for (String step : List.of("pg-cluster-test-primary", "pg-cluster-test-passwords")) {
            assertEquals(Optional.of("pg-cluster-test"), command(stack, step).parent(), step);
        }
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
        assertEquals("pg0", stack.outputValue("primaryNode"));
        assertEquals("127.0.0.1", stack.outputValue("primaryHost"));
        assertEquals(5432, stack.outputValue("primaryPort"));
        assertEquals(List.of("pg1", "pg2"), stack.outputValue("replicationSlots"));
        assertEquals("pg-cluster-test-net", stack.outputValue("networkName"));
        for (String output : List.of("primaryNode", "primaryHost", "primaryPort", "replicationSlots", "networkName")) {
            assertFalse(stack.outputIsSecret(output), output);
        }
    }

    @Test
    void connectionStringsReachEachNodeAndTheReadOnlyOnePrefersStandbys() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(2));
        String pw = StrictMocks.GENERATED_PASSWORD;
        // Clients log in as the application role; the superuser's string is a separate output.
        assertEquals("postgresql://postgres_app:" + pw + "@127.0.0.1:5432/postgres?sslmode=verify-full",
                stack.outputValue("primaryConnectionString"));
        assertEquals(Map.of("pg1", "postgresql://postgres_app:" + pw + "@127.0.0.1:5433/postgres?sslmode=verify-full",
                "pg2", "postgresql://postgres_app:" + pw + "@127.0.0.1:5434/postgres?sslmode=verify-full"),
                stack.outputValue("replicaConnectionStrings"));
        assertEquals("postgresql://postgres_app:" + pw + "@127.0.0.1:5433,127.0.0.1:5434,127.0.0.1:5432/postgres"
                + "?target_session_attrs=prefer-standby&load_balance_hosts=random&sslmode=verify-full",
                stack.outputValue("readOnlyConnectionString"));
        assertEquals("jdbc:postgresql://127.0.0.1:5433,127.0.0.1:5434,127.0.0.1:5432/postgres"
                + "?targetServerType=preferSecondary&loadBalanceHosts=true&user=postgres_app&password=" + pw
                + "&sslmode=verify-full", stack.outputValue("readOnlyJdbcUrl"));
        assertFalse(stack.hasOutput("superuserConnectionString"),
                "the superuser logs in over the Unix socket only");
        assertEquals("postgres_app", stack.outputValue("appUser"));
        assertEquals("monitoring", stack.outputValue("monitoringUser"));
    }

    /**
     * One CA per trusted generation, made once by a step whose key output is secret and never
     * logged; its certificate alone is plain, and is what clients get as {@code caCertificate}.
     */
    @Test
    void theCaIsMadeOnceKeptSecretAndItsCertificateIsAPlainOutput() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(1));
        var authority = command(stack, "pg-cluster-test-tls-ca-1");
        assertEquals(Optional.of("pg-cluster-test-tls"), authority.parent());
        assertEquals("tls-ca", environment(authority).get("PGC_STEP"));
        assertEquals("pg-cluster-test CA 1", environment(authority).get("PGC_CA_NAME"));
        assertEquals(List.of("stdout"), authority.additionalSecretOutputs());
        assertEquals("none", authority.input("logging"));
        assertEquals(ClusterSecrets.GENERATOR_INPUTS, authority.ignoreChanges(), "an edited script or image makes no new CA");
        assertEquals(StrictMocks.caCertificate(environment(authority)), stack.outputValue("caCertificate"));
        assertFalse(stack.outputIsSecret("caCertificate"));
        assertFalse(String.valueOf(stack.outputValue("caCertificate")).contains("PRIVATE KEY"));
    }

    /**
     * Every node's conf step writes the same pg_hba.conf (TLS only on the network) and gets the
     * signing CA's key only on its secret stdin; its certificate names what clients and nodes
     * reach it by. The base backup of a standby waits for the CA certificates on its volume.
     */
    @Test
    void everyNodeGetsTheSameTlsOnlyRulesAndACertificateForItsOwnNames() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(2));
        var hba = new HashSet<String>();
        for (String node : List.of("pg0", "pg1", "pg2")) {
            var conf = command(stack, "pg-cluster-test-" + node + "-conf");
            Map<String, String> env = environment(conf);
            assertEquals("on", env.get("PGC_TLS"), node);
            assertEquals("pg-cluster-test-" + node, env.get("PGC_CONTAINER"), node);
            assertEquals("DNS:" + node + ",DNS:pg-cluster-test-" + node + ",IP:127.0.0.1,DNS:localhost",
                    env.get("PGC_CERT_NAMES"), node);
            assertEquals("1", env.get("PGC_CERT_GENERATION"), node);
            assertEquals(stack.outputValue("caCertificate"), env.get("PGC_CA_BUNDLE"), node);
            assertEquals(List.of("stdin"), conf.secretInputs(), node);
            assertTrue(String.valueOf(conf.input("stdin")).contains("PRIVATE KEY"), node);
            assertTrue(container(stack, "pg-cluster-test-" + node).dependsOn().contains(conf.name()), node);
            hba.add(env.get("PGC_HBA"));
        }
        assertEquals(1, hba.size(), "the same rules on every node: a switchover changes none");
        String rules = hba.iterator().next();
        assertTrue(rules.contains("hostnossl all          all                      all                  reject"), rules);
        assertTrue(rules.contains("hostnossl replication  all                      all                  reject"), rules);
        assertFalse(rules.lines().anyMatch(line -> line.startsWith("host ")), rules);
        for (String standby : List.of("pg1", "pg2")) {
            var seed = command(stack, "pg-cluster-test-" + standby + "-seed");
            assertTrue(seed.dependsOn().contains("pg-cluster-test-" + standby + "-conf"), standby);
            assertEquals("on", environment(seed).get("PGC_TLS"), standby);
            assertEquals("on", environment(command(stack, "pg-cluster-test-" + standby + "-conninfo")).get("PGC_TLS"));
        }
        assertEquals("on", environment(command(stack, "pg-cluster-test-primary")).get("PGC_TLS"));
        List<String> args = serverArgs(container(stack, "pg-cluster-test-pg0"));
        for (String setting : List.of("ssl=on", "ssl_cert_file=/var/lib/postgresql/data/conf/server.crt",
                "ssl_key_file=/var/lib/postgresql/data/conf/server.key", "ssl_min_protocol_version=TLSv1.3",
                "hba_file=/var/lib/postgresql/data/conf/pg_hba.conf")) {
            assertTrue(args.contains(setting), setting);
        }
    }

    /** The conf dir of the program and of the scripts is one place. */
    @Test
    void theScriptsAndTheProgramAgreeWhereANodesFilesLive() {
        assertTrue(InitScripts.read(InitScripts.COMMON).contains("PGC_CONF_DIR=" + PostgresNode.CONF_DIR + "\n"));
    }

    /**
     * A CA rotation: the new generation is trusted first (nodes and clients get both
     * certificates), then signs, then the old one goes.
     */
    @Test
    void aSecondTrustedCaIsInTheBundleAndOnlyTheSigningOneReachesTheNodesKeys() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "1",
                "tlsCaGeneration", "2", "tlsTrustedCaGenerations", "[1, 2]", "tlsCertificateGeneration", "3"));
        var first = command(stack, "pg-cluster-test-tls-ca-1");
        var second = command(stack, "pg-cluster-test-tls-ca-2");
        assertEquals(StrictMocks.caCertificate(environment(second)) + StrictMocks.caCertificate(environment(first)),
                stack.outputValue("caCertificate"), "the signing CA first, then the others");
        var conf = command(stack, "pg-cluster-test-pg1-conf");
        assertEquals(StrictMocks.caKey(environment(second)) + StrictMocks.caCertificate(environment(second)),
                conf.input("stdin").toString().substring(conf.input("stdin").toString().indexOf('\n') + 1));
        assertEquals("3", environment(conf).get("PGC_CERT_GENERATION"));
    }

    /** tls = false: plain TCP with SCRAM, as before TLS existed; no CA, no certificate, no verify-full. */
    @Test
    void withoutTlsNothingOfItIsDeclared() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "1", "tls", "false"));
        assertTrue(stack.resources().stream().noneMatch(r -> r.type().equals(ClusterTls.TYPE)));
        assertTrue(stack.ofType(COMMAND).stream().noneMatch(c -> "tls-ca".equals(environment(c).get("PGC_STEP"))));
        var env = environment(command(stack, "pg-cluster-test-pg1-conf"));
        assertEquals("off", env.get("PGC_TLS"));
        assertFalse(env.containsKey("PGC_CERT_NAMES"));
        assertTrue(env.get("PGC_HBA").contains("host    replication  replicator"), env.get("PGC_HBA"));
        assertFalse(env.get("PGC_HBA").contains("hostssl"));
        assertTrue(serverArgs(container(stack, "pg-cluster-test-pg0")).stream().noneMatch(a -> a.startsWith("ssl")));
        assertEquals("", stack.outputValue("caCertificate"));
        assertFalse(String.valueOf(stack.outputValue("primaryConnectionString")).contains("sslmode"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> upload(DeclaredResource container, String file) {
        return ((List<Map<String, Object>>) container.input("uploads")).stream()
                .filter(u -> u.get("file").equals(file)).findFirst()
                .orElseThrow(() -> new AssertionError(container.name() + " has no upload " + file));
    }

    /** Monitoring off (development's default): not one resource or output of it. */
    @Test
    void withoutMonitoringNothingOfItIsDeclared() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(2));
        assertTrue(stack.resources().stream().noneMatch(r -> r.type().equals(Monitoring.TYPE)));
        assertEquals(3, stack.ofType(CONTAINER).size(), "the nodes only");
        assertEquals(3, stack.ofType(VOLUME).size(), "the nodes' only");
        assertTrue(stack.names().stream().noneMatch(n -> n.contains("exporter") || n.contains("prometheus")), stack.names().toString());
        assertFalse(stack.hasOutput("prometheusUrl"));
        assertFalse(stack.hasOutput("exporterEndpoints"));
    }

    /**
     * With monitoring: an exporter per node on the cluster network, logging in as the monitoring
     * role over verify-full with the password from an uploaded file (secret), never from its
     * environment; Prometheus with the stack's rules, targets and its own data volume.
     */
    @Test
    void withMonitoringEveryNodeHasAnExporterAndPrometheusScrapesThemAll() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "2", "monitoring", "true",
                "monitoringPort", "9300", "monitoringPassword", MONITORING_PASSWORD, "synchronous", "any 1"));
        assertEquals(1, stack.ofType(Monitoring.TYPE).size());
        for (int i = 0; i < 3; i++) {
            String node = "pg" + i;
            var exporter = container(stack, "pg-cluster-test-" + node + "-exporter");
            assertEquals(List.of("/bin/postgres_exporter"), exporter.input("entrypoints"));
            @SuppressWarnings("unchecked")
            List<String> envs = (List<String>) exporter.input("envs");
            assertEquals(List.of("DATA_SOURCE_URI=" + node + ":5432/postgres?sslmode=verify-full&sslrootcert=/etc/pg-cluster/ca.crt",
                    "DATA_SOURCE_USER=monitoring", "DATA_SOURCE_PASS_FILE=/etc/pg-cluster/monitoring-password"), envs);
            assertEquals(MONITORING_PASSWORD, upload(exporter, "/etc/pg-cluster/monitoring-password").get("content"));
            assertTrue(exporter.inputIsSecret("uploads"), "the password upload is secret");
            assertFalse(String.valueOf(exporter.plainInputs().get("envs")).contains(MONITORING_PASSWORD));
            assertEquals(stack.outputValue("caCertificate"), upload(exporter, "/etc/pg-cluster/ca.crt").get("content"));
            assertEquals(MonitoringFiles.queries(), upload(exporter, "/etc/pg-cluster/queries.yml").get("content"));
            assertEquals(9301 + i, publishedPort(exporter), node);
            assertEquals("exporter", labels(exporter).get(Monitoring.LABEL));
            assertEquals(node, labels(exporter).get(Monitoring.LABEL_MONITORS));
            assertFalse(labels(exporter).containsKey("pg-cluster.node"), "an exporter is not a node");
            assertTrue(exporter.dependsOn().contains("pg-cluster-test-passwords"), "the monitoring role exists first");
        }
        var prometheus = container(stack, "pg-cluster-test-prometheus");
        assertEquals(List.of("/bin/prometheus"), prometheus.input("entrypoints"));
        assertEquals(9300, publishedPort(prometheus));
        ClusterConfig config = TestConfigs.config("test", "replicas", "2", "monitoring", "true", "monitoringPort", "9300",
                "synchronous", "any 1");
        assertEquals(MonitoringFiles.rules(config), upload(prometheus, "/etc/pg-cluster/alerts.rules.yml").get("content"));
        assertEquals(MonitoringFiles.targets(config), upload(prometheus, "/etc/pg-cluster/targets.json").get("content"));
        assertEquals("[]\n", upload(prometheus, "/etc/pg-cluster/targets-etcd.json").get("content"), "ha: none has no DCS to scrape");
        assertEquals(MonitoringFiles.prometheusConfig(config), upload(prometheus, "/etc/pg-cluster/prometheus.yml").get("content"));
        volume(stack, "pg-cluster-test-prometheus-data");
        assertEquals("http://127.0.0.1:9300", stack.outputValue("prometheusUrl"));
        assertEquals(Map.of("pg0", "http://127.0.0.1:9301/metrics", "pg1", "http://127.0.0.1:9302/metrics",
                "pg2", "http://127.0.0.1:9303/metrics"), stack.outputValue("exporterEndpoints"));
        assertFalse(stack.outputIsSecret("prometheusUrl"));
    }

    @Test
    void stagingAndProductionMonitorByDefaultAndDevelopmentDoesNot() {
        assertFalse(TestConfigs.shipped("dev").monitoring().enabled());
        assertTrue(TestConfigs.shipped("staging").monitoring().enabled());
        assertTrue(TestConfigs.shipped("prod").monitoring().enabled());
    }

    /**
     * Passwords travel only on the stdin of steps, as secrets; no container gets one; the server is
     * sent SCRAM verifiers, never a password; the replication password reaches only the conf steps,
     * which keep it in the password file on each node's volume.
     */
    @Test
    void noInputCarriesAPasswordInPlainText() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "2",
                "superuserPassword", SUPERUSER_PASSWORD, "replicationPassword", REPLICATION_PASSWORD,
                "appPassword", APP_PASSWORD, "monitoringPassword", MONITORING_PASSWORD));
        assertEquals(1, stack.ofType(COMMAND).stream()
                .filter(c -> "generate-password".equals(environment(c).get("PGC_STEP"))).count(),
                "configured passwords are not generated; the key of the verifiers' salts is");
        for (DeclaredResource resource : stack.resources()) {
            for (String text : resource.stringsOutsideSecrets()) {
                for (String password : List.of(SUPERUSER_PASSWORD, REPLICATION_PASSWORD, APP_PASSWORD, MONITORING_PASSWORD)) {
                    assertFalse(text.contains(password),
                            resource.name() + " carries a password in plain text: " + resource.secretInputs());
                }
            }
        }
        stack.ofType(CONTAINER).forEach(c -> assertEquals(List.of(), c.secretInputs(), c.name()));
        for (String node : List.of("pg0", "pg1", "pg2")) {
            var seed = command(stack, "pg-cluster-test-" + node + "-seed");
            assertEquals(List.of("stdin"), seed.secretInputs(), node);
            List<String> lines = seed.input("stdin").toString().lines().toList();
            assertEquals(SUPERUSER_PASSWORD, lines.get(0), "initdb takes the superuser's password itself");
            assertVerifierOf(REPLICATION_PASSWORD, lines.get(1));
            var conf = command(stack, "pg-cluster-test-" + node + "-conf");
            assertEquals(List.of("stdin"), conf.secretInputs(), node);
            assertEquals(REPLICATION_PASSWORD, conf.input("stdin").toString().lines().findFirst().orElseThrow(), node);
        }
        assertEquals(null, command(stack, "pg-cluster-test-primary").input("stdin"), "the primary step needs no password");
        var passwords = command(stack, "pg-cluster-test-passwords");
        assertEquals(List.of("stdin"), passwords.secretInputs());
        List<String> verifiers = passwords.input("stdin").toString().lines().toList();
        assertEquals(4, verifiers.size());
        assertVerifierOf(SUPERUSER_PASSWORD, verifiers.get(0));
        assertVerifierOf(REPLICATION_PASSWORD, verifiers.get(1));
        assertVerifierOf(APP_PASSWORD, verifiers.get(2));
        assertVerifierOf(MONITORING_PASSWORD, verifiers.get(3));
        for (String output : List.of("primaryConnectionString", "primaryJdbcUrl", "replicaConnectionStrings",
                "readOnlyConnectionString", "readOnlyJdbcUrl")) {
            assertTrue(String.valueOf(stack.outputValue(output)).contains(APP_PASSWORD), output);
            assertFalse(String.valueOf(stack.outputValue(output)).contains(SUPERUSER_PASSWORD), output);
        }
    }

    /**
     * A node's container holds no password, no init script and no role: the seed step
     * initialized its data, and should the volume ever be empty the image refuses to start
     * instead of creating a new, unrelated database.
     */
    @Test
    void nodeContainersGetNoPasswordsNoUploadsAndOnlyPgdata() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "2",
                "superuserPassword", SUPERUSER_PASSWORD, "replicationPassword", REPLICATION_PASSWORD));
        for (DeclaredResource c : stack.ofType(CONTAINER)) {
            assertEquals(List.of("PGDATA=/var/lib/postgresql/data/pgdata"), c.input("envs"), c.name());
            assertEquals(null, c.input("uploads"), c.name());
            assertFalse(labels(c).containsKey("pg-cluster.role"), c.name());
        }
    }

    /** The primary's seed makes a new cluster in a one-off container, never where a peer's volume holds one. */
    @Test
    void primarySeedInitializesANewClusterWithTheStacksAccessRules() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(2));
        var seed = command(stack, "pg-cluster-test-pg0-seed");
        Map<String, String> env = environment(seed);
        assertEquals("seed", env.get("PGC_STEP"));
        assertEquals("primary", env.get("PGC_ROLE"));
        assertEquals("pg0", env.get("PGC_NODE"));
        assertEquals("pg-cluster-test-pg0-data", env.get("PGC_VOLUME"));
        // The other nodes' volumes are found by label when the step runs: scaling must not change it.
        assertFalse(env.containsKey("PGC_PEER_VOLUMES"));
        assertEquals("postgres", env.get("PGC_DATABASE"));
        assertEquals("--auth-local=peer --auth-host=scram-sha-256 --data-checksums", env.get("PGC_INITDB_ARGS"));
        assertFalse(env.containsKey("PGC_HBA"), "pg_hba.conf is the conf step's, on every node");
        assertEquals(InitScripts.read(InitScripts.INIT_IN_CONTAINER), env.get("PGC_INIT_SCRIPT"));
        assertEquals(InitScripts.read(InitScripts.SEED), seed.input("create"));
        assertEquals(InitScripts.read(InitScripts.SEED_UPDATE), seed.input("update"));
        assertFalse(env.containsKey("PGC_BACKUP_SCRIPT"));
        assertFalse(env.containsKey("PGC_PRIMARY_HOST"));
    }

    @Test
    void generatedPasswordsAreSecretAndNeverLogged() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(1));
        var generators = stack.ofType(COMMAND).stream()
                .filter(c -> "generate-password".equals(environment(c).get("PGC_STEP"))).toList();
        assertEquals(5, generators.size(), "four passwords and the key of the verifiers' salts");
        for (DeclaredResource generator : generators) {
            assertEquals(List.of("stdout"), generator.additionalSecretOutputs());
            assertEquals("none", generator.input("logging"));
            assertEquals(InitScripts.read(InitScripts.GENERATE_PASSWORD), generator.input("create"));
            // Generation 1 (the default) has no trigger: stacks made before the key keep their passwords.
            assertEquals(null, generator.input("triggers"), generator.name());
        }
    }

    /** Raising passwordGeneration changes every generator's trigger (a replacement: new passwords). */
    @Test
    void raisingThePasswordGenerationGeneratesEveryUnsetPasswordAgain() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "1", "passwordGeneration", "2",
                "appPassword", APP_PASSWORD));
        var generators = stack.ofType(COMMAND).stream()
                .filter(c -> "generate-password".equals(environment(c).get("PGC_STEP"))).toList();
        assertEquals(4, generators.size(), "a configured password is not generated; the others and the salt key are");
        generators.forEach(g -> assertEquals(List.of(2), g.input("triggers"), g.name()));
        generators.forEach(g -> assertEquals(List.of("triggers"), g.replaceOnChanges(), g.name()));
    }

    @Test
    void standbySeedsFromItsOwnSlotOnThePrimaryWithItsNameAsApplicationName() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(2));
        for (String node : List.of("pg1", "pg2")) {
            var slot = command(stack, "pg-cluster-test-" + node + "-slot");
            var seed = command(stack, "pg-cluster-test-" + node + "-seed");
            assertEquals(node, environment(slot).get("PGC_SLOT"));
            assertEquals("pg-cluster-test-pg0", environment(slot).get("PGC_PRIMARY_CONTAINER"));
            assertEquals(InitScripts.read(InitScripts.CREATE_SLOT), slot.input("create"));
            assertEquals(InitScripts.read(InitScripts.DROP_SLOT), slot.input("delete"));
            assertEquals("false", environment(slot).get("PGC_KEEP_SLOT"), "dev volumes go, so do their slots");
            Map<String, String> env = environment(seed);
            assertEquals("replica", env.get("PGC_ROLE"));
            assertEquals(node, env.get("PGC_SLOT"));
            assertEquals(node, env.get("PGC_NODE"));
            assertEquals("pg-cluster-test-" + node + "-data", env.get("PGC_VOLUME"));
            assertEquals("pg-cluster-test-net", env.get("PGC_NETWORK"));
            assertEquals(StrictMocks.IMAGE_ID, env.get("PGC_IMAGE"));
            assertEquals("pg-cluster-test-pg0", env.get("PGC_PRIMARY_HOST"));
            assertEquals("5432", env.get("PGC_PRIMARY_PORT"));
            assertEquals("3", env.get("PGC_ATTEMPTS"));
            assertEquals(InitScripts.read(InitScripts.BASE_BACKUP_IN_CONTAINER), env.get("PGC_BACKUP_SCRIPT"));
            assertFalse(env.containsKey("PGC_INIT_SCRIPT"), "a standby never initializes a cluster");
            assertFalse(env.containsKey("PGC_PEER_VOLUMES"));
            assertEquals(InitScripts.read(InitScripts.SEED), seed.input("create"));
            assertEquals(InitScripts.read(InitScripts.SEED_UPDATE), seed.input("update"));
            assertEquals(List.of("pg-cluster-test-" + node + "-data"), seed.input("triggers"));
        }
    }

    /**
     * Whatever the role, a node is healthy once it accepts TCP connections on a cluster pg-cluster
     * initialized, a node that accepts writes only if pg-cluster made it the primary, and a standby
     * only while it streams; the grace before a standby that stopped
     * streaming counts as unhealthy is streamingGraceSeconds (checks every 2 s).
     */
    @Test
    void everyNodeIsHealthyOnlyOverTcpOnceInitCompletedAndAStandbyOnlyWhileItStreams() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(1));
        for (DeclaredResource node : stack.ofType(CONTAINER)) {
            @SuppressWarnings("unchecked")
            var health = (Map<String, Object>) node.input("healthcheck");
            assertEquals(List.of("CMD-SHELL", "test ! -e /var/lib/postgresql/data/pg-cluster-rewind.in-progress || { echo "
                    + "'pg-cluster: an interrupted pg_rewind left this node half-copied: seed it afresh (README: Troubleshooting)'; "
                    + "exit 1; }; pg_isready --host=127.0.0.1 --port=5432 --username=postgres --dbname=postgres "
                    + "--quiet || { echo 'pg-cluster: not accepting connections'; exit 1; }; "
                    + "test -f \"$PGDATA/pg-cluster-init.done\" || { echo 'pg-cluster: no cluster initialized by pg-cluster'; exit 1; }; "
                    + "test -f \"$PGDATA/standby.signal\" || [ \"$(cat /var/lib/postgresql/data/pg-cluster-role 2>/dev/null"
                    + " || echo primary)\" = primary ] || { echo 'pg-cluster: accepts writes, but pg-cluster made it a standby:"
                    + " it was promoted outside pg-cluster (README: Troubleshooting)'; exit 1; }; "
                    + "test ! -f \"$PGDATA/standby.signal\" || { s=$(runuser -u postgres -- "
                    + "env PGOPTIONS='-c search_path=pg_catalog,pg_temp' psql -X -q -A -t -d postgres "
                    + "-c 'SELECT status FROM pg_catalog.pg_stat_wal_receiver'); [ \"$s\" = streaming ] || { echo \"pg-cluster: a standby "
                    + "that does not stream (WAL receiver: ${s:-none})\"; exit 1; }; }"), health.get("tests"), node.name());
            assertEquals("2s", health.get("interval"), node.name());
            assertEquals(5, ((Number) health.get("retries")).intValue(), "10 s of grace by default: " + node.name());
            assertEquals("unless-stopped", node.input("restart"), node.name());
            assertEquals("SIGINT", node.input("stopSignal"), "a fast shutdown, whatever the image says: " + node.name());
        }
        var longer = DeclaredStack.of(TestConfigs.config("test", "replicas", "1", "streamingGraceSeconds", "31"));
        @SuppressWarnings("unchecked")
        var health = (Map<String, Object>) container(longer, "pg-cluster-test-pg1").input("healthcheck");
        assertEquals(16, ((Number) health.get("retries")).intValue(), "31 s of grace: 16 checks 2 s apart");
    }

    /**
     * The role is data: every node's container is the same but for the node's own name, port,
     * volume and network alias, so a switchover changes no container.
     */
    @ParameterizedTest
    @ValueSource(strings = {"pg0", "pg1", "pg2"})
    void everyNodeRunsTheSameContainerWhateverItsRole(String primary) {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "2", "primary", primary,
                "synchronous", "any 1"));
        var reference = roleNeutralPart(container(stack, "pg-cluster-test-pg0"));
        for (String node : List.of("pg1", "pg2")) {
            assertEquals(reference, roleNeutralPart(container(stack, "pg-cluster-test-" + node)), node);
        }
        assertEquals(List.of(Labels.PROJECT, Labels.STACK, Labels.NODE, Labels.ENVIRONMENT, Labels.PUBLISHED,
                        Labels.HEALTHCHECK, Labels.TMPFS, Labels.SEED).stream().sorted().toList(),
                labels(container(stack, "pg-cluster-test-pg1")).keySet().stream().sorted().toList());
    }

    /** Moving the primary leaves every container and volume as it was: nothing is replaced. */
    @Test
    void aSwitchoverChangesNoContainerAndNoVolume() {
        DeclaredStack before = DeclaredStack.of(TestConfigs.config("test", "replicas", "2", "primary", "pg0"));
        DeclaredStack after = DeclaredStack.of(TestConfigs.config("test", "replicas", "2", "primary", "pg1"));
        for (String node : List.of("pg0", "pg1", "pg2")) {
            String name = "pg-cluster-test-" + node;
            // Every input, the seed label too: it is the seed step's ID, which the step's update
            // (its role changed) keeps, so it is known in the switchover's preview.
            assertEquals(container(before, name).plainInputs(), container(after, name).plainInputs(), node);
            assertEquals(StrictMocks.id(name + "-seed"), labels(container(after, name)).get(Labels.SEED), node);
            assertEquals(volume(before, name + "-data").plainInputs(), volume(after, name + "-data").plainInputs(), node);
        }
    }

    /** {@code pg-cluster:primary = pg1}: pg1 is seeded as the primary, pg0 becomes a standby like any other. */
    @Test
    void theConfiguredPrimaryHasNoSlotAndNoConninfoStepAndEveryOtherNodeHasBoth() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "2", "primary", "pg1"));
        List<String> names = stack.names();
        assertFalse(names.contains("pg-cluster-test-pg1-slot"));
        assertFalse(names.contains("pg-cluster-test-pg1-conninfo"));
        for (String standby : List.of("pg0", "pg2")) {
            var slot = command(stack, "pg-cluster-test-" + standby + "-slot");
            assertEquals("pg-cluster-test-pg1", environment(slot).get("PGC_PRIMARY_CONTAINER"), standby);
            var conninfo = command(stack, "pg-cluster-test-" + standby + "-conninfo");
            assertEquals("pg-cluster-test-pg1", environment(conninfo).get("PGC_PRIMARY_HOST"), standby);
            var seed = environment(command(stack, "pg-cluster-test-" + standby + "-seed"));
            assertEquals("replica", seed.get("PGC_ROLE"), standby);
            assertEquals("pg-cluster-test-pg1", seed.get("PGC_PRIMARY_HOST"), standby);
        }
        var primarySeed = environment(command(stack, "pg-cluster-test-pg1-seed"));
        assertEquals("primary", primarySeed.get("PGC_ROLE"));
        assertEquals(List.of("pg-cluster-test-pg1-ready"), command(stack, "pg-cluster-test-primary").dependsOn());
        assertEquals("pg-cluster-test-pg1",
                environment(command(stack, "pg-cluster-test-passwords")).get("PGC_PRIMARY_CONTAINER"));
        assertEquals(List.of(), command(stack, "pg-cluster-test-pg1-seed").dependsOn(), "a new stack");
    }

    /** Ports belong to nodes, not roles: after a switchover the outputs point at the new primary's port. */
    @Test
    void connectionStringsFollowTheConfiguredPrimaryWhilePortsStayWithTheirNodes() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "2", "primary", "pg1",
                "primaryPort", "6000", "replicaPorts", "[6101, 6102]"));
        assertEquals(6000, publishedPort(container(stack, "pg-cluster-test-pg0")));
        assertEquals(6101, publishedPort(container(stack, "pg-cluster-test-pg1")));
        assertEquals(6102, publishedPort(container(stack, "pg-cluster-test-pg2")));
        String pw = StrictMocks.GENERATED_PASSWORD;
        assertEquals("pg1", stack.outputValue("primaryNode"));
        assertEquals("127.0.0.1", stack.outputValue("primaryHost"));
        assertEquals(6101, stack.outputValue("primaryPort"));
        assertEquals("postgresql://postgres_app:" + pw + "@127.0.0.1:6101/postgres?sslmode=verify-full",
                stack.outputValue("primaryConnectionString"));
        assertEquals("jdbc:postgresql://127.0.0.1:6101/postgres?user=postgres_app&password=" + pw + "&sslmode=verify-full",
                stack.outputValue("primaryJdbcUrl"));
        assertEquals(Map.of("pg0", "postgresql://postgres_app:" + pw + "@127.0.0.1:6000/postgres?sslmode=verify-full",
                "pg2", "postgresql://postgres_app:" + pw + "@127.0.0.1:6102/postgres?sslmode=verify-full"),
                stack.outputValue("replicaConnectionStrings"));
        assertEquals("postgresql://postgres_app:" + pw + "@127.0.0.1:6000,127.0.0.1:6102,127.0.0.1:6101/postgres"
                + "?target_session_attrs=prefer-standby&load_balance_hosts=random&sslmode=verify-full",
                stack.outputValue("readOnlyConnectionString"));
        assertEquals(List.of("pg0", "pg2"), stack.outputValue("replicationSlots"));
    }

    @Test
    void labelsCarryStackNodeEnvironmentSeedPortHealthCheckAndTmpfsButNoRole() {
        // The seed label is ha: none's: prod's shape on ha: none.
        DeclaredStack stack = DeclaredStack.of(TestConfigs.shippedOnHaNone("prod"));
        String health = "interval 2s, timeout 5s, retries 5, start period 0s, test sha256:b1e7f6ee2982bab8";
        String tmpfs = "/tmp rw,noexec,nosuid,nodev,size=64m; /var/run/postgresql rw,noexec,nosuid,nodev,size=1m";
        assertEquals(Map.of("pg-cluster.project", "pg-cluster", "pg-cluster.stack", "prod", "pg-cluster.node", "pg2",
                "pg-cluster.environment", "production", "pg-cluster.healthcheck", health, "pg-cluster.tmpfs", tmpfs,
                "pg-cluster.published", "127.0.0.1:35434->5432/tcp",
                "pg-cluster.seed", StrictMocks.id("pg-cluster-prod-pg2-seed")), labels(container(stack, "pg-cluster-prod-pg2")));
        assertEquals(Map.of("pg-cluster.project", "pg-cluster", "pg-cluster.stack", "prod", "pg-cluster.node", "pg0",
                "pg-cluster.environment", "production", "pg-cluster.healthcheck", health, "pg-cluster.tmpfs", tmpfs,
                "pg-cluster.published", "127.0.0.1:35432->5432/tcp",
                "pg-cluster.seed", StrictMocks.id("pg-cluster-prod-pg0-seed")), labels(container(stack, "pg-cluster-prod-pg0")));
    }

    /**
     * The docker provider 4.5.1 neither replaces nor updates a container whose health check or
     * tmpfs changed; labels do force a new container, and these two follow the declared inputs.
     */
    @Test
    @SuppressWarnings("unchecked")
    void aChangedHealthCheckOrTmpfsChangesALabelAndSoReachesDocker() {
        var grace10 = container(DeclaredStack.of(TestConfigs.config("test", "replicas", "1")), "pg-cluster-test-pg1");
        var grace31 = container(DeclaredStack.of(TestConfigs.config("test", "replicas", "1", "streamingGraceSeconds", "31")),
                "pg-cluster-test-pg1");
        assertFalse(grace10.input("healthcheck").equals(grace31.input("healthcheck")));
        assertFalse(labels(grace10).get(Labels.HEALTHCHECK).equals(labels(grace31).get(Labels.HEALTHCHECK)));
        for (var container : List.of(grace10, grace31)) {
            var health = (Map<String, Object>) container.input("healthcheck");
            assertTrue(labels(container).get(Labels.HEALTHCHECK).startsWith("interval " + health.get("interval")
                    + ", timeout " + health.get("timeout") + ", retries " + health.get("retries")
                    + ", start period " + health.get("startPeriod") + ", test sha256:"), labels(container).toString());
            var tmpfs = (Map<String, Object>) container.input("tmpfs");
            assertEquals(tmpfs.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.toSet()),
                    Set.of(labels(container).get(Labels.TMPFS).split("; ")));
        }
    }

    @Test
    void productionRetainsVolumesAndLimitsResources() {
        DeclaredStack prod = DeclaredStack.of(TestConfigs.shipped("prod"));
        prod.ofType(VOLUME).forEach(v -> assertTrue(v.retainOnDelete(), v.name() + ": data and metrics history stay"));
        postgresContainers(prod).forEach(c -> {
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
    void aReplacedVolumeGetsAFreshSeedAndAFreshContainerOnEveryNode() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(2));
        stack.resources().forEach(r -> assertEquals(List.of(), r.replaceWith(), r.name()));
        for (String node : List.of("pg0", "pg1", "pg2")) {
            String prefix = "pg-cluster-test-" + node;
            var seed = command(stack, prefix + "-seed");
            // force-new inputs fed by the volume's name and by the seed's output
            assertEquals(List.of(prefix + "-data"), seed.input("triggers"));
            assertEquals(List.of("triggers"), seed.replaceOnChanges());
            // the conf step too: the new volume gets its pg_hba.conf, key and CA certificates again
            var conf = command(stack, prefix + "-conf");
            assertEquals(List.of(prefix + "-data"), conf.input("triggers"));
            assertEquals(List.of("triggers"), conf.replaceOnChanges());
            assertEquals(InitScripts.read(InitScripts.SEED_UPDATE), seed.input("update"));
            // the container's seed label is the seed step's ID: new with every new step
            assertEquals(StrictMocks.id(prefix + "-seed"), labels(container(stack, prefix)).get(Labels.SEED));
        }
    }

    /**
     * A standby follows the primary with the replication password from the file its conf step
     * keeps: the conninfo step carries no password, and a new password changes the conf steps.
     */
    @Test
    void standbysReadTheReplicationPasswordFromTheirPasswordFile() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "2", "replicationPassword",
                REPLICATION_PASSWORD));
        assertTrue(InitScripts.read(InitScripts.COMMON).contains(
                "PGC_REPLICATION_PASSFILE=$PGC_CONF_DIR/" + PostgresNode.REPLICATION_PASSFILE.substring(PostgresNode.CONF_DIR.length() + 1) + "\n"));
        for (String node : List.of("pg1", "pg2")) {
            var step = command(stack, "pg-cluster-test-" + node + "-conninfo");
            assertEquals(List.of("pg-cluster-test-" + node + "-ready", "pg-cluster-test-primary", "pg-cluster-test-passwords"),
                    step.dependsOn());
            assertEquals(null, step.input("stdin"));
            assertEquals("replicator", environment(command(stack, "pg-cluster-test-" + node + "-conf")).get("PGC_REPLICATION_USER"));
            assertEquals(List.of("stdout", "stderr"), step.additionalSecretOutputs());
            assertEquals("pg-cluster-test-" + node, environment(step).get("PGC_REPLICA_CONTAINER"));
            assertEquals(node, environment(step).get("PGC_SLOT"));
            assertEquals("pg-cluster-test-pg0", environment(step).get("PGC_PRIMARY_HOST"));
            assertEquals(InitScripts.read(InitScripts.SYNC_CONNINFO), step.input("create"));
        }
    }

    @Test
    void retainedVolumesKeepTheirSlots() {
        // The slot steps are ha: none's (Patroni keeps its members' slots itself).
        DeclaredStack stack = DeclaredStack.of(TestConfigs.shippedOnHaNone("prod"));
        for (String node : List.of("pg1", "pg2", "pg3")) {
            assertEquals("true", environment(command(stack, "pg-cluster-prod-" + node + "-slot")).get("PGC_KEEP_SLOT"));
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
    void passwordStepSetsEveryRoleOnThePrimaryFromStdinAndKeepsItsOutputSecret() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "superuserPassword", SUPERUSER_PASSWORD,
                "replicationPassword", REPLICATION_PASSWORD, "appPassword", APP_PASSWORD,
                "monitoringPassword", MONITORING_PASSWORD, "database", "orders", "monitoringUser", "metrics"));
        var step = command(stack, "pg-cluster-test-passwords");
        assertTrue(step.inputIsSecret("stdin"));
        List<String> verifiers = step.input("stdin").toString().lines().toList();
        assertVerifierOf(SUPERUSER_PASSWORD, verifiers.get(0));
        assertVerifierOf(REPLICATION_PASSWORD, verifiers.get(1));
        assertVerifierOf(APP_PASSWORD, verifiers.get(2));
        assertVerifierOf(MONITORING_PASSWORD, verifiers.get(3));
        assertEquals(List.of("stdout", "stderr"), step.additionalSecretOutputs());
        assertEquals("pg-cluster-test-pg0", environment(step).get("PGC_PRIMARY_CONTAINER"));
        assertEquals("replicator", environment(step).get("PGC_REPLICATION_USER"));
        assertEquals("orders", environment(step).get("PGC_DATABASE"));
        assertEquals("orders_app", environment(step).get("PGC_APP_USER"));
        assertEquals("metrics", environment(step).get("PGC_MONITORING_USER"));
        assertEquals(InitScripts.read(InitScripts.SYNC_PASSWORDS), step.input("create"));
    }

    /**
     * The primary step is told the configured primary and whether data may be lost; not the list of
     * nodes (it finds their containers by label), so scaling does not run it.
     */
    @Test
    void primaryStepIsToldWhichNodeToMakeTheOneWritablePrimary() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "3", "primary", "pg2",
                "superuserPassword", SUPERUSER_PASSWORD, "replicationPassword", REPLICATION_PASSWORD,
                "healthTimeoutSeconds", "90"));
        var step = command(stack, "pg-cluster-test-primary");
        Map<String, String> env = environment(step);
        assertEquals("primary", env.get("PGC_STEP"));
        assertEquals("pg2", env.get("PGC_PRIMARY"));
        assertFalse(env.containsKey("PGC_NODES"), "scaling must not change the primary step");
        assertEquals("", env.get("PGC_ACCEPT_DATA_LOSS"));
        assertEquals("0", env.get("PGC_READ_MAX_LAG_BYTES"), "no read-lag bound unless configured");
        assertEquals(String.valueOf(64L << 20), environment(command(DeclaredStack.of(TestConfigs.config("test", "replicas", "1",
                "readMaxLag", "64MB")), "pg-cluster-test-primary")).get("PGC_READ_MAX_LAG_BYTES"));
        assertEquals("pg-cluster-test", env.get("PGC_NAME_PREFIX"));
        assertEquals("pg-cluster-test-net", env.get("PGC_NETWORK"));
        assertEquals("sha256:" + "0".repeat(64), env.get("PGC_IMAGE"));
        assertEquals("5432", env.get("PGC_PRIMARY_PORT"));
        assertEquals("replicator", env.get("PGC_REPLICATION_USER"));
        assertEquals(String.valueOf(16 * 1024 * 1024), env.get("PGC_MAX_LAG_BYTES"));
        assertEquals("90", env.get("PGC_TIMEOUT_SECONDS"));
        assertEquals(InitScripts.read(InitScripts.REJOIN_IN_CONTAINER), env.get("PGC_REJOIN_SCRIPT"));
        assertEquals("unix:///var/run/docker.sock", env.get("DOCKER_HOST"));
        assertFalse(env.containsKey("PGC_FOUND"), "nothing found on a new stack");
        assertEquals(InitScripts.readJoined(InitScripts.CLUSTER_SCHEMA, InitScripts.CONVERGE), step.input("create"));
        assertEquals(List.of(), step.secretInputs());
        assertEquals(null, step.input("stdin"), "standbys and pg_rewind read the replication password file");
        assertEquals("stdoutAndStderr", step.input("logging"));
        assertEquals(List.of("pg-cluster-test-pg2-ready"), step.dependsOn());
        // An unchanged cluster leaves the step unchanged, whatever an earlier run found.
        assertEquals(List.of("environment.PGC_FOUND"), step.ignoreChanges());

        var lossAccepted = DeclaredStack.of(TestConfigs.config("test", "replicas", "3", "acceptDataLoss", "pg3@0/5000060,pg2@unknown:0/5000000"));
        assertEquals("pg2@unknown:0/5000000 pg3@0/5000060",
                environment(command(lossAccepted, "pg-cluster-test-primary")).get("PGC_ACCEPT_DATA_LOSS"));
    }

    /** What the probe found differing from config reaches the primary step, which then runs. */
    @Test
    void aClusterNotAsConfiguredIsHandedToThePrimaryStep() {
        ClusterConfig config = TestConfigs.config("test", "replicas", "2", "primary", "pg1");
        var primary = new NodeState("pg0", "running", Optional.of(new NodeState.Server(false, 1, "", "0/3000000",
                Map.of("pg1", "streaming 0", "pg2", "streaming 0"))));
        DeclaredStack stack = DeclaredStack.of(config, c -> List.of(
                primary, standby("pg1", "pg-cluster-test-pg0"), standby("pg2", "pg-cluster-test-pg0")));
        var step = command(stack, "pg-cluster-test-primary");
        String found = environment(step).get("PGC_FOUND");
        assertTrue(found.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ: switchover: pg0 is the primary, pg1 is a"
                        + " standby 0 bytes behind"),
                found);
        assertEquals(List.of(), step.ignoreChanges(), "a new finding must change the step so that it runs");
    }

    /** A cluster config does not describe (here a node promoted by hand) is refused before anything is declared. */
    @Test
    void nothingIsDeclaredForAClusterTheProgramMustNotResolveOnItsOwn() {
        ClusterConfig config = TestConfigs.config("test", "replicas", "1");
        Throwable refused = DeclaredStack.refused(config, c -> List.of(
                new NodeState("pg0", "exited", Optional.empty()), writable("pg1", 2)));
        assertInstanceOf(ClusterStateException.class, refused);
        assertTrue(refused.getMessage().contains("pulumi config set pg-cluster:primary pg1"), refused.getMessage());
    }

    private static NodeState writable(String node, int timeline) {
        return new NodeState(node, "running", Optional.of(new NodeState.Server(false, timeline, "")));
    }

    private static NodeState standby(String node, String follows) {
        return new NodeState(node, "running", Optional.of(new NodeState.Server(true, 0, follows)));
    }

    /**
     * What a container publishes is never taken from a refresh (the docker provider 4.5.1 reads a
     * stopped container's ports back empty, and ports force a new container): every container
     * that publishes a port has changes to its ports ignored and carries the declared binding as
     * a label, which a changed port changes, so the change still forces a new container.
     */
    @Test
    void portsAreIgnoredForDiffsAndCarriedByALabelOnEveryPublishingContainer() {
        ClusterConfig config = TestConfigs.config("test", "replicas", "2", "primaryPort", "6000",
                "replicaPorts", "[6101, 6102]", "monitoring", "true", "monitoringPort", "29090");
        DeclaredStack stack = DeclaredStack.of(config);
        var containers = stack.ofType(CONTAINER);
        assertEquals(7, containers.size(), "3 nodes, 3 exporters, Prometheus");
        for (var container : containers) {
            assertEquals(List.of("ports"), container.ignoreChanges(), container.name());
            @SuppressWarnings("unchecked")
            var port = ((List<Map<String, Object>>) container.input("ports")).get(0);
            assertEquals(port.get("ip") + ":" + port.get("external") + "->" + port.get("internal") + "/tcp",
                    labels(container).get(Labels.PUBLISHED), container.name());
        }
        assertEquals("127.0.0.1:6101->5432/tcp", labels(container(stack, "pg-cluster-test-pg1")).get(Labels.PUBLISHED));
        assertEquals("127.0.0.1:29090->9090/tcp", labels(container(stack, "pg-cluster-test-prometheus")).get(Labels.PUBLISHED));

        DeclaredStack moved = DeclaredStack.of(TestConfigs.config("test", "replicas", "2", "primaryPort", "6000",
                "replicaPorts", "[6101, 6199]", "monitoring", "true", "monitoringPort", "29091"));
        assertEquals("127.0.0.1:6199->5432/tcp", labels(container(moved, "pg-cluster-test-pg2")).get(Labels.PUBLISHED));
        assertEquals(labels(container(stack, "pg-cluster-test-pg1")), labels(container(moved, "pg-cluster-test-pg1")),
                "an unchanged port leaves the label as it was");
        assertEquals("127.0.0.1:29091->9090/tcp", labels(container(moved, "pg-cluster-test-prometheus")).get(Labels.PUBLISHED));
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
        for (String step : List.of("pg-cluster-test-pg0-seed", "pg-cluster-test-pg0-ready", "pg-cluster-test-primary",
                "pg-cluster-test-passwords", "pg-cluster-test-pg1-slot", "pg-cluster-test-pg1-seed",
                "pg-cluster-test-pg1-ready", "pg-cluster-test-pg1-conninfo")) {
            assertEquals("ssh://ops@db-host-1", environment(command(stack, step)).get("DOCKER_HOST"), step);
        }
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

    /**
     * A stack made before nodes were role-neutral is updated in place: every resource that moved
     * names its old URN (under {@code PrimaryNode}, {@code ReplicaNode} or {@code ReplicaBootstrap}).
     */
    @Test
    void everyMovedResourceKeepsItsOldUrnAsAnAlias() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(1));
        String cluster = "urn:pulumi:test::pg-cluster::pgcluster:index:PostgresCluster$";
        String primaryNode = cluster + "pgcluster:index:PrimaryNode$";
        String replicaNode = cluster + "pgcluster:index:ReplicaNode$";
        String bootstrap = replicaNode + "pgcluster:index:ReplicaBootstrap$";
        // And ha: patroni's URNs of the same volume, container and slot step (a switch of modes).
        String patroniMember = cluster + "pgcluster:index:PatroniMember$";
        for (String node : List.of("pg0", "pg1")) {
            String name = "pg-cluster-test-" + node;
            assertEquals(List.of("type pgcluster:index:PrimaryNode", "type pgcluster:index:ReplicaNode"),
                    node(stack, name).aliases());
            assertEquals(List.of(primaryNode + VOLUME + "::" + name + "-data", replicaNode + VOLUME + "::" + name + "-data",
                    patroniMember + VOLUME + "::" + name + "-data"), volume(stack, name + "-data").aliases());
            assertEquals(List.of(primaryNode + CONTAINER + "::" + name, replicaNode + CONTAINER + "::" + name,
                    patroniMember + CONTAINER + "::" + name), container(stack, name).aliases());
            assertEquals(List.of(primaryNode + COMMAND + "::" + name + "-ready", replicaNode + COMMAND + "::" + name + "-ready"),
                    command(stack, name + "-ready").aliases());
            assertEquals(List.of(bootstrap + COMMAND + "::" + name + "-bootstrap-base-backup"),
                    command(stack, name + "-seed").aliases());
        }
        assertEquals(List.of(bootstrap + COMMAND + "::pg-cluster-test-pg1-bootstrap-slot",
                patroniMember + COMMAND + "::pg-cluster-test-pg1-slot"), command(stack, "pg-cluster-test-pg1-slot").aliases());
        assertEquals(List.of(primaryNode + COMMAND + "::pg-cluster-test-pg1-conninfo",
                replicaNode + COMMAND + "::pg-cluster-test-pg1-conninfo"),
                command(stack, "pg-cluster-test-pg1-conninfo").aliases());
        assertEquals(List.of(primaryNode + COMMAND + "::pg-cluster-test-pg0-passwords"),
                command(stack, "pg-cluster-test-passwords").aliases());
        assertEquals(List.of(), command(stack, "pg-cluster-test-primary").aliases(), "a new step");
    }

    /** The URN format Pulumi gives a child: the parents' types without the root stack's, joined by {@code $}. */
    @Test
    void legacyUrnsFollowPulumisFormat() {
        ClusterConfig config = TestConfigs.config("staging");
        assertEquals("urn:pulumi:staging::pg-cluster::pgcluster:index:PostgresCluster$pgcluster:index:ReplicaNode"
                        + "$pgcluster:index:ReplicaBootstrap$command:local:Command::pg-cluster-staging-pg1-bootstrap-slot",
                LegacyUrns.urn(config, List.of(LegacyUrns.CLUSTER, LegacyUrns.REPLICA_NODE, LegacyUrns.REPLICA_BOOTSTRAP,
                        COMMAND), "pg-cluster-staging-pg1-bootstrap-slot"));
        assertEquals("urn:pulumi:staging::pg-cluster::pgcluster:index:PostgresCluster::pg-cluster-staging",
                LegacyUrns.urn(config, List.of(LegacyUrns.CLUSTER), "pg-cluster-staging"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, List<String>> capabilities(DeclaredResource container) {
        return (Map<String, List<String>>) container.input("capabilities");
    }

    /**
     * A node keeps only the capabilities its entrypoint and health check need as root (README,
     * "Security defaults"); a Patroni or etcd member (staging and production) runs as its own user
     * and keeps none. Each gains none through exec, and writes nowhere but its volume and bounded
     * in-memory directories: /tmp, and the socket directory where PostgreSQL runs.
     */
    @ParameterizedTest
    @ValueSource(strings = {"dev", "staging", "prod"})
    void nodeContainersDropEveryCapabilityButTheEntrypointsAndRunOnAReadOnlyRoot(String stackName) {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.shipped(stackName));
        for (DeclaredResource c : nodeContainers(stack)) {
            boolean haMember = labels(c).containsKey(Labels.HA_MEMBER);
            assertEquals(haMember ? Map.of("drops", List.of("ALL"))
                    : Map.of("drops", List.of("ALL"), "adds", List.of("CAP_CHOWN", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
                            "CAP_SETGID", "CAP_SETUID")),
                    capabilities(c), c.name());
            assertEquals(List.of("no-new-privileges:true"), c.input("securityOpts"), c.name());
            assertEquals(true, c.input("readOnly"), c.name());
            @SuppressWarnings("unchecked")
            var tmpfs = (Map<String, String>) c.input("tmpfs");
            assertEquals(isEtcdMember(c) ? Set.of("/tmp") : Set.of("/tmp", "/var/run/postgresql"), tmpfs.keySet(), c.name());
            tmpfs.forEach((path, options) -> {
                var flags = List.of(options.split(","));
                assertTrue(flags.containsAll(List.of("noexec", "nosuid", "nodev")), path + ": " + options);
                assertTrue(flags.stream().anyMatch(f -> f.matches("size=\\d+[km]")), path + " is bounded: " + options);
            });
        }
    }

    /**
     * The exporter and Prometheus need no capability at all and gain none. Their root stays
     * writable: the provider uploads their files through "/", which Docker refuses on a
     * read-only root.
     */
    @Test
    void monitoringContainersRunWithoutCapabilitiesAndCannotGainAny() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "1", "monitoring", "true"));
        var monitoring = stack.ofType(CONTAINER).stream().filter(c -> labels(c).containsKey(Monitoring.LABEL)).toList();
        assertEquals(3, monitoring.size(), "two exporters and Prometheus");
        for (DeclaredResource c : monitoring) {
            assertEquals(Map.of("drops", List.of("ALL")), capabilities(c), c.name());
            assertEquals(List.of("no-new-privileges:true"), c.input("securityOpts"), c.name());
            assertEquals(null, c.input("readOnly"), c.name() + ": its uploads need a writable root");
        }
    }

    /** Every node logs each connection with who, to which database, from where and with what. */
    @Test
    void everyNodeLogsConnectionsWithTheUserDatabaseClientAndApplication() {
        DeclaredStack stack = DeclaredStack.of(withReplicas(1));
        for (DeclaredResource c : nodeContainers(stack)) {
            List<String> args = serverArgs(c);
            assertTrue(args.contains("log_connections=on"), c.name() + ": " + args);
            String prefix = args.stream().filter(a -> a.startsWith("log_line_prefix=")).findFirst()
                    .orElseThrow(() -> new AssertionError(c.name() + " sets no log_line_prefix: " + args));
            for (String escape : List.of("%m", "%p", "%u", "%d", "%h", "%a")) {
                assertTrue(prefix.contains(escape), prefix + " lacks " + escape);
            }
            assertEquals("-c", args.get(args.indexOf(prefix) - 1), "one argument, spaces and all");
        }
    }
}
