package dev.pgcluster.mode.patroni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.testing.DeclaredResource;
import dev.pgcluster.testing.DeclaredStack;
import dev.pgcluster.testing.TestConfigs;
import dev.pgcluster.testing.TestProbes;
import dev.pgcluster.topology.ClusterProbe;
import dev.pgcluster.topology.NodeState;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What {@code ha: patroni} declares, checked over the resource graph under strict mocks. */
class PatroniDeclarationTest {
    private static final String CONTAINER = "docker:index/container:Container";
    private static final String COMMAND = "command:local:Command";
    private static final String REPLICATION_PASSWORD = "replication-password-for-tests";
    private static final String APP_PASSWORD = "app-password-for-tests";
    /** The inputs of a member's container that name the member itself. */
    private static final Set<String> MEMBER_IDENTITY = Set.of("name", "hostname", "ports", "volumes", "networksAdvanced",
            "labels");

    private static ClusterConfig patroni(String... extra) {
        var values = new HashMap<String, String>(Map.of("replicas", "2", "ha", "patroni", "synchronous", "any 1",
                "pullImage", "false", "image", "pg-cluster-test/postgres:17", "etcdImage", "pg-cluster-test/postgres:17",
                "replicationPassword", REPLICATION_PASSWORD, "appPassword", APP_PASSWORD));
        for (int i = 0; i < extra.length; i += 2) {
            values.put(extra[i], extra[i + 1]);
        }
        return TestConfigs.read("test", values);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> environment(DeclaredResource command) {
        return (Map<String, String>) command.input("environment");
    }

    private static List<DeclaredResource> steps(DeclaredStack stack, String kind) {
        return stack.ofType(COMMAND).stream().filter(c -> kind.equals(environment(c).get("PGC_STEP"))).toList();
    }

    @Test
    void declaresThreeEtcdMembersAndOnePatroniMemberPerNodeAndNoStepOfModeNone() {
        var stack = DeclaredStack.of(patroni());
        assertEquals(List.of("pg-cluster-test-etcd0", "pg-cluster-test-etcd1", "pg-cluster-test-etcd2"),
                stack.ofType(EtcdMember.TYPE).stream().map(DeclaredResource::name).sorted().toList());
        assertEquals(List.of("pg-cluster-test-pg0", "pg-cluster-test-pg1", "pg-cluster-test-pg2"),
                stack.ofType(PatroniMember.TYPE).stream().map(DeclaredResource::name).sorted().toList());
        for (String kind : List.of("seed", "primary", "conninfo", "handover")) {
            assertEquals(List.of(), steps(stack, kind), "no " + kind + " step: Patroni owns it");
        }
        // A slot step per member that only reports (it takes ha: none's over on a switch of modes):
        // no delete, nothing run on a server.
        var slots = steps(stack, "replication-slot");
        assertEquals(3, slots.size());
        for (DeclaredResource slot : slots) {
            assertEquals(null, slot.input("delete"), slot.name());
            assertTrue(String.valueOf(slot.input("create")).startsWith("echo "), slot.name());
            assertEquals(List.of("urn:pulumi:test::pg-cluster::pgcluster:index:PostgresCluster$pgcluster:index:PostgresNode$"
                    + COMMAND + "::" + slot.name()), slot.aliases());
        }
        assertEquals(1, steps(stack, "dcs-config").size());
        assertEquals(1, steps(stack, "passwords").size());
        assertEquals(List.of(), steps(stack, "leader"), "no preferred leader, no leader step");
    }

    /**
     * A setting that needs a restart: the dcs-config step restarts the members (the leader too)
     * after its PATCH, so the roles step, which works on the leader, waits for it; and the read
     * gate of ha: none is made by the roles step with the stack's bound.
     */
    @Test
    void theRolesStepRunsAfterTheDcsConfigurationAndMakesTheReadGate() {
        var stack = DeclaredStack.of(patroni("maxConnections", "150", "readMaxLag", "64MB"));
        var dcsConfig = steps(stack, "dcs-config").get(0);
        var roles = steps(stack, "passwords").get(0);
        assertTrue(roles.dependsOn().contains(dcsConfig.name()), roles.dependsOn().toString());
        assertEquals(String.valueOf(64L << 20), environment(roles).get("PGC_READ_MAX_LAG_BYTES"));
        // One session: the application database is made before pg-cluster's schema connects to it.
        String script = String.valueOf(roles.input("create"));
        String leader = script.substring(script.lastIndexOf("export PGC_PRIMARY_CONTAINER"),
                script.indexOf("echo \"pg-cluster: $PGC_PRIMARY_CONTAINER leads\""));
        int database = leader.indexOf("CREATE DATABASE");
        assertTrue(database >= 0 && database < leader.indexOf("pgc_cluster_schema_sql \"$PGC_DATABASE\""), leader);
        assertEquals(1, leader.split("pgc_psql", -1).length - 1, "one session: " + leader);
        assertEquals(dev.pgcluster.cluster.PostgresNode.PGDATA, environment(dcsConfig).get("PGC_PGDATA"));
        var parameters = JsonParser.parseString(environment(dcsConfig).get("PGC_DCS_CONFIG")).getAsJsonObject()
                .getAsJsonObject("postgresql").getAsJsonObject("parameters");
        assertEquals("150", parameters.get("max_connections").getAsString());
        // Unset, PostgreSQL's default, named: PATCH /config keeps a key it is not sent.
        var unset = JsonParser.parseString(PatroniFiles.dynamicConfigJson(patroni("synchronous", "off"))).getAsJsonObject()
                .getAsJsonObject("postgresql").getAsJsonObject("parameters");
        assertEquals("100", unset.get("max_connections").getAsString());
        assertEquals("on", unset.get("synchronous_commit").getAsString(), "synchronous off: back to PostgreSQL's default");
        assertFalse(dev.pgcluster.cluster.ServerSettings.forNode(patroni("maxConnections", "150")).containsKey("max_connections"),
                "ha: none's server arguments never name it");
    }

    @Test
    void everyMemberIsDeclaredTheSameWayButForItsName() {
        var stack = DeclaredStack.of(patroni());
        var members = stack.ofType(CONTAINER).stream().filter(c -> c.name().matches("pg-cluster-test-pg\\d")).toList();
        assertEquals(3, members.size());
        Map<String, Object> first = members.get(0).plainInputs().entrySet().stream()
                .filter(e -> !MEMBER_IDENTITY.contains(e.getKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        for (DeclaredResource member : members) {
            assertEquals(first, member.plainInputs().entrySet().stream()
                    .filter(e -> !MEMBER_IDENTITY.contains(e.getKey()))
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), member.name());
            assertEquals(List.of("patroni"), member.input("entrypoints"));
            assertEquals("postgres", member.input("user"));
        }
    }

    @Test
    void noPasswordOutsideSecretsAndTheSecretsFileOnlyOnStdin() {
        var stack = DeclaredStack.of(patroni());
        for (DeclaredResource resource : stack.resources()) {
            for (String text : resource.stringsOutsideSecrets()) {
                assertFalse(text.contains(REPLICATION_PASSWORD) || text.contains(APP_PASSWORD),
                        resource.name() + " carries a password in plain text");
            }
        }
        for (DeclaredResource conf : steps(stack, "member-conf")) {
            assertEquals(List.of("stdin"), conf.secretInputs(), conf.name());
        }
        var pg1 = stack.find(r -> r.name().equals("pg-cluster-test-pg1-member-conf"), "no member-conf of pg1");
        String stdin = pg1.input("stdin").toString();
        String secrets = stdin.substring(0, stdin.indexOf("# pg-cluster: end of secrets"));
        var json = JsonParser.parseString(secrets).getAsJsonObject();
        assertEquals(REPLICATION_PASSWORD, json.getAsJsonObject("postgresql").getAsJsonObject("authentication")
                .getAsJsonObject("replication").get("password").getAsString());
    }

    @Test
    void quorumCommitIsPatronisQuorumModeAndFirstIsItsSynchronousMode() {
        var any = JsonParser.parseString(PatroniFiles.dynamicConfigJson(patroni())).getAsJsonObject();
        assertEquals("quorum", any.get("synchronous_mode").getAsString());
        assertEquals(1, any.get("synchronous_node_count").getAsInt());
        var first = JsonParser.parseString(PatroniFiles.dynamicConfigJson(patroni("synchronous", "first 2")))
                .getAsJsonObject();
        assertTrue(first.get("synchronous_mode").getAsBoolean());
        assertEquals(2, first.get("synchronous_node_count").getAsInt());
        var off = JsonParser.parseString(PatroniFiles.dynamicConfigJson(patroni("synchronous", "off")))
                .getAsJsonObject();
        assertFalse(off.get("synchronous_mode").getAsBoolean());
        var parameters = any.getAsJsonObject("postgresql").getAsJsonObject("parameters");
        assertFalse(parameters.has("synchronous_standby_names"), "Patroni manages it");
        assertFalse(parameters.has("listen_addresses"), "Patroni sets it from postgresql.listen");
        assertEquals("on", parameters.get("ssl").getAsString());
        assertEquals("/var/lib/postgresql/data/conf/pg_hba.conf", parameters.get("hba_file").getAsString(),
                "the conf step's pg_hba.conf, as in ha: none");
    }

    @Test
    void theControlPlaneRequiresClientCertificatesEverywhere() {
        ClusterConfig config = patroni();
        var member = JsonParser.parseString(PatroniFiles.memberConfig(config, "pg0").lines()
                .filter(l -> !l.startsWith("#")).collect(Collectors.joining("\n"))).getAsJsonObject();
        assertEquals("required", member.getAsJsonObject("restapi").get("verify_client").getAsString());
        assertEquals("https", member.getAsJsonObject("etcd3").get("protocol").getAsString());
        assertFalse(PatroniFiles.memberConfig(config, "pg0").matches("(?s).*\"password\"\\s*:.*"),
                "no password in the member's config");
        var etcd = JsonParser.parseString(PatroniFiles.etcdConfig(config, "etcd1")).getAsJsonObject();
        for (String side : List.of("client-transport-security", "peer-transport-security")) {
            assertTrue(etcd.getAsJsonObject(side).get("client-cert-auth").getAsBoolean(), side);
        }
        assertEquals("etcd0=https://pg-cluster-test-etcd0:2380,etcd1=https://pg-cluster-test-etcd1:2380,"
                + "etcd2=https://pg-cluster-test-etcd2:2380", etcd.get("initial-cluster").getAsString());
    }

    /** etcd serves /metrics on a plain-HTTP listener of its own, reached on the cluster network only. */
    @Test
    void etcdServesItsMetricsOverPlainHttpOnItsOwnUnpublishedPort() {
        ClusterConfig config = patroni();
        var etcd = JsonParser.parseString(PatroniFiles.etcdConfig(config, "etcd1")).getAsJsonObject();
        assertEquals("http://0.0.0.0:2381", etcd.get("listen-metrics-urls").getAsString());
        assertEquals("https://0.0.0.0:2379", etcd.get("listen-client-urls").getAsString(), "keys stay behind TLS");
        var stack = DeclaredStack.of(config);
        for (String member : config.ha().dcsMemberNames()) {
            var container = stack.find(r -> r.type().equals(CONTAINER) && r.name().equals("pg-cluster-test-" + member),
                    "no container of " + member);
            assertNull(container.input("ports"), member + " publishes no port");
        }
    }

    /** With monitoring, Prometheus scrapes every etcd member by its alias on the network the members are on. */
    @Test
    void withMonitoringPrometheusScrapesEveryEtcdMember() {
        ClusterConfig config = patroni("monitoring", "true");
        var stack = DeclaredStack.of(config);
        var prometheus = stack.find(r -> r.type().equals(CONTAINER) && r.name().equals("pg-cluster-test-prometheus"),
                "no Prometheus");
        @SuppressWarnings("unchecked")
        var uploads = (List<Map<String, Object>>) prometheus.input("uploads");
        Object targets = uploads.stream().filter(u -> u.get("file").equals("/etc/pg-cluster/targets-etcd.json"))
                .findFirst().orElseThrow().get("content");
        var entries = JsonParser.parseString(targets.toString()).getAsJsonArray();
        assertEquals(3, entries.size());
        for (int i = 0; i < 3; i++) {
            var entry = entries.get(i).getAsJsonObject();
            assertEquals("etcd" + i + ":2381", entry.getAsJsonArray("targets").get(0).getAsString());
            assertEquals("pg-cluster-test", entry.getAsJsonObject("labels").get("cluster").getAsString());
            assertEquals("etcd" + i, entry.getAsJsonObject("labels").get("member").getAsString());
            String member = "pg-cluster-test-etcd" + i;
            var etcd = stack.find(r -> r.type().equals(CONTAINER) && r.name().equals(member), "no " + member);
            assertEquals(networks(prometheus).get(0).get("name"), networks(etcd).get(0).get("name"),
                    "Prometheus is on the members' network");
            assertTrue(networks(etcd).get(0).get("aliases").toString().contains("etcd" + i), "the target is the member's alias");
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> networks(DeclaredResource container) {
        return (List<Map<String, Object>>) container.input("networksAdvanced");
    }

    @Test
    void writeStringsListEveryNodeAndAskForAReadWriteSessionPreferredLeaderFirst() {
        var stack = DeclaredStack.of(patroni("primary", "pg2"));
        String uri = stack.outputValue("primaryConnectionString").toString();
        assertEquals("postgresql://postgres_app:" + APP_PASSWORD + "@127.0.0.1:5434,127.0.0.1:5432,127.0.0.1:5433/postgres"
                + "?target_session_attrs=read-write&sslmode=verify-full", uri, "every node, the preferred leader first");
        assertTrue(stack.outputIsSecret("primaryConnectionString"));
        assertFalse(stack.hasOutput("primaryNode"), "no node is the primary in state: Patroni elects it");
        assertEquals(1, steps(stack, "leader").size(), "a preferred leader has its step");
        assertEquals("pg2", environment(steps(stack, "leader").get(0)).get("PGC_PREFERRED"));
    }

    /** A probe of a stack whose nodes exist with the given ha-member labels. */
    private static ClusterProbe nodesLabelled(String label) {
        return new ClusterProbe() {
            @Override
            public List<NodeState> observe(ClusterConfig config) {
                return ClusterProbe.NONE.observe(config);
            }

            @Override
            public Map<String, String> haMembers(ClusterConfig config) {
                // Sorted by node, as DockerProbe returns them (Map.of's order changes from run to run).
                return new TreeMap<>(Map.of("pg0", label, "pg1", label, "pg2", label));
            }
        };
    }

    /**
     * A probe of running nodes labelled {@code label} (those in {@code labelled}, every node when none
     * is named), of which {@code writable} accepts writes and the others stream from it.
     */
    private static ClusterProbe running(String label, String writable, String... labelled) {
        return new ClusterProbe() {
            @Override
            public List<NodeState> observe(ClusterConfig config) {
                return config.nodeNames().stream().map(n -> new NodeState(n, "running",
                        java.util.Optional.of(new NodeState.Server(!n.equals(writable), 2,
                                n.equals(writable) ? "" : config.containerName(writable))))).toList();
            }

            @Override
            public Map<String, String> haMembers(ClusterConfig config) {
                var members = new TreeMap<String, String>();
                for (String node : labelled.length == 0 ? new String[] {"pg0", "pg1", "pg2"} : labelled) {
                    members.put(node, label);
                }
                return members;
            }
        };
    }

    /** {@code base}'s answers, but for what a test overrides. */
    private static class Over implements ClusterProbe {
        private final ClusterProbe base;

        Over(ClusterProbe base) {
            this.base = base;
        }

        @Override
        public List<NodeState> observe(ClusterConfig config) {
            return base.observe(config);
        }

        @Override
        public Map<String, String> haMembers(ClusterConfig config) {
            return base.haMembers(config);
        }

        @Override
        public List<String> stackNodes(ClusterConfig config) {
            return base.stackNodes(config);
        }

        @Override
        public List<String> existingVolumes(ClusterConfig config, List<String> names) {
            return base.existingVolumes(config, names);
        }

        @Override
        public java.util.Optional<String> exec(ClusterConfig config, String node, String... command) {
            return base.exec(config, node, command);
        }
    }

    /** A switch from ha: none: the primary becomes the first member (Patroni takes its data over), the others follow. */
    @Test
    void aSwitchFromNoneStartsWithThePrimaryAsTheFirstMember() {
        var stack = DeclaredStack.of(patroni(), running("", "pg1"));
        assertFalse(containerDependencies(stack, "pg1").stream().anyMatch(d -> d.matches(".*-pg\\d+-ready")),
                "the primary pg1 first: " + containerDependencies(stack, "pg1"));
        assertTrue(containerDependencies(stack, "pg0").contains("pg-cluster-test-pg1-ready"), containerDependencies(stack, "pg0").toString());
        assertTrue(containerDependencies(stack, "pg2").contains("pg-cluster-test-pg0-ready"), containerDependencies(stack, "pg2").toString());
    }

    @Test
    void aSwitchNeedsTheOneNodeThatAcceptsWritesAndEveryNode() {
        Throwable none = DeclaredStack.refused(patroni(), nodesLabelled(""));
        assertEquals("pg-cluster: pg-cluster:ha = \"patroni\", and the nodes pg0, pg1, pg2 run ha: none: a switch starts from "
                + "the one node that accepts writes, and none does. Make one node the primary in ha: none first (README: "
                + "Switching modes). Nothing was changed.", none.getMessage());
        ClusterProbe fourNodes = new Over(running("", "pg0")) {

            @Override
            public List<String> stackNodes(ClusterConfig config) {
                return List.of("pg0", "pg1", "pg2", "pg3");
            }
        };
        Throwable extra = DeclaredStack.refused(patroni(), fourNodes);
        assertEquals("pg-cluster: pg-cluster:ha = \"patroni\", and the nodes pg0, pg1, pg2 run ha: none, and the stack runs pg3 "
                + "too, which config no longer names: a switch of modes keeps the nodes the stack has (a node left out would go "
                + "on running ha: none). Switch with pg-cluster:replicas as it runs, then scale in a run of its own. Nothing was "
                + "changed.", extra.getMessage());
    }

    @Test
    void aSwitchBackToNoneKeepsTheLeaderAsThePrimary() {
        ClusterConfig none = TestConfigs.config("test", "replicas", "2");
        Throwable refused = DeclaredStack.refused(none, running(PatroniMember.HA_LABEL, "pg2"));
        assertEquals("pg-cluster: pg-cluster:ha = \"none\", and the nodes pg0, pg1, pg2 run ha: patroni: pg2 leads, and the "
                + "switch to ha: none keeps the leader as the primary, but pg-cluster:primary is pg0. Run: pulumi config set "
                + "pg-cluster:primary pg2. Nothing was changed.", refused.getMessage());
    }

    /** A plain standby that is stopped may hold commits the primary lacks: no switch until ha: none converged. */
    @Test
    void aSwitchToPatroniNeedsEveryOtherNodeStreamingFromThePrimary() {
        ClusterProbe pg2Stopped = new Over(running("", "pg0")) {
            @Override
            public List<NodeState> observe(ClusterConfig config) {
                return super.observe(config).stream()
                        .map(s -> s.node().equals("pg2") ? new NodeState("pg2", "exited", s.server()) : s).toList();
            }
        };
        Throwable refused = DeclaredStack.refused(patroni(), pg2Stopped);
        assertTrue(refused.getMessage().contains("pg2 is exited, not a running standby of pg0. A switch starts from a cluster "
                + "ha: none has converged"), refused.getMessage());
    }

    /** A switch to patroni that stopped halfway (no node writable, pg1 a member already) goes on from pg1. */
    @Test
    void aSwitchToPatroniThatStoppedHalfwayGoesOnFromTheNodesItReached() {
        ClusterProbe halfway = new ClusterProbe() {
            @Override
            public List<NodeState> observe(ClusterConfig config) {
                return config.nodeNames().stream().map(n -> new NodeState(n, "running",
                        java.util.Optional.of(new NodeState.Server(true, 2, "pg-cluster-test-pg1")))).toList();
            }

            @Override
            public Map<String, String> haMembers(ClusterConfig config) {
                return new TreeMap<>(Map.of("pg0", "", "pg1", PatroniMember.HA_LABEL, "pg2", ""));
            }
        };
        var stack = DeclaredStack.of(patroni(), halfway);
        assertFalse(containerDependencies(stack, "pg1").stream().anyMatch(d -> d.matches(".*-pg\\d+-ready")),
                "pg1 first: " + containerDependencies(stack, "pg1"));
        assertTrue(containerDependencies(stack, "pg0").contains("pg-cluster-test-pg1-ready"));
    }

    /** etcd volumes kept from an earlier ha: patroni hold a stale DCS: a switch to patroni is refused until they are removed. */
    @Test
    void aSwitchToPatroniRefusesEtcdVolumesKeptFromAnEarlierDcs() {
        ClusterProbe kept = new Over(running("", "pg0")) {

            @Override
            public List<String> existingVolumes(ClusterConfig config, List<String> names) {
                return names;
            }
        };
        Throwable refused = DeclaredStack.refused(patroni(), kept);
        assertTrue(refused.getMessage().contains("the volumes pg-cluster-test-etcd0-data, pg-cluster-test-etcd1-data, "
                + "pg-cluster-test-etcd2-data hold the DCS of an earlier ha: patroni"), refused.getMessage());
    }

    /** Back to none: a paused member, or Patroni in maintenance mode, would have its server killed by the stop: refused. */
    @Test
    void aSwitchBackToNoneRefusesAPausedMemberOrPatroniInMaintenanceMode() {
        ClusterConfig none = TestConfigs.config("test", "replicas", "2");
        ClusterProbe pausedMember = new Over(running(PatroniMember.HA_LABEL, "pg0")) {
            @Override
            public List<NodeState> observe(ClusterConfig config) {
                return super.observe(config).stream()
                        .map(s -> s.node().equals("pg1") ? new NodeState("pg1", "paused", s.server()) : s).toList();
            }
        };
        assertTrue(DeclaredStack.refused(none, pausedMember).getMessage().contains("pg1's container is paused: stopping it would "
                + "kill its server"));
        ClusterProbe maintenance = new Over(running(PatroniMember.HA_LABEL, "pg0")) {

            @Override
            public java.util.Optional<String> exec(ClusterConfig config, String node, String... command) {
                return java.util.Optional.of("loop_wait: 5\npause: true\nttl: 20\n");
            }
        };
        assertTrue(DeclaredStack.refused(none, maintenance).getMessage().contains("Patroni is in maintenance mode (paused)"));
    }

    /**
     * A DCS value changed by hand (patronictl edit-config): the dcs-config step gets a new input
     * naming what differs, so preview shows it and pulumi up sets it back. What Patroni adds
     * (pause) is not compared. As declared, that input is ignored: the step is unchanged.
     */
    @Test
    void aHandEditOfTheDcsConfigurationMakesTheDcsConfigStepRunAgain() {
        ClusterConfig config = patroni();
        var declared = JsonParser.parseString(PatroniFiles.dynamicConfigJson(config)).getAsJsonObject();
        var edited = declared.deepCopy();
        edited.addProperty("ttl", 30);
        edited.addProperty("pause", true);
        var asked = new java.util.ArrayList<String>();
        ClusterProbe asDeclared = new Over(running(PatroniMember.HA_LABEL, "pg1")) {
            @Override
            public java.util.Optional<String> exec(ClusterConfig c, String node, String... command) {
                asked.add(node);
                return java.util.Optional.of(declared.toString());
            }
        };
        ClusterProbe handEdited = new Over(running(PatroniMember.HA_LABEL, "pg1")) {
            @Override
            public java.util.Optional<String> exec(ClusterConfig c, String node, String... command) {
                return java.util.Optional.of(edited.toString());
            }
        };
        var same = steps(DeclaredStack.of(config, asDeclared), "dcs-config").get(0);
        assertEquals(List.of("pg1"), asked, "the leader's REST API is asked");
        assertNull(environment(same).get("PGC_DRIFT"));
        assertEquals(List.of("environment.PGC_DRIFT"), same.ignoreChanges());
        var drifted = steps(DeclaredStack.of(config, handEdited), "dcs-config").get(0);
        assertTrue(environment(drifted).get("PGC_DRIFT").endsWith(": /ttl = 30 (declared 20)"), environment(drifted).toString());
        assertEquals(List.of(), drifted.ignoreChanges());
    }

    /** etcd's static membership: a changed dcsMembers on a stack whose DCS runs is refused before anything is declared. */
    @Test
    void aChangedNumberOfDcsMembersIsRefusedWhileTheDcsRuns() {
        String made = "ustar\0" + PatroniFiles.etcdConfig(patroni(), "etcd0") + "\0\0";
        assertEquals(List.of("etcd0", "etcd1", "etcd2"), PatroniFiles.initialClusterMembers(made));
        ClusterProbe probe = membersMadeWith(made, "");
        Throwable refused = DeclaredStack.refused(patroni("dcsMembers", "5"), probe);
        assertEquals("pg-cluster: pg-cluster:dcsMembers = 5, but the stack's DCS was made with 3 etcd members (etcd0, etcd1, "
                + "etcd2), and pulumi up cannot change etcd's membership yet (README: Automatic failover, Not built yet). Set "
                + "pg-cluster:dcsMembers back to 3. Nothing was changed.", refused.getMessage());
        assertEquals(3, DeclaredStack.of(patroni(), probe).ofType(EtcdMember.TYPE).size(), "the same membership: declared");
    }

    /**
     * The same etcd members at other peer addresses (across hosts, a host's address changed in
     * dockerHosts): refused before anything is declared, naming both; etcd's members know each
     * other by the addresses they were made with.
     */
    @Test
    void etcdMembersAtOtherPeerAddressesAreRefusedWhileTheDcsRuns() {
        String made = "ustar\0" + PatroniFiles.etcdConfig(patroni(), "etcd0").replace("pg-cluster-test-etcd1:2380",
                "10.0.0.99:2380") + "\0\0";
        assertTrue(made.contains("etcd1=https://10.0.0.99:2380"), made);
        Throwable refused = DeclaredStack.refused(patroni(), membersMadeWith(made, ""));
        assertTrue(refused.getMessage().startsWith("pg-cluster: the stack's DCS was made with etcd's peers at "
                + "etcd0=https://pg-cluster-test-etcd0:2380,etcd1=https://10.0.0.99:2380,etcd2=https://pg-cluster-test-etcd2:2380"
                + ", and config puts them at etcd0=https://pg-cluster-test-etcd0:2380,etcd1=https://pg-cluster-test-etcd1:2380,"
                + "etcd2=https://pg-cluster-test-etcd2:2380 (an address in pg-cluster:dockerHosts, pg-cluster:etcdPorts or "
                + "pg-cluster:patroniApiPort changed)"), refused.getMessage());
        assertTrue(refused.getMessage().endsWith("Set them back. Nothing was changed."), refused.getMessage());
    }

    /**
     * A running DCS whose members were made with these files: an etcd member's configuration and
     * a Patroni member's ("" for none), as docker cp gives them (inside a tar stream).
     */
    private static ClusterProbe membersMadeWith(String etcdFile, String patroniFile) {
        return new ClusterProbe() {
            @Override
            public List<NodeState> observe(ClusterConfig config) {
                return ClusterProbe.NONE.observe(config);
            }

            @Override
            public java.util.Optional<String> fileOfMember(ClusterConfig config, String haMember, String path) {
                if (haMember.equals(EtcdMember.HA_LABEL) && path.equals("/var/lib/etcd/conf/etcd.conf.yml")) {
                    return java.util.Optional.of(etcdFile);
                }
                if (haMember.equals(PatroniMember.HA_LABEL) && path.equals(PatroniFiles.CONF_DIR + "/" + PatroniFiles.CONFIG_FILE)
                        && !patroniFile.isEmpty()) {
                    return java.util.Optional.of(patroniFile);
                }
                return java.util.Optional.empty();
            }
        };
    }

    /**
     * Across hosts, chosen etcdPorts and patroniApiPort on a running DCS made with the defaults are
     * refused, naming etcd's client URL and Patroni's REST API address as made and as configured;
     * the same ports as made are declared.
     */
    @Test
    void otherControlPortsAreRefusedWhileTheDcsRunsAcrossHosts(@org.junit.jupiter.api.io.TempDir java.nio.file.Path certs) {
        var values = new java.util.LinkedHashMap<>(dev.pgcluster.testing.TestHosts.threeTlsHosts(certs));
        values.put("ha", "patroni");
        values.put("image", "registry.example.com/pg-cluster/patroni:17.6-4.0.7");
        ClusterConfig made = dev.pgcluster.testing.TestConfigs.read("test", values);
        ClusterProbe probe = membersMadeWith("ustar\0" + PatroniFiles.etcdConfig(made, "etcd0") + "\0\0",
                "ustar\0" + PatroniFiles.memberConfig(made, "pg0") + "\0\0");
        assertEquals(3, DeclaredStack.of(made, probe).ofType(EtcdMember.TYPE).size(), "as made: declared");

        values.put("patroniApiPort", "18008");
        values.put("etcdPorts", "[2379, 2380, 12381]");
        Throwable api = DeclaredStack.refused(dev.pgcluster.testing.TestConfigs.read("test", values), probe);
        assertTrue(api.getMessage().startsWith("pg-cluster: the stack's DCS was made with pg0's REST API at 10.0.0.11:8008, "
                + "and config puts it at 10.0.0.11:18008 (an address in pg-cluster:dockerHosts, pg-cluster:etcdPorts or "
                + "pg-cluster:patroniApiPort changed)"), api.getMessage());

        values.remove("patroniApiPort");
        values.put("etcdPorts", "[12379, 2380, 2381]");
        Throwable client = DeclaredStack.refused(dev.pgcluster.testing.TestConfigs.read("test", values), probe);
        assertTrue(client.getMessage().startsWith("pg-cluster: the stack's DCS was made with etcd0's clients at "
                + "https://10.0.0.11:2379, and config puts them at https://10.0.0.11:12379 ("), client.getMessage());
    }

    /** A running DCS keeps its quorum: its members are replaced one at a time, a stopped one first; a new one starts together. */
    @Test
    void etcdMembersAreChainedOnlyWhileTheDcsHasItsQuorum() {
        ClusterProbe twoRunning = new ClusterProbe() {
            @Override
            public List<NodeState> observe(ClusterConfig config) {
                return ClusterProbe.NONE.observe(config);
            }

            @Override
            public List<String> runningMembers(ClusterConfig config, String haMember) {
                return haMember.equals(EtcdMember.HA_LABEL) ? List.of("etcd0", "etcd2") : List.of();
            }
        };
        var chained = DeclaredStack.of(patroni(), twoRunning);
        assertEquals(List.of("etcd1", "etcd0", "etcd2"), PatroniMode.etcdOrder(patroni(), List.of("etcd0", "etcd2")));
        assertFalse(etcdContainerDependencies(chained, "etcd1").stream().anyMatch(d -> d.endsWith("-ready")),
                "the stopped member first: " + etcdContainerDependencies(chained, "etcd1"));
        assertTrue(etcdContainerDependencies(chained, "etcd0").contains("pg-cluster-test-etcd1-ready"));
        assertTrue(etcdContainerDependencies(chained, "etcd2").contains("pg-cluster-test-etcd0-ready"));
        var fresh = DeclaredStack.of(patroni());
        for (String member : List.of("etcd0", "etcd1", "etcd2")) {
            assertFalse(etcdContainerDependencies(fresh, member).stream().anyMatch(d -> d.endsWith("-ready")),
                    "a new DCS starts together: " + etcdContainerDependencies(fresh, member));
        }
    }

    private static List<String> etcdContainerDependencies(DeclaredStack stack, String member) {
        return stack.find(r -> r.type().equals(CONTAINER) && r.name().equals("pg-cluster-test-" + member),
                "no container " + member).dependsOn();
    }

    /** Back to ha: none: the replicas' members stop first, then the leader's, then anything touches a volume. */
    @Test
    void aSwitchBackToNoneStopsTheReplicasFirstThenTheLeaderBeforeAnyVolumeIsTouched() {
        ClusterConfig none = TestConfigs.config("test", "replicas", "2", "primary", "pg2");
        var stack = DeclaredStack.of(none, running(PatroniMember.HA_LABEL, "pg2"));
        var leader = stack.find(r -> r.name().equals("pg-cluster-test-pg2-handover"), "no handover step of pg2");
        assertTrue(leader.dependsOn().containsAll(List.of("pg-cluster-test-pg0-handover", "pg-cluster-test-pg1-handover")),
                leader.dependsOn().toString());
        assertEquals("primary", environment(leader).get("PGC_ROLE"));
        for (String node : List.of("pg0", "pg1", "pg2")) {
            for (String step : List.of("conf", "seed")) {
                var declared = stack.find(r -> r.name().equals("pg-cluster-test-" + node + "-" + step), "no " + step + " of " + node);
                assertTrue(declared.dependsOn().contains("pg-cluster-test-pg2-handover"), node + " " + step + ": " + declared.dependsOn());
            }
        }
    }

    @Test
    void membersOfTheSameModeAreNoReasonToRefuse() {
        assertEquals(3, DeclaredStack.of(patroni(), nodesLabelled(PatroniMember.HA_LABEL))
                .ofType(PatroniMember.TYPE).size());
    }

    /** A probe of running members of which {@code leader} accepts writes. */
    private static ClusterProbe leading(String leader) {
        return new ClusterProbe() {
            @Override
            public List<NodeState> observe(ClusterConfig config) {
                return config.nodeNames().stream().map(n -> new NodeState(n, "running",
                        java.util.Optional.of(new NodeState.Server(!n.equals(leader), 2, "")))).toList();
            }

            @Override
            public Map<String, String> haMembers(ClusterConfig config) {
                return Map.of("pg0", PatroniMember.HA_LABEL, "pg1", PatroniMember.HA_LABEL, "pg2", PatroniMember.HA_LABEL);
            }
        };
    }

    private static List<String> containerDependencies(DeclaredStack stack, String node) {
        return stack.find(r -> r.type().equals(CONTAINER) && r.name().equals("pg-cluster-test-" + node),
                "no container " + node).dependsOn();
    }

    /** Each member's container waits for the member before it to be ready again; the leader comes last. */
    @Test
    void membersAreReplacedOneAtATimeTheLeaderLast() {
        var stack = DeclaredStack.of(patroni(), leading("pg1"));
        assertTrue(containerDependencies(stack, "pg2").contains("pg-cluster-test-pg0-ready"),
                containerDependencies(stack, "pg2").toString());
        assertTrue(containerDependencies(stack, "pg1").contains("pg-cluster-test-pg2-ready"),
                "the leader pg1 after pg2: " + containerDependencies(stack, "pg1"));
        assertFalse(containerDependencies(stack, "pg0").stream().anyMatch(d -> d.matches(".*-pg\\d+-ready")),
                "pg0 first: " + containerDependencies(stack, "pg0"));
        for (String node : List.of("pg0", "pg1", "pg2")) {
            assertTrue(containerDependencies(stack, node).containsAll(List.of("pg-cluster-test-etcd0-ready",
                    "pg-cluster-test-etcd1-ready", "pg-cluster-test-etcd2-ready")), node);
        }
    }

    /**
     * A new cluster (no container, no volume of the stack on any host): the first member (the
     * preferred leader, else pg0) makes the cluster, and the others start together once it is ready.
     */
    @Test
    void onANewClusterTheFirstMemberLeadsAndTheOthersStartTogetherAfterIt() {
        var fresh = DeclaredStack.of(patroni(), TestProbes.newCluster(true, false));
        assertFalse(containerDependencies(fresh, "pg0").stream().anyMatch(d -> d.matches(".*-pg\\d+-ready")),
                "pg0 first: " + containerDependencies(fresh, "pg0"));
        for (String node : List.of("pg1", "pg2")) {
            var dependencies = containerDependencies(fresh, node);
            assertEquals(List.of("pg-cluster-test-pg0-ready"),
                    dependencies.stream().filter(d -> d.matches(".*-pg\\d+-ready")).toList(), node + ": " + dependencies);
            assertTrue(dependencies.containsAll(List.of("pg-cluster-test-etcd0-ready", "pg-cluster-test-etcd1-ready",
                    "pg-cluster-test-etcd2-ready")), node + ": " + dependencies);
        }
        var preferred = DeclaredStack.of(patroni("primary", "pg2"), TestProbes.newCluster(true, false));
        assertFalse(containerDependencies(preferred, "pg2").stream().anyMatch(d -> d.matches(".*-pg\\d+-ready")),
                "the preferred leader first: " + containerDependencies(preferred, "pg2"));
        for (String node : List.of("pg0", "pg1")) {
            assertEquals(List.of("pg-cluster-test-pg2-ready"), containerDependencies(preferred, node).stream()
                    .filter(d -> d.matches(".*-pg\\d+-ready")).toList(), node);
        }

        // The backup repository still outlives every member on destroy: each starts after it.
        var backedUp = DeclaredStack.of(patroni("backup", "true", "backupPassphrase", "passphrase-for-tests-0123456789"),
                TestProbes.newCluster(true, false));
        for (String node : List.of("pg0", "pg1", "pg2")) {
            assertTrue(containerDependencies(backedUp, node).contains("pg-cluster-test-backup"),
                    node + ": " + containerDependencies(backedUp, node));
        }

        // Six replicas: each clone holds a temporary slot beside Patroni's slot of every member that
        // registered, so they start in groups that fit in max_replication_slots (10): four, then two.
        var six = DeclaredStack.of(patroni("replicas", "6"), TestProbes.newCluster(true, false));
        assertEquals(10 - 6, PatroniMode.startTogether(patroni("replicas", "6")));
        assertEquals(10 - 2, PatroniMode.startTogether(patroni()));
        for (String node : List.of("pg1", "pg2", "pg3", "pg4")) {
            assertEquals(List.of("pg-cluster-test-pg0-ready"), containerDependencies(six, node).stream()
                    .filter(d -> d.matches(".*-pg\\d+-ready")).toList(), node);
        }
        for (String node : List.of("pg5", "pg6")) {
            assertEquals(List.of("pg-cluster-test-pg1-ready", "pg-cluster-test-pg2-ready", "pg-cluster-test-pg3-ready",
                    "pg-cluster-test-pg4-ready"), containerDependencies(six, node).stream()
                    .filter(d -> d.matches(".*-pg\\d+-ready")).sorted().toList(), node);
        }

        // Every allowed number of replicas: the groups, and at no time more slots (Patroni's of each
        // replica started so far, a temporary one per clone) or WAL senders (two per clone, one per
        // streaming replica) than the nodes have.
        for (int replicas = 1; replicas <= 10; replicas++) {
            var config = patroni("replicas", String.valueOf(replicas));
            var stack = DeclaredStack.of(config, TestProbes.newCluster(true, false));
            int slots = Integer.parseInt(dev.pgcluster.cluster.ServerSettings.forNode(config).get("max_replication_slots"));
            int senders = Integer.parseInt(dev.pgcluster.cluster.ServerSettings.forNode(config).get("max_wal_senders"));
            int together = replicas <= 5 ? replicas : 4;
            int started = 0;
            String previous = "pg-cluster-test-pg0-ready";
            var group = new java.util.ArrayList<String>(List.of(previous));
            for (int first = 1; first <= replicas; first += together) {
                int last = Math.min(replicas, first + together - 1);
                for (int n = first; n <= last; n++) {
                    assertEquals(group, containerDependencies(stack, "pg" + n).stream()
                            .filter(d -> d.matches(".*-pg\\d+-ready")).sorted().toList(), replicas + " replicas, pg" + n);
                }
                int cloning = last - first + 1;
                started += cloning;
                assertTrue(started + cloning <= slots, replicas + " replicas: " + (started + cloning) + " slots > " + slots);
                assertTrue(started - cloning + 2 * cloning <= senders, replicas + " replicas: senders");
                group = new java.util.ArrayList<>();
                for (int n = first; n <= last; n++) {
                    group.add("pg-cluster-test-pg" + n + "-ready");
                }
                group.sort(null);
            }
        }

        var kept = new LinkedHashMap<String, DeclaredStack>();
        kept.put("a volume of the stack on a host", DeclaredStack.of(patroni(), TestProbes.newCluster(false, false)));
        kept.put("a node's container", DeclaredStack.of(patroni(), TestProbes.newCluster(true, true)));
        kept.put("a host that did not answer", DeclaredStack.of(patroni(), new ClusterProbe() {
            @Override
            public List<NodeState> observe(ClusterConfig config) {
                return config.nodeNames().stream().map(n -> n.equals("pg1")
                        ? new NodeState(n, "unreachable", java.util.Optional.empty()) : NodeState.missing(n)).toList();
            }

            @Override
            public boolean noStackVolumes(ClusterConfig config) {
                return true;
            }
        }));
        // One at a time: each member but the first waits for another one's readiness, a different one each.
        kept.forEach((why, stack) -> assertEquals(2, List.of("pg0", "pg1", "pg2").stream()
                .flatMap(node -> containerDependencies(stack, node).stream().filter(d -> d.matches(".*-pg\\d+-ready")))
                .distinct().count(), why));
    }

    /** The leader step's inputs do not move with the leader: which member leads is in none of them. */
    @Test
    void theLeaderStepIsTheSameWhicheverMemberLeads() {
        var leadingPg0 = steps(DeclaredStack.of(patroni("primary", "pg2"), leading("pg0")), "leader").get(0);
        var leadingPg1 = steps(DeclaredStack.of(patroni("primary", "pg2"), leading("pg1")), "leader").get(0);
        var plain0 = new HashMap<>(leadingPg0.plainInputs());
        var plain1 = new HashMap<>(leadingPg1.plainInputs());
        @SuppressWarnings("unchecked")
        var env0 = new HashMap<>((Map<String, String>) plain0.remove("environment"));
        @SuppressWarnings("unchecked")
        var env1 = new HashMap<>((Map<String, String>) plain1.remove("environment"));
        env0.remove("PGC_FOUND");
        env1.remove("PGC_FOUND");
        assertEquals(env0, env1, "the environment but what the program found");
        assertEquals(plain0, plain1, "every other input, the triggers among them");
    }

    /** Patroni asks its own server over loopback before a rewind; ha: none keeps replication to the network. */
    @Test
    void onlyPatroniMembersLetTheReplicationRoleInOverLoopback() {
        String loopback = "hostssl replication  replicator     127.0.0.1/32         scram-sha-256";
        for (DeclaredResource conf : steps(DeclaredStack.of(patroni()), "conf")) {
            assertTrue(environment(conf).get("PGC_HBA").contains(loopback), conf.name());
        }
        for (DeclaredResource conf : steps(DeclaredStack.of(TestConfigs.config("test", "replicas", "2")), "conf")) {
            assertFalse(environment(conf).get("PGC_HBA").contains("127.0.0.1"), conf.name());
        }
    }

    /**
     * The files are step inputs: their text must be the same in every JVM (each `pulumi up` is a
     * new one), key order included, or every run would change the member-conf steps.
     */
    @Test
    void theMembersFilesAreTheGoldenTextKeyOrderIncluded() {
        ClusterConfig config = patroni();
        dev.pgcluster.testing.Golden.assertMatches("patroni-member-pg0.yml", PatroniFiles.memberConfig(config, "pg0"));
        dev.pgcluster.testing.Golden.assertMatches("patroni-secrets.yml",
                PatroniFiles.memberSecrets(config, "restapi-password", "replication-password"));
        dev.pgcluster.testing.Golden.assertMatches("etcd-etcd0.yml", PatroniFiles.etcdConfig(config, "etcd0"));
        dev.pgcluster.testing.Golden.assertMatches("patroni-dcs.json", PatroniFiles.dynamicConfigJson(config));
    }

    /** What the shipped staging and production stacks keep in the DCS: their timings, quorum and settings. */
    @ParameterizedTest
    @ValueSource(strings = {"staging", "prod"})
    void theShippedStacksDcsConfigurationIsTheGoldenText(String stack) {
        dev.pgcluster.testing.Golden.assertMatches("patroni-dcs-" + stack + ".json",
                PatroniFiles.dynamicConfigJson(TestConfigs.shipped(stack)));
    }
}
