package dev.pgcluster.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.testing.DeclaredResource;
import dev.pgcluster.testing.DeclaredStack;
import dev.pgcluster.testing.TestConfigs;
import dev.pgcluster.testing.TestHosts;
import dev.pgcluster.topology.ClusterProbe;
import dev.pgcluster.topology.NodeState;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the program declares for nodes on several Docker hosts ({@code dockerHosts} and
 * {@code placement}), under strict mocks: a provider, a network and an image per host, each
 * node's objects and steps on its own host, and nodes that reach each other at their host's address.
 */
class SeveralHostsDeclarationTest {
    private static final String PROVIDER = "pulumi:providers:docker";
    private static final String CONTAINER = "docker:index/container:Container";
    private static final String VOLUME = "docker:index/volume:Volume";
    private static final String NETWORK = "docker:index/network:Network";
    private static final String IMAGE = "docker:index/remoteImage:RemoteImage";
    private static final String COMMAND = "command:local:Command";
    private static final String PREFIX = "pg-cluster-test";
    /** Host → its endpoint and address, as TestHosts.threeTlsHosts places pg0, pg1 and pg2 on them. */
    private static final Map<String, String> ENDPOINTS = Map.of(
            "h1", TestHosts.H1_ENDPOINT, "h2", TestHosts.H2_ENDPOINT, "h3", TestHosts.H3_ENDPOINT);
    private static final Map<String, String> ADDRESSES = Map.of("h1", "10.0.0.11", "h2", "10.0.0.12", "h3", "10.0.0.13");
    private static final Map<String, String> HOST_OF = Map.of("pg0", "h1", "pg1", "h2", "pg2", "h3");

    @TempDir
    Path certs;

    private ClusterConfig threeHosts() {
        return TestConfigs.read("test", TestHosts.threeTlsHosts(certs));
    }

    private String certPath(String host) {
        return certs.resolve(host).toString();
    }

    private static DeclaredResource named(DeclaredStack stack, String type, String name) {
        return stack.find(r -> r.type().equals(type) && r.name().equals(name), "no " + type + " " + name);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> environment(DeclaredResource command) {
        return (Map<String, String>) command.input("environment");
    }

    private static Map<String, String> step(DeclaredStack stack, String name) {
        return environment(named(stack, COMMAND, PREFIX + "-" + name));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> publishedPort(DeclaredResource container) {
        var ports = (List<Map<String, Object>>) container.input("ports");
        assertEquals(1, ports.size(), container.name());
        return ports.get(0);
    }

    /** The TLS files are given by path: no key reaches the provider's inputs, and so none the stack's state. */
    @Test
    void eachHostGetsAProviderOfItsOwnVerifiedWithItsClientFilesByPath() {
        DeclaredStack stack = DeclaredStack.of(threeHosts());
        assertEquals(3, stack.ofType(PROVIDER).size());
        for (String host : List.of("h1", "h2", "h3")) {
            var provider = named(stack, PROVIDER, PREFIX + "-docker-" + host);
            assertEquals(ENDPOINTS.get(host), provider.input("host"), host);
            assertEquals(certPath(host), provider.input("certPath"), host);
            for (String material : List.of("caMaterial", "certMaterial", "keyMaterial")) {
                assertNull(provider.input(material), host + " " + material);
            }
        }
    }

    /** The nodes of each host join their host's network; one name everywhere, so the scripts need not know the host. */
    @Test
    void eachHostHasTheClusterNetworkUnderTheSameDockerName() {
        DeclaredStack stack = DeclaredStack.of(threeHosts());
        var networks = stack.ofType(NETWORK);
        assertEquals(3, networks.size());
        assertEquals(Set.of(PREFIX + "-net"), networks.stream().map(n -> n.input("name")).collect(Collectors.toSet()));
        assertEquals(Optional.of(PREFIX + "-docker-h1"), named(stack, NETWORK, PREFIX + "-net").provider());
        assertEquals(Optional.of(PREFIX + "-docker-h2"), named(stack, NETWORK, PREFIX + "-net-h2").provider());
        assertEquals(Optional.of(PREFIX + "-docker-h3"), named(stack, NETWORK, PREFIX + "-net-h3").provider());
        networks.forEach(n -> assertEquals("bridge", n.input("driver"), n.name()));
        networks.forEach(n -> assertNull(n.input("attachable"), "a bridge as before swarmOverlay: " + n.name()));
        assertEquals(Set.of(PREFIX + "-docker-h1", PREFIX + "-docker-h2", PREFIX + "-docker-h3"), stack.ofType(IMAGE)
                .stream().map(i -> i.provider().orElseThrow()).collect(Collectors.toSet()), "the image is pulled on each host");
    }

    @Test
    void eachNodesContainerAndVolumeAreOnItsHostAndItsPortIsPublishedOnTheHostsAddress() {
        DeclaredStack stack = DeclaredStack.of(threeHosts());
        int port = TestHosts.PRIMARY_PORT;
        for (String node : List.of("pg0", "pg1", "pg2")) {
            String host = HOST_OF.get(node);
            var container = named(stack, CONTAINER, PREFIX + "-" + node);
            assertEquals(Optional.of(PREFIX + "-docker-" + host), container.provider(), node);
            assertEquals(Optional.of(PREFIX + "-docker-" + host), named(stack, VOLUME, PREFIX + "-" + node + "-data")
                    .provider(), node);
            assertEquals(ADDRESSES.get(host), publishedPort(container).get("ip"), node);
            assertEquals(port++, ((Number) publishedPort(container).get("external")).intValue(), node);
        }
    }

    /** A step's docker CLI talks to one engine, verified against that engine's CA: never the caller's settings. */
    @Test
    void everyStepThatTalksToAHostUsesThatHostsClientFilesAndVerifiesIt() {
        DeclaredStack stack = DeclaredStack.of(threeHosts());
        var certPathOf = new LinkedHashMap<String, String>();
        ENDPOINTS.forEach((host, endpoint) -> certPathOf.put(endpoint, certPath(host)));
        var steps = stack.ofType(COMMAND).stream().filter(c -> environment(c).containsKey("DOCKER_HOST")).toList();
        assertFalse(steps.isEmpty());
        var hostsUsed = new HashSet<String>();
        for (DeclaredResource step : steps) {
            Map<String, String> env = environment(step);
            String endpoint = env.get("DOCKER_HOST");
            assertTrue(certPathOf.containsKey(endpoint), step.name() + " talks to " + endpoint);
            assertEquals(certPathOf.get(endpoint), env.get("DOCKER_CERT_PATH"), step.name());
            assertEquals("1", env.get("DOCKER_TLS_VERIFY"), step.name());
            hostsUsed.add(endpoint);
        }
        assertEquals(certPathOf.keySet(), hostsUsed, "every host has steps");
        for (String node : List.of("pg0", "pg1", "pg2")) {
            for (String kind : List.of("conf", "seed", "ready")) {
                assertEquals(ENDPOINTS.get(HOST_OF.get(node)), step(stack, node + "-" + kind).get("DOCKER_HOST"),
                        node + "-" + kind + " acts on the node's own host");
            }
        }
    }

    /** A standby's slot is made on the primary: its step acts on the primary's host, not the standby's. */
    @Test
    void aStandbysSlotStepTalksToThePrimarysHost() {
        DeclaredStack stack = DeclaredStack.of(threeHosts());
        for (String standby : List.of("pg1", "pg2")) {
            Map<String, String> slot = step(stack, standby + "-slot");
            assertEquals(TestHosts.H1_ENDPOINT, slot.get("DOCKER_HOST"), standby);
            assertEquals(certPath("h1"), slot.get("DOCKER_CERT_PATH"), standby);
            assertEquals(PREFIX + "-pg0", slot.get("PGC_PRIMARY_CONTAINER"), standby);
        }
    }

    /** The base backup reaches the primary's server over the network, at its host's address and published port. */
    @Test
    void aStandbySeedsFromThePrimarysHostAddressAndPublishedPortAndKnowsEveryNodesHost() {
        ClusterConfig config = threeHosts();
        DeclaredStack stack = DeclaredStack.of(config);
        for (String standby : List.of("pg1", "pg2")) {
            Map<String, String> seed = step(stack, standby + "-seed");
            assertEquals("10.0.0.11", seed.get("PGC_PRIMARY_HOST"), standby);
            assertEquals(String.valueOf(TestHosts.PRIMARY_PORT), seed.get("PGC_PRIMARY_PORT"), standby);
            assertEquals("pg0", seed.get("PGC_PRIMARY_NODE"), standby);
            assertEquals(PREFIX + "-pg0", seed.get("PGC_PRIMARY_CONTAINER"), standby);
            assertEquals("pg0 " + TestHosts.H1_ENDPOINT + " " + certPath("h1") + "\n"
                    + "pg1 " + TestHosts.H2_ENDPOINT + " " + certPath("h2") + "\n"
                    + "pg2 " + TestHosts.H3_ENDPOINT + " " + certPath("h3"), seed.get("PGC_NODE_DOCKER"), standby);
            assertEquals("pg0 10.0.0.11 6000\npg1 10.0.0.12 6001\npg2 10.0.0.13 6002", seed.get("PGC_NODE_ENDPOINTS"));
            Map<String, String> conninfo = step(stack, standby + "-conninfo");
            assertEquals("10.0.0.11", conninfo.get("PGC_PRIMARY_HOST"), standby);
            assertEquals(String.valueOf(TestHosts.PRIMARY_PORT), conninfo.get("PGC_PRIMARY_PORT"), standby);
        }
        Map<String, String> primaryStep = step(stack, "primary");
        assertEquals(Placement.nodeDockerTable(config).orElseThrow(), primaryStep.get("PGC_NODE_DOCKER"));
        assertEquals(Placement.nodeEndpointTable(config).orElseThrow(), primaryStep.get("PGC_NODE_ENDPOINTS"));
    }

    /** Across hosts replication comes from the other hosts' addresses (Docker masquerades): those, and no wider. */
    @Test
    void everyNodeLetsTheReplicationRoleInFromEachHostsAddressOverTlsOnly() {
        DeclaredStack stack = DeclaredStack.of(threeHosts());
        var rules = new HashSet<String>();
        for (String node : List.of("pg0", "pg1", "pg2")) {
            rules.add(step(stack, node + "-conf").get("PGC_HBA"));
        }
        assertEquals(1, rules.size(), "the same rules on every node: a switchover changes none");
        String hba = rules.iterator().next();
        for (String address : ADDRESSES.values()) {
            assertTrue(hba.lines().anyMatch(l -> l.matches("hostssl replication  replicator +" + address.replace(".", "\\.")
                    + "/32 +scram-sha-256")), address + " in\n" + hba);
            assertTrue(hba.lines().anyMatch(l -> l.matches("hostssl postgres +replicator +" + address.replace(".", "\\.")
                    + "/32 +scram-sha-256")), "pg_rewind's reads from " + address + " in\n" + hba);
        }
        assertFalse(hba.contains("0.0.0.0"), hba);
        assertFalse(hba.lines().anyMatch(l -> l.startsWith("host ")), "nothing without TLS:\n" + hba);
    }

    /** Existing stacks see no change: on one host no step gets the node tables, and nodes meet by container name. */
    @Test
    void onOneHostNoStepGetsTheNodeTables() {
        var oneNamedHost = new LinkedHashMap<>(TestHosts.threeTlsHosts(certs));
        oneNamedHost.put("placement", TestHosts.json(Map.of("pg0", "h2", "pg1", "h2", "pg2", "h2")));
        for (ClusterConfig config : List.of(TestConfigs.config("test", "replicas", "2"),
                TestConfigs.config("test", "replicas", "2", "dockerHost", "ssh://ops@db-host-1"),
                TestConfigs.read("test", oneNamedHost))) {
            DeclaredStack stack = DeclaredStack.of(config);
            String which = config.nodes().get(0).dockerHost().orElse("the default host");
            for (DeclaredResource command : stack.ofType(COMMAND)) {
                Map<String, String> env = environment(command);
                assertFalse(env.containsKey("PGC_NODE_DOCKER"), which + ": " + command.name());
                assertFalse(env.containsKey("PGC_NODE_ENDPOINTS"), which + ": " + command.name());
            }
            assertEquals(PREFIX + "-pg0", step(stack, "pg1-seed").get("PGC_PRIMARY_HOST"), which);
            assertEquals("5432", step(stack, "pg1-seed").get("PGC_PRIMARY_PORT"), which);
            assertEquals(1, stack.ofType(NETWORK).size(), which);
            assertFalse(step(stack, "pg0-conf").get("PGC_HBA").contains("/32         scram-sha-256"), which);
        }
    }

    /** All nodes on one host of dockerHosts: that host's provider and address, its TLS files for every step. */
    @Test
    void allNodesOnOneHostOfDockerHostsUseThatHostsProviderAddressAndClientFiles() {
        var values = new LinkedHashMap<>(TestHosts.threeTlsHosts(certs));
        values.put("placement", TestHosts.json(Map.of("pg0", "h2", "pg1", "h2", "pg2", "h2")));
        DeclaredStack stack = DeclaredStack.of(TestConfigs.read("test", values));
        assertEquals(List.of(PREFIX + "-docker-h2"), stack.ofType(PROVIDER).stream().map(DeclaredResource::name).toList());
        for (DeclaredResource container : stack.ofType(CONTAINER)) {
            assertEquals(Optional.of(PREFIX + "-docker-h2"), container.provider(), container.name());
            assertEquals("10.0.0.12", publishedPort(container).get("ip"), container.name());
        }
        stack.ofType(COMMAND).stream().map(SeveralHostsDeclarationTest::environment)
                .filter(env -> env.containsKey("DOCKER_HOST"))
                .forEach(env -> {
                    assertEquals(TestHosts.H2_ENDPOINT, env.get("DOCKER_HOST"), env.get("PGC_STEP"));
                    assertEquals(certPath("h2"), env.get("DOCKER_CERT_PATH"), env.get("PGC_STEP"));
                    assertEquals("1", env.get("DOCKER_TLS_VERIFY"), env.get("PGC_STEP"));
                });
    }

    /** pg0's host h1 lost (lostHosts), pg1 configured as the primary, images not pulled, monitoring on. */
    private DeclaredStack failoverWithoutH1() {
        var values = new LinkedHashMap<>(TestHosts.threeTlsHosts(certs));
        values.put("primary", "pg1");
        values.put("lostHosts", "h1");
        values.put("pullImage", "false");
        values.put("monitoring", "true");
        ClusterConfig config = TestConfigs.read("test", values);
        return DeclaredStack.of(config, new ClusterProbe() {
            @Override
            public List<NodeState> observe(ClusterConfig c) {
                var standby = new NodeState.Server(true, 0, ADDRESSES.get("h1"), "0/3000060", Map.of());
                return List.of(new NodeState("pg0", "unreachable", Optional.empty()),
                        new NodeState("pg1", "running", Optional.of(standby)),
                        new NodeState("pg2", "running", Optional.of(standby)));
            }

            @Override
            public Optional<String> imageOf(ClusterConfig c, String node) {
                assertFalse(node.equals("pg0"), "pg0's host is lost: never asked");
                return Optional.of(KEPT_IMAGE);
            }
        });
    }

    private static final String KEPT_IMAGE = "sha256:" + "2".repeat(64);

    /**
     * A lost host (issue 22, test 3): every resource on it, docker object or step, keeps what state
     * has (every input ignored), so neither its provider nor a step reaches it; the copies of images
     * from it are kept too; nothing is looked up through it; nothing else is kept that way.
     */
    @Test
    void onALostHostEveryResourceKeepsWhatStateHasAndNothingAsksIt() {
        DeclaredStack stack = failoverWithoutH1();
        String h1Provider = PREFIX + "-docker-h1";
        int onH1 = 0;
        for (DeclaredResource resource : stack.resources()) {
            boolean there = resource.provider().map(p -> p.contains(h1Provider)).orElse(false)
                    || resource.type().equals(COMMAND) && ENDPOINTS.get("h1").equals(environment(resource).get("DOCKER_HOST"));
            // The copies from pg0's host (image IDs) and pg1's slot step from when it followed pg0.
            boolean fromThere = resource.type().equals(COMMAND)
                    && (resource.name().matches(PREFIX + "-(exporter-|prometheus-)?image-h[23]")
                    || resource.name().equals(PREFIX + "-pg1-slot"));
            if (there || fromThere) {
                onH1++;
                assertEquals(List.of("*"), resource.ignoreChanges(), resource.type() + " " + resource.name());
            } else {
                assertFalse(resource.ignoreChanges().contains("*"), resource.type() + " " + resource.name());
            }
        }
        // On h1: the provider's image lookup is none (not pulled); pg0's volume, container and exporter,
        // Prometheus and its volume, the network; pg0's conf, seed, readiness and hand-over steps, the
        // CA step. From it: the image copies to h2 and h3 (cluster, exporter). pg1's slot step.
        assertEquals(11 + 4 + 1, onH1, "resources kept as state has them");
        assertEquals(List.of(), stack.calls(), "no image is looked up: the first node's host is lost");
        assertTrue(stack.resources().stream().noneMatch(r -> r.name().equals(PREFIX + "-pg0-conninfo")),
                "pg0's conninfo step would run on h1: not declared while h1 is lost");
        var keptSlot = environment(named(stack, COMMAND, PREFIX + "-pg1-slot"));
        assertEquals("true", keptSlot.get("PGC_KEEP_SLOT"), "made anew (not in state), it does nothing");
        var primaryStep = step(stack, "primary");
        assertEquals("pg0", primaryStep.get("PGC_LOST_NODES"));
        assertEquals(KEPT_IMAGE, primaryStep.get("PGC_IMAGE"), "the image ID the nodes on h2 and h3 run");
        assertTrue(primaryStep.get("PGC_FOUND").contains("failover: no node accepts writes, pg1 is a standby"),
                primaryStep.get("PGC_FOUND"));
        // pg0's slot on pg1, for its rejoin later, is made on pg1's host.
        assertEquals(ENDPOINTS.get("h2"), step(stack, "pg0-slot").get("DOCKER_HOST"));
    }

    /** A probe for runs refused before the nodes' roles are looked at: asking for them fails the test. */
    private abstract static class RefusedBeforeRoles implements ClusterProbe {
        @Override
        public List<NodeState> observe(ClusterConfig config) {
            throw new AssertionError("refused before the roles are looked at");
        }
    }

    /** Removing a node while a host is lost: its slot's drop would run on the old primary there. */
    @Test
    void scalingDownWhileAHostIsLostIsRefused() {
        var values = new LinkedHashMap<>(TestHosts.threeTlsHosts(certs));
        values.put("replicas", "1");
        values.put("placement", TestHosts.json(Map.of("pg0", "h1", "pg1", "h2")));
        values.put("primary", "pg1");
        values.put("lostHosts", "h1");
        Throwable refusal = DeclaredStack.refused(TestConfigs.read("test", values), new RefusedBeforeRoles() {
            @Override
            public List<String> stackNodes(ClusterConfig c) {
                return List.of("pg0", "pg1", "pg2");
            }
        });
        assertTrue(refusal.getMessage().contains("pg-cluster:lostHosts is set, and config no longer names pg2"),
                refusal.getMessage());
    }

    /** A host config calls lost that answers: a run without it would skip fencing its old primary. */
    @Test
    void aLostHostThatAnswersIsRefusedBeforeAnythingIsDeclared() {
        var values = new LinkedHashMap<>(TestHosts.threeTlsHosts(certs));
        values.put("primary", "pg1");
        values.put("lostHosts", "h1");
        ClusterConfig config = TestConfigs.read("test", values);
        Throwable refusal = DeclaredStack.refused(config, new RefusedBeforeRoles() {
            @Override
            public List<String> answeringLostHosts(ClusterConfig c) {
                return List.of("pg-cluster:lostHosts names h1 (" + ENDPOINTS.get("h1") + "), which answers");
            }
        });
        assertTrue(refusal.getMessage().startsWith("pg-cluster: pg-cluster:lostHosts names h1 (" + ENDPOINTS.get("h1")
                + "), which answers. Nothing was declared: a run without a host that answers would skip fencing"),
                refusal.getMessage());
        assertTrue(refusal.getMessage().contains("pulumi config rm pg-cluster:lostHosts"), refusal.getMessage());
    }

    /**
     * swarmOverlay: one attachable overlay network, made through the first node's host (a swarm
     * manager); the nodes on every host join it and meet by container name, as on one host; replication
     * is let in from its subnet, not from host addresses; the steps still talk to each node's host.
     */
    @Test
    void onASwarmOverlayOneAttachableNetworkJoinsEveryHostAndNodesMeetByName() {
        var values = new LinkedHashMap<>(TestHosts.threeTlsHosts(certs));
        values.put("swarmOverlay", "true");
        values.put("monitoring", "true");
        ClusterConfig config = TestConfigs.read("test", values);
        DeclaredStack stack = DeclaredStack.of(config);
        var overlay = named(stack, NETWORK, PREFIX + "-net");
        assertEquals(1, stack.ofType(NETWORK).size(), "one network for every host");
        assertEquals("overlay", overlay.input("driver"));
        assertEquals(Boolean.TRUE, overlay.input("attachable"));
        assertEquals(Optional.of(PREFIX + "-docker-h1"), overlay.provider());
        for (String node : List.of("pg0", "pg1", "pg2")) {
            var container = named(stack, CONTAINER, PREFIX + "-" + node);
            assertEquals(Optional.of(PREFIX + "-docker-" + HOST_OF.get(node)), container.provider(), node);
            @SuppressWarnings("unchecked")
            var networks = (List<Map<String, Object>>) container.input("networksAdvanced");
            assertEquals(PREFIX + "-net", networks.get(0).get("name"), node);
            // Clients still reach each node where its host publishes it.
            assertEquals(ADDRESSES.get(HOST_OF.get(node)), publishedPort(container).get("ip"), node);
        }
        for (DeclaredResource command : stack.ofType(COMMAND)) {
            assertFalse(environment(command).containsKey("PGC_NODE_ENDPOINTS"), command.name());
        }
        assertEquals(PREFIX + "-pg0", step(stack, "pg1-seed").get("PGC_PRIMARY_HOST"));
        assertEquals("5432", step(stack, "pg1-seed").get("PGC_PRIMARY_PORT"));
        assertTrue(step(stack, "pg1-seed").containsKey("PGC_NODE_DOCKER"), "each node's docker calls go to its host");
        String hba = step(stack, "pg0-conf").get("PGC_HBA");
        ADDRESSES.values().forEach(address -> assertFalse(hba.contains(address), address + " in\n" + hba));
        assertTrue(hba.lines().anyMatch(l -> l.matches("hostssl replication +replicator +"
                + config.subnet().cidr().replace(".", "\\.") + " +scram-sha-256")), hba);
        assertTrue(config.peerHost("pg0").equals(PREFIX + "-pg0") && config.peerPort("pg0") == 5432);
    }
}

