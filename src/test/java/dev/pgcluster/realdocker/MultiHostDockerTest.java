package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Nodes on several Docker hosts (issue 22), on three real Docker engines of {@link DockerLab}, each
 * reached over TCP with TLS verified against the lab's CA: the image copied from the first host to
 * the others (no registry); a primary and two standbys, one per host,
 * streaming across hosts over TLS; pg_hba.conf lets only the peers' host addresses replicate; each
 * node's exporter beside it, scraped across hosts by Prometheus; a
 * second run, preview and refresh change nothing; a host cut off the network stops preview and up
 * with a message naming it, and refresh deletes nothing of it; a switchover and a failover in
 * {@code ha: none} move the primary across hosts; with the primary's host cut off ({@code lostHosts}),
 * a failover goes on without it, and back, the old primary rejoins.
 */
@RequiresDocker
class MultiHostDockerTest {
    @BeforeAll
    static void lab() {
        DockerLab.up();
    }

    @AfterAll
    static void labDown() {
        DockerLab.down();
    }

    @Test
    void aPrimaryAndTwoStandbysOnThreeHostsStreamOverTlsAndOnlyPeersMayReplicate() throws Exception {
        var values = RealCluster.testConfig(2, "monitoring", "true");
        try (var cluster = RealCluster.up("hosts3", values, Map.of(), stack -> {
            stack.setMapConfig("dockerHosts", hostsMap());
            stack.setMapConfig("placement", Map.of("pg0", "h1", "pg1", "h2", "pg2", "h3"));
        })) {
            var hostOf = Map.of("pg0", "h1", "pg1", "h2", "pg2", "h3");
            hostOf.forEach((node, host) -> {
                assertEquals("running", DockerLab.dockerOk(host, "inspect", "--format", "{{.State.Status}}",
                        cluster.container(node)), node + " runs on " + host);
                for (String other : DockerLab.HOSTS) {
                    if (!other.equals(host)) {
                        assertFalse(DockerLab.docker(other, "container", "inspect", cluster.container(node)).ok(),
                                node + " is on " + host + " only, not on " + other);
                    }
                }
                assertFalse(Docker.exists("container", cluster.container(node)), node + " is not on the default engine");
            });

            // The image reached h2 and h3 from h1 (pullImage false: no registry), by ID.
            String imageId = DockerLab.dockerOk("h1", "image", "inspect", "--format", "{{.Id}}", TestImage.reference());
            for (String host : List.of("h2", "h3")) {
                assertEquals(imageId, DockerLab.dockerOk(host, "image", "inspect", "--format", "{{.Id}}", imageId));
                var copy = cluster.stack().resource("command:local:Command", cluster.config().namePrefix() + "-image-" + host);
                assertEquals(imageId, copy.outputs().get("stdout").getAsString().strip());
            }

            // Replication crosses the hosts, over TLS, from each standby's host address.
            assertStreams("h1", cluster.container("pg0"), "pg1|10.222.0.12/32|streaming|true,pg2|10.222.0.13/32|streaming|true");

            // A client on this machine writes through the exported string (verify-full against
            // the host address in the node's certificate); every standby shows the row.
            String writeUrl = cluster.output("primaryJdbcUrl");
            assertTrue(writeUrl.contains("//10.222.0.11:"), writeUrl);
            Sql.execute(writeUrl, "CREATE TABLE across AS SELECT 42 AS answer");
            for (String node : List.of("pg1", "pg2")) {
                Sql.awaitResult(() -> DockerLab.psql(hostOf.get(node), cluster.container(node),
                        "SELECT coalesce((SELECT answer FROM across), 0)::text"), "42"::equals, Duration.ofSeconds(60));
            }
            assertEquals("42", Sql.query(cluster.replicaConnectionStrings().isEmpty() ? writeUrl
                    : Sql.jdbcFromUri(cluster.replicaConnectionStrings().get("pg2")), "SELECT answer FROM across"));

            // pg_hba.conf: replication from this machine (not a peer) is refused before any
            // password; from a peer host it gets as far as the password; no login without TLS.
            int primaryPort = cluster.config().primary().hostPort();
            var refused = assertThrows(SQLException.class, () -> replicationLogin("10.222.0.11", primaryPort));
            assertTrue(refused.getMessage().contains("no pg_hba.conf entry for replication connection from host \""
                    + DockerLab.MACHINE_ADDRESS + "\""), refused.getMessage());
            var fromPeer = DockerLab.docker("h3", "exec", "-u", "postgres", cluster.container("pg2"), "psql", "-X",
                    "host=10.222.0.11 port=" + primaryPort + " user=" + cluster.config().replicationUser()
                            + " dbname=replication replication=true sslmode=require password=wrong-password",
                    "-c", "IDENTIFY_SYSTEM");
            assertTrue(fromPeer.stderr().contains("password authentication failed"), fromPeer.stderr());
            var plain = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                    "jdbc:postgresql://10.222.0.11:" + primaryPort + "/postgres?sslmode=disable&connectTimeout=5",
                    "someone", "x"));
            assertTrue(plain.getMessage().contains("no encryption"), plain.getMessage());

            // Each node's exporter runs on its host; Prometheus, on the first node's host, scrapes all three.
            String prometheus = cluster.output("prometheusUrl");
            assertEquals("http://10.222.0.11:" + cluster.config().monitoring().port(), prometheus);
            hostOf.forEach((node, host) -> assertEquals("running", DockerLab.dockerOk(host, "inspect", "--format",
                    "{{.State.Status}}", cluster.config().namePrefix() + "-" + node + "-exporter")));
            Sql.awaitResult(() -> String.valueOf(PrometheusApi.targetsUp(prometheus, "pg-cluster-exporter")), "3"::equals,
                    Duration.ofSeconds(90));

            ClusterChecks.assertIdempotent(cluster.stack());

            // Moving a node to another host would replace its data volume: refused, nothing declared.
            cluster.stack().setMapConfig("placement", Map.of("pg0", "h1", "pg1", "h3", "pg2", "h2"));
            var moved = assertThrows(RuntimeException.class, () -> cluster.stack().preview(false));
            assertTrue(moved.getMessage().contains("pg2 runs on h3 (" + DockerLab.endpoint("h3") + "), but config puts it "
                    + "on h2 (" + DockerLab.endpoint("h2") + ")"), moved.getMessage());
            cluster.stack().setMapConfig("placement", Map.of("pg0", "h1", "pg1", "h2", "pg2", "h3"));

            // h3 cut off: preview names the host and what it runs, and nothing is declared.
            DockerLab.cable("h3", false);
            try {
                var failure = assertThrows(RuntimeException.class, () -> cluster.stack().preview(false));
                assertTrue(failure.getMessage().contains("Docker host h3 (" + DockerLab.endpoint("h3") + ") cannot be reached"),
                        failure.getMessage());
                assertTrue(failure.getMessage().contains("It runs pg2"), failure.getMessage());
                int before = cluster.stack().state().size();
                // refresh does not run the program: the provider of h3 cannot reach it. Nothing
                // of h3 may leave the state.
                try {
                    cluster.stack().refresh();
                } catch (RuntimeException expected) {
                    System.out.println("refresh with h3 cut off: " + expected.getMessage());
                }
                assertEquals(before, cluster.stack().state().size(), "refresh with h3 cut off deletes nothing from state");
                assertTrue(cluster.stack().state().stream().anyMatch(r -> r.name().equals(cluster.container("pg2"))
                        && r.type().equals("docker:index/container:Container")), "pg2's container is still in state");
            } finally {
                DockerLab.cable("h3", true);
            }
            Sql.awaitResult(() -> DockerLab.psql("h1", cluster.container("pg0"),
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"), "2"::equals, Duration.ofSeconds(90));
            cluster.stack().preview(true);

            // ha: none across hosts: a switchover to pg1 on h2 (pg0 stopped cleanly on h1, rewound
            // there from pg1 over TLS, started as its standby), then a failover back to pg0 on h1
            // with pg1 stopped on h2 (fenced and rewound on its host); every standby streams from
            // the new primary's host address, and every row written before is there.
            cluster.stack().setConfig(Map.of("primary", "pg1"));
            cluster.stack().up();
            assertTrue(cluster.primaryStepReport().startsWith("pg1 primary timeline 2; switchover from pg0"),
                    cluster.primaryStepReport());
            assertStreams("h2", cluster.container("pg1"), "pg0|10.222.0.11/32|streaming|true,pg2|10.222.0.13/32|streaming|true");
            Sql.execute(String.valueOf(cluster.stack().outputs().get("primaryJdbcUrl")),
                    "INSERT INTO across VALUES (43)");

            DockerLab.dockerOk("h2", "stop", cluster.container("pg1"));
            cluster.stack().setConfig(Map.of("primary", "pg0"));
            cluster.stack().up();
            assertTrue(cluster.primaryStepReport().startsWith("pg0 primary timeline 3; failover: pg0 promoted at"),
                    cluster.primaryStepReport());
            assertTrue(cluster.primaryStepReport().contains("pg1 (old primary, WAL up to"), cluster.primaryStepReport());
            assertStreams("h1", cluster.container("pg0"), "pg1|10.222.0.12/32|streaming|true,pg2|10.222.0.13/32|streaming|true");
            assertRows(cluster, hostOf, "42,43");
            ClusterChecks.assertIdempotent(cluster.stack());

            // Test 3: the primary's host lost. pg0's h1 is also the first node's host, where the CA
            // step, Prometheus and the source of the image copies are. Named in lostHosts while it
            // answers: refused (its primary could not be fenced otherwise).
            Sql.execute(String.valueOf(cluster.stack().outputs().get("primaryJdbcUrl")), "INSERT INTO across VALUES (44)");
            for (String node : List.of("pg1", "pg2")) {
                Sql.awaitResult(() -> DockerLab.psql(hostOf.get(node), cluster.container(node),
                        "SELECT count(*) FROM across WHERE answer = 44"), "1"::equals, Duration.ofSeconds(60));
            }
            cluster.stack().setConfig(Map.of("primary", "pg2", "lostHosts", "h1"));
            var answering = assertThrows(RuntimeException.class, () -> cluster.stack().preview(false));
            assertTrue(answering.getMessage().contains("pg-cluster:lostHosts names h1 (" + DockerLab.endpoint("h1")
                    + "), which answers"), answering.getMessage());
            // Cut off: pulumi up fails over to pg2 on h3 without asking h1 anything; a second run
            // plans nothing while h1 is away.
            DockerLab.cable("h1", false);
            try {
                cluster.stack().up();
                assertTrue(cluster.primaryStepReport().startsWith("pg2 primary timeline 4; failover: pg2 promoted at"),
                        cluster.primaryStepReport());
                assertTrue(cluster.primaryStepReport().contains("pg0 (on a lost host) was not fenced"),
                        cluster.primaryStepReport());
                assertStreams("h3", cluster.container("pg2"), "pg1|10.222.0.12/32|streaming|true");
                Sql.execute(String.valueOf(cluster.stack().outputs().get("primaryJdbcUrl")), "INSERT INTO across VALUES (45)");
                cluster.stack().preview(true);
                assertTrue(cluster.stack().state().stream().anyMatch(r -> r.name().equals(cluster.container("pg0"))
                        && r.type().equals("docker:index/container:Container")), "pg0's container is still in state");
            } finally {
                DockerLab.cable("h1", true);
            }
            // Back, pg0 still takes writes on its old timeline: refused until it is stopped; then
            // it is rewound and rejoins as pg2's standby with every row.
            cluster.stack().removeConfig("lostHosts");
            var back = assertThrows(RuntimeException.class, () -> cluster.stack().preview(false));
            assertTrue(back.getMessage().contains("pg0 accepts writes too, on timeline 3, beside the configured primary pg2 "
                    + "(timeline 4): pg0 is an old primary that came back after a failover."), back.getMessage());
            DockerLab.dockerOk("h1", "stop", cluster.container("pg0"));
            cluster.stack().up();
            assertTrue(cluster.primaryStepReport().contains("pg0 rejoined as a standby"), cluster.primaryStepReport());
            assertStreams("h3", cluster.container("pg2"), "pg0|10.222.0.11/32|streaming|true,pg1|10.222.0.12/32|streaming|true");
            assertRows(cluster, hostOf, "42,43,44,45");
            ClusterChecks.assertIdempotent(cluster.stack());
        }
    }

    /** Every node holds exactly {@code rows} in the table "across". */
    private static void assertRows(RealCluster cluster, Map<String, String> hostOf, String rows) {
        for (String node : List.of("pg0", "pg1", "pg2")) {
            assertEquals(rows, Sql.awaitResult(() -> DockerLab.psql(hostOf.get(node), cluster.container(node),
                    "SELECT string_agg(answer::text, ',' ORDER BY answer) FROM across"), rows::equals,
                    Duration.ofSeconds(60)), node + " holds every row");
        }
    }

    /** {@link #replicationSeenBy} on {@code container} becomes {@code expected} within 60 s. */
    private static void assertStreams(String host, String container, String expected) {
        assertEquals(expected, Sql.awaitResult(() -> replicationSeenBy(host, container), expected::equals,
                Duration.ofSeconds(60)));
    }

    /** pg_stat_replication on {@code container} (on {@code host}): name|address|state|ssl of each standby. */
    private static String replicationSeenBy(String host, String container) {
        return DockerLab.psql(host, container, "SELECT string_agg(application_name || '|' || client_addr || '|' || state "
                + "|| '|' || s.ssl, ',' ORDER BY application_name) FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)");
    }

    /**
     * {@code ha: patroni} with a member and an etcd member on each of three hosts: the leader's
     * host cut off the network, a member on another host leads and takes writes; the cut-off old
     * leader takes no write once the new leader took one (Patroni demoted it: it lost the DCS);
     * plugged back in, it rejoins as a replica with every acknowledged row.
     */
    @Test
    void withPatroniTheLeadersHostCutOffAnotherHostLeadsAndTheOldLeaderRejoinsWithEveryRow() throws Exception {
        // Ports of its own for the REST API and etcd, as a second stack on the same hosts would set.
        var values = RealCluster.testConfig(2, "ha", "patroni", "etcdImage", TestImage.reference(), "monitoring", "false",
                "patroniApiPort", "18008", "etcdPorts", "[12379, 12380, 12381]");
        var hostOf = Map.of("pg0", "h1", "pg1", "h2", "pg2", "h3");
        try (var cluster = RealCluster.up("hosts3-patroni", values, Map.of(), stack -> {
            stack.setMapConfig("dockerHosts", hostsMap());
            stack.setMapConfig("placement", Map.<String, Object>copyOf(hostOf));
        })) {
            String prefix = cluster.config().namePrefix();
            for (int i = 0; i < 3; i++) {
                String host = DockerLab.HOSTS.get(i);
                assertEquals("running", DockerLab.dockerOk(host, "inspect", "--format",
                        "{{.State.Status}}", prefix + "-etcd" + i), "etcd" + i + " runs on " + host);
                String address = DockerLab.address(host);
                assertEquals(List.of("2379/tcp -> " + address + ":12379", "2380/tcp -> " + address + ":12380",
                        "2381/tcp -> " + address + ":12381"), DockerLab.dockerOk(host, "port", prefix + "-etcd" + i)
                                .lines().sorted().toList(), "etcd" + i + "'s ports (etcdPorts)");
                assertTrue(DockerLab.dockerOk(host, "port", prefix + "-pg" + i).lines()
                        .anyMatch(("8008/tcp -> " + address + ":18008")::equals), "pg" + i + "'s REST API (patroniApiPort)");
            }
            String old = Sql.awaitResult(() -> DockerLab.patroniLeader(prefix, hostOf, ""), l -> l != null && !l.isEmpty(),
                    Duration.ofSeconds(60));
            String oldHost = hostOf.get(old);
            Sql.awaitResult(() -> DockerLab.psql(oldHost, prefix + "-" + old,
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"), "2"::equals, Duration.ofSeconds(90));

            List<Long> acknowledged;
            String next;
            Duration toFirstWrite;
            try (var writer = new SteadyWriter(cluster.output("primaryJdbcUrl") + "&connectTimeout=3&socketTimeout=5")) {
                writer.awaitProgress(100, Duration.ofSeconds(60));
                Instant cut = Instant.now();
                DockerLab.cable(oldHost, false);
                try {
                    next = Sql.awaitResult(() -> DockerLab.patroniLeader(prefix, hostOf, oldHost),
                            l -> l != null && !l.equals(old), Duration.ofSeconds(90));
                    writer.awaitProgress(50, Duration.ofSeconds(60));
                    toFirstWrite = writer.longestGap(cut.minusSeconds(1), Instant.now());
                    // The old leader, seen from its own machine: it takes no write now.
                    var write = DockerLab.dockerLocal(oldHost, "exec", "-u", "postgres", prefix + "-" + old, "psql", "-X",
                            "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", "INSERT INTO public.ack (id) VALUES (-1)");
                    assertFalse(write.ok(), "the cut-off old leader took a write after " + next + " was promoted: "
                            + write.stdout());
                } finally {
                    DockerLab.cable(oldHost, true);
                }
                writer.close();
                acknowledged = writer.acknowledged();
            }
            System.out.printf("ha: patroni across hosts: %s's host %s cut off, %s leads; writes stopped for %.1f s%n",
                    old, oldHost, next, toFirstWrite.toMillis() / 1000.0);
            assertNotEquals(oldHost, hostOf.get(next));
            Sql.awaitResult(() -> DockerLab.psql(oldHost, prefix + "-" + old, "SELECT pg_is_in_recovery()::text || "
                    + "(SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming')"), "true1"::equals,
                    Duration.ofSeconds(180));
            for (String node : List.of(old, next)) {
                Sql.awaitResult(() -> DockerLab.psql(hostOf.get(node), prefix + "-" + node,
                        "SELECT count(*) FROM public.ack WHERE id = ANY ('{" + String.join(",",
                                acknowledged.stream().map(String::valueOf).toList()) + "}'::bigint[])"),
                        String.valueOf(acknowledged.size())::equals, Duration.ofSeconds(60));
            }
            assertEquals("0", DockerLab.psql(hostOf.get(next), prefix + "-" + next,
                    "SELECT count(*) FROM public.ack WHERE id = -1"), "the old leader's write, if any, is not in the cluster");
            ClusterChecks.assertIdempotent(cluster.stack());
        }
    }

    /**
     * {@code swarmOverlay}: h1 a swarm manager, h2 and h3 in its swarm, h3 reached over
     * {@code ssh://}. A host outside the swarm is
     * refused before anything is made; in it, the nodes meet by name on one attachable overlay,
     * replication comes from the overlay's subnet over TLS (not from the hosts' addresses), clients
     * still reach each node on its host's address, and a second run changes nothing.
     */
    @Test
    void onASwarmOverlayTheNodesStreamByNameAndAHostOutsideTheSwarmIsRefused() throws Exception {
        String manager = DockerLab.address("h1");
        DockerLab.dockerOk("h1", "swarm", "init", "--advertise-addr", manager, "--listen-addr", manager + ":2377");
        try {
            String token = DockerLab.dockerOk("h1", "swarm", "join-token", "-q", "worker").strip();
            DockerLab.dockerOk("h2", "swarm", "join", "--advertise-addr", DockerLab.address("h2"), "--listen-addr",
                    DockerLab.address("h2") + ":2377", "--token", token, manager + ":2377");
            var overlay = Map.of("swarmOverlay", "true");
            refused("swarm-outside", hostsMap(), Map.of("pg0", "h1", "pg1", "h3"),
                    "h3 (" + DockerLab.endpoint("h3") + ") is not in a swarm (its swarm state: inactive): "
                            + "pg-cluster:swarmOverlay = \"true\" needs every host of pg-cluster:placement in one swarm", overlay);
            DockerLab.dockerOk("h3", "swarm", "join", "--advertise-addr", DockerLab.address("h3"), "--listen-addr",
                    DockerLab.address("h3") + ":2377", "--token", token, manager + ":2377");

            var values = RealCluster.testConfig(2, "monitoring", "false", "swarmOverlay", "true");
            var hostOf = Map.of("pg0", "h1", "pg1", "h2", "pg2", "h3");
            // h3 over ssh:// (the provider and every step through the lab's ssh), the others over TLS.
            var hosts = hostsMap();
            hosts.put("h3", Map.of("endpoint", DockerLab.sshEndpointChecked(), "address", DockerLab.address("h3")));
            try (var cluster = RealCluster.up("hosts3-swarm", values, Map.of(), stack -> {
                stack.setMapConfig("dockerHosts", hosts);
                stack.setMapConfig("placement", Map.<String, Object>copyOf(hostOf));
            })) {
                String network = cluster.config().namePrefix() + "-net";
                assertEquals("overlay true", DockerLab.dockerOk("h1", "network", "inspect", "--format",
                        "{{.Driver}} {{.Attachable}}", network).strip());
                // Each standby streams over the overlay, from its address in the cluster's subnet.
                String subnet = cluster.config().subnet().cidr();
                String prefix = subnet.substring(0, subnet.lastIndexOf('.') + 1);
                String seen = Sql.awaitResult(() -> replicationSeenBy("h1", cluster.container("pg0")),
                        r -> r != null && r.startsWith("pg1|") && r.contains(",pg2|") && r.split("\\|streaming\\|true")
                                .length == 2, Duration.ofSeconds(90));
                for (String standby : seen.split(",")) {
                    String[] fields = standby.split("\\|");
                    assertTrue(fields[1].startsWith(prefix) && fields[2].equals("streaming") && fields[3].equals("true"),
                            "over the overlay (" + subnet + "), streaming, TLS: " + seen);
                }
                assertEquals(cluster.container("pg0"), DockerLab.psql("h2", cluster.container("pg1"),
                        "SELECT sender_host FROM pg_stat_wal_receiver"), "pg1 streams from pg0 by name");
                // Clients: on each node's host address; replication from outside the overlay is refused.
                String writeUrl = cluster.output("primaryJdbcUrl");
                assertTrue(writeUrl.contains("//" + manager + ":"), writeUrl);
                Sql.execute(writeUrl, "CREATE TABLE over AS SELECT 7 AS answer");
                Sql.awaitResult(() -> DockerLab.psql("h3", cluster.container("pg2"),
                        "SELECT coalesce((SELECT answer FROM over), 0)::text"), "7"::equals, Duration.ofSeconds(60));
                var refusedLogin = assertThrows(SQLException.class, () -> replicationLogin(manager,
                        cluster.config().primary().hostPort()));
                assertTrue(refusedLogin.getMessage().contains("no pg_hba.conf entry for replication connection from host \""
                        + DockerLab.MACHINE_ADDRESS + "\""), refusedLogin.getMessage());
                ClusterChecks.assertIdempotent(cluster.stack());
            }
        } finally {
            for (String host : List.of("h3", "h2")) {
                DockerLab.docker(host, "swarm", "leave");
            }
            DockerLab.docker("h1", "swarm", "leave", "--force");
        }
    }

    @Test
    void aWrongCaAnEndpointWithoutTlsAndAnUnknownHostAreRefusedBeforeAnythingIsCreated() throws Exception {
        java.nio.file.Path otherCa = java.nio.file.Files.createTempDirectory("pg-cluster-other-ca");
        try {
            // A CA of its own and a client certificate it signed: the lab engines know neither.
            Shell.run(List.of("sh", "-c", "set -e; cd \"$DIR\"; "
                    + "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=other-ca "
                    + "-keyout ca-key.pem -out ca.pem 2>/dev/null; "
                    + "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=client "
                    + "-keyout key.pem -out client.csr 2>/dev/null; "
                    + "printf 'extendedKeyUsage=clientAuth\\n' > ext; "
                    + "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 1 "
                    + "-extfile ext -out cert.pem 2>/dev/null"), Map.of("DIR", otherCa.toString()), null,
                    Duration.ofSeconds(30)).orThrow("openssl");
            var hosts = hostsMap();
            hosts.put("h2", Map.of("endpoint", DockerLab.endpoint("h2"), "certPath", otherCa.toString()));
            refused("wrong-ca", hosts, Map.of("pg0", "h1", "pg1", "h2"),
                    "Docker host h2 (" + DockerLab.endpoint("h2") + ") cannot be reached: TLS failed");

            var plain = hostsMap();
            plain.put("h2", Map.of("endpoint", DockerLab.endpoint("h2")));
            refused("plain-tcp", plain, Map.of("pg0", "h1", "pg1", "h2"),
                    "pg-cluster:dockerHosts.h2.endpoint = \"" + DockerLab.endpoint("h2") + "\" is not allowed without "
                            + "pg-cluster:dockerHosts.h2.certPath");

            refused("unknown-host", hostsMap(), Map.of("pg0", "h1", "pg1", "h9"),
                    "pg-cluster:placement.pg1 = \"h9\" is not allowed: a host of pg-cluster:dockerHosts (h1, h2, h3)");
        } finally {
            try (var files = java.nio.file.Files.walk(otherCa)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** {@code pulumi up} fails with {@code message}, and nothing of the stack exists anywhere. */
    private static void refused(String name, Map<String, Object> hosts, Map<String, Object> placement, String message) {
        refused(name, hosts, placement, message, Map.of());
    }

    /** {@link #refused(String, Map, Map, String)} with {@code extra} config values. */
    private static void refused(String name, Map<String, Object> hosts, Map<String, Object> placement, String message,
                                Map<String, String> extra) {
        var values = new java.util.LinkedHashMap<>(RealCluster.testConfig(1, "monitoring", "false"));
        values.putAll(extra);
        var stack = EngineStack.create(Docker.TEST_STACK_PREFIX + name, values);
        try {
            stack.setMapConfig("dockerHosts", hosts);
            stack.setMapConfig("placement", placement);
            var failure = assertThrows(RuntimeException.class, stack::up);
            assertTrue(failure.getMessage().contains(message), failure.getMessage());
            assertEquals(List.of(), stack.state().stream().filter(r -> !r.type().startsWith("pulumi:")).toList(),
                    "nothing in state");
            for (String host : DockerLab.HOSTS) {
                assertEquals("", DockerLab.dockerOk(host, "ps", "-aq", "--filter", "label=pg-cluster.stack=" + stack.name()),
                        "no container of " + stack.name() + " on " + host);
                assertEquals("", DockerLab.dockerOk(host, "volume", "ls", "-q", "--filter",
                        "label=pg-cluster.stack=" + stack.name()), "no volume of " + stack.name() + " on " + host);
            }
        } finally {
            stack.close();
        }
    }

    private static Map<String, Object> hostsMap() {
        var hosts = new java.util.LinkedHashMap<String, Object>();
        for (String host : DockerLab.HOSTS) {
            hosts.put(host, Map.of("endpoint", DockerLab.endpoint(host), "certPath", DockerLab.CERT_PATH));
        }
        return hosts;
    }

    /** A replication connection (walsender) from this machine, with a password that is wrong anyway. */
    private static void replicationLogin(String host, int port) throws SQLException {
        var props = new Properties();
        props.setProperty("user", "replicator");
        props.setProperty("password", "wrong-password");
        props.setProperty("replication", "true");
        props.setProperty("assumeMinServerVersion", "9.4");
        props.setProperty("preferQueryMode", "simple");
        props.setProperty("sslmode", "verify-full");
        props.setProperty("sslrootcert", TestTrust.file().toString());
        props.setProperty("connectTimeout", "5");
        DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/postgres", props).close();
    }
}
