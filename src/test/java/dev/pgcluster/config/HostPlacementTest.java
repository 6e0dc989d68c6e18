package dev.pgcluster.config;

import static dev.pgcluster.testing.TestHosts.H1_ENDPOINT;
import static dev.pgcluster.testing.TestHosts.H2_ENDPOINT;
import static dev.pgcluster.testing.TestHosts.H3_ENDPOINT;
import static dev.pgcluster.testing.TestHosts.certDirectory;
import static dev.pgcluster.testing.TestHosts.json;
import static dev.pgcluster.testing.TestHosts.tlsHost;
import static dev.pgcluster.testing.TestHosts.withHosts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.testing.TestConfigs;
import dev.pgcluster.testing.TestHosts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code dockerHosts} and {@code placement}: which Docker engine each node runs on, where the other
 * nodes reach it, and every refusal naming the key, the value and what is allowed.
 */
class HostPlacementTest {
    private static final Map<String, String> ONE_EACH = Map.of("pg0", "h1", "pg1", "h2", "pg2", "h3");
    private static final String ADDRESS_ALLOWED = "the IPv4 address the other hosts reach this one at (not a loopback "
            + "address, not 0.0.0.0)";

    /** Client files of each host (h1, h2, h3); shared by the table below, which is built before any test runs. */
    @TempDir
    static Path certs;

    private static String tlsRequired(String host, String endpoint) {
        return "pg-cluster:dockerHosts." + host + ".endpoint = \"" + endpoint + "\" is not allowed without pg-cluster:"
                + "dockerHosts." + host + ".certPath: an engine reached over tcp:// must be verified against its CA (a "
                + "directory with ca.pem, cert.pem and key.pem; README: Several Docker hosts). Without TLS, or TLS without "
                + "a CA, anyone on the path can pose as the engine, and its API gives root on the host";
    }

    private static Map<String, Object> host(String endpoint, Object... fieldsAndValues) {
        var host = new LinkedHashMap<String, Object>();
        host.put("endpoint", endpoint);
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            host.put((String) fieldsAndValues[i], String.valueOf(fieldsAndValues[i + 1]));
        }
        return host;
    }

    private static Map<String, Object> tls(String endpoint, String hostName) {
        return new LinkedHashMap<>(tlsHost(endpoint, certDirectory(certs, hostName)));
    }

    /** h1, h2 and h3 over TLS, with {@code h2} as given. */
    private static Map<String, Object> hostsWithH2(Object h2) {
        var hosts = new LinkedHashMap<String, Object>();
        hosts.put("h1", tls(H1_ENDPOINT, "h1"));
        hosts.put("h2", h2);
        hosts.put("h3", tls(H3_ENDPOINT, "h3"));
        return hosts;
    }

    private static Map<String, Object> threeHosts() {
        return hostsWithH2(tls(H2_ENDPOINT, "h2"));
    }

    /** The valid three-host config with {@code extra} keys on top. */
    private static Map<String, String> threeHostsAnd(String... extra) {
        var values = new LinkedHashMap<>(withHosts(threeHosts(), ONE_EACH));
        for (int i = 0; i < extra.length; i += 2) {
            values.put(extra[i], extra[i + 1]);
        }
        return values;
    }

    private static ConfigException refusal(Map<String, String> values) {
        return assertThrows(ConfigException.class, () -> TestConfigs.read("dev", values));
    }

    @Test
    void threeHostsPutEachNodeOnItsEngineAndPeersMeetAtTheHostsAddressAndPublishedPort() {
        var hosts = new LinkedHashMap<String, Object>();
        Path h1Certs = certDirectory(certs, "h1");
        Path h2Certs = certDirectory(certs, "h2");
        hosts.put("h1", tlsHost(H1_ENDPOINT, h1Certs));
        hosts.put("h2", host("tcp://docker-2.lab:2376", "certPath", h2Certs, "address", "192.168.7.12"));
        hosts.put("h3", host("ssh://deploy@10.0.0.5"));
        ClusterConfig config = TestConfigs.read("dev", withHosts(hosts, ONE_EACH));

        assertEquals(List.of(Optional.of("h1"), Optional.of("h2"), Optional.of("h3")),
                config.nodes().stream().map(n -> n.host().orElseThrow().name()).toList());
        assertEquals(List.of(Optional.of(H1_ENDPOINT), Optional.of("tcp://docker-2.lab:2376"),
                Optional.of("ssh://deploy@10.0.0.5")), config.nodes().stream().map(NodeSpec::dockerHost).toList());
        assertEquals(List.of(Optional.of(h1Certs.toString()), Optional.of(h2Certs.toString()), Optional.empty()),
                config.nodes().stream().map(n -> n.host().orElseThrow().certPath()).toList());
        assertEquals(List.of(Optional.of("10.0.0.11"), Optional.of("192.168.7.12"), Optional.of("10.0.0.5")),
                config.nodes().stream().map(NodeSpec::hostAddress).toList(),
                "a tcp:// endpoint's IPv4 address, the one given, an ssh:// endpoint's IPv4 address");
        assertTrue(config.severalHosts());
        assertEquals(List.of("10.0.0.11", "192.168.7.12", "10.0.0.5"),
                config.nodeNames().stream().map(config::peerHost).toList());
        assertEquals(List.of(6000, 6001, 6002), config.nodeNames().stream().map(config::peerPort).toList());
        assertEquals(List.of("10.0.0.11", "192.168.7.12", "10.0.0.5"),
                config.nodes().stream().map(config::publishAddress).toList());
        assertEquals(config.node("pg1").host().orElseThrow(), config.hostOf(config.node("pg1")));
    }

    @Test
    void anSshHostNamedByItsHostNameTakesTheAddressGiven() {
        var hosts = threeHosts();
        hosts.put("h3", host("ssh://deploy@docker-3.lab", "address", "10.0.0.13"));
        ClusterConfig config = TestConfigs.read("dev", withHosts(hosts, ONE_EACH));
        assertEquals(Optional.of("10.0.0.13"), config.node("pg2").hostAddress());
        assertEquals(Optional.empty(), config.node("pg2").host().orElseThrow().certPath());
    }

    /** The several-host rules are about nodes on several engines, not about the keys: one host keeps one host's ways. */
    @Test
    void allNodesOnOneHostOfDockerHostsIsOneHost() {
        ClusterConfig config = TestConfigs.read("dev", withHosts(threeHosts(), Map.of("pg0", "h2", "pg1", "h2", "pg2", "h2")));
        assertFalse(config.severalHosts());
        assertEquals(List.of(Optional.of(H2_ENDPOINT)), config.nodes().stream().map(NodeSpec::dockerHost).distinct().toList());
        assertEquals("pg-cluster-dev-pg2", config.peerHost("pg2"));
        assertEquals(ClusterConfig.POSTGRES_PORT, config.peerPort("pg2"));
        assertEquals("10.0.0.12", config.publishAddress(config.node("pg2")), "published on its host's address");

        var oneHostWays = new LinkedHashMap<>(withHosts(threeHosts(), Map.of("pg0", "h1", "pg1", "h1", "pg2", "h1")));
        oneHostWays.put("tls", "false");
        oneHostWays.put("monitoring", "true");
        assertFalse(TestConfigs.read("dev", oneHostWays).severalHosts(), "tls off and monitoring on one host are fine");
    }

    @Test
    void neitherKeyKeepsEveryNodeOnTheDefaultHost() {
        ClusterConfig config = TestConfigs.config("dev", "replicas", "2");
        assertFalse(config.severalHosts());
        assertTrue(config.nodes().stream().allMatch(n -> n.host().isEmpty()));
        assertEquals("127.0.0.1", config.publishAddress(config.node("pg1")));
    }

    static Stream<Arguments> refusals() throws IOException {
        Path withoutKey = certDirectory(certs, "without-key");
        Files.delete(withoutKey.resolve("key.pem"));
        Path withSpace = certDirectory(certs, "client files");
        return Stream.of(
                Arguments.of("tcp:// without certPath", withHosts(hostsWithH2(host(H2_ENDPOINT)), ONE_EACH),
                        tlsRequired("h2", H2_ENDPOINT)),
                Arguments.of("certPath missing a file", withHosts(hostsWithH2(host(H2_ENDPOINT, "certPath", withoutKey)),
                        ONE_EACH), "pg-cluster:dockerHosts.h2.certPath = \"" + withoutKey + "\" is not allowed: it has no "
                        + "readable key.pem (it must hold ca.pem, cert.pem, key.pem: the CA that signed the engine's "
                        + "certificate, and this client's certificate and key)"),
                Arguments.of("relative certPath", withHosts(hostsWithH2(host(H2_ENDPOINT, "certPath", "certs/h2")),
                        ONE_EACH), "pg-cluster:dockerHosts.h2.certPath = \"certs/h2\" is not allowed: an absolute path "
                        + "to a directory with ca.pem, cert.pem, key.pem"),
                // pgc_on reads PGC_NODE_DOCKER as space-separated fields: the path would reach the steps cut short.
                Arguments.of("certPath with a space", withHosts(hostsWithH2(host(H2_ENDPOINT, "certPath", withSpace)),
                        ONE_EACH), "pg-cluster:dockerHosts.h2.certPath = \"" + withSpace + "\" is not allowed: an "
                        + "absolute path without spaces to a directory with ca.pem, cert.pem, key.pem"),
                Arguments.of("certPath with ssh://", withHosts(hostsWithH2(host("ssh://deploy@10.0.0.12", "certPath",
                        certDirectory(certs, "h2"))), ONE_EACH), "pg-cluster:dockerHosts.h2.certPath is not allowed "
                        + "with endpoint \"ssh://deploy@10.0.0.12\": it is for tcp:// endpoints (ssh:// uses the ssh "
                        + "client's keys)"),
                Arguments.of("ssh:// to a host name without address", withHosts(hostsWithH2(host("ssh://deploy@docker-2")),
                        ONE_EACH), "pg-cluster:dockerHosts.h2.address is not set: the IPv4 address the other hosts reach "
                        + "this one at (it is taken from the endpoint only when that names one)"),
                Arguments.of("an endpoint of another scheme", withHosts(hostsWithH2(host("http://10.0.0.12:2375")),
                        ONE_EACH), "pg-cluster:dockerHosts.h2.endpoint = \"http://10.0.0.12:2375\" is not allowed: "
                        + "tcp://ADDRESS:PORT (with certPath), ssh://USER@HOST or unix:///PATH"),
                Arguments.of("a host without endpoint", withHosts(hostsWithH2(Map.of("address", "10.0.0.12")),
                        ONE_EACH), "pg-cluster:dockerHosts.h2.endpoint is not set: the engine's URL, "
                        + "tcp://ADDRESS:2376 (with certPath) or ssh://USER@HOST"),
                Arguments.of("unknown host field", withHosts(hostsWithH2(host("ssh://deploy@10.0.0.12", "port", "22")),
                        ONE_EACH), "pg-cluster:dockerHosts.h2.port is not a host setting; known: endpoint, certPath, address"),
                Arguments.of("a host that is no object", withHosts(hostsWithH2(H2_ENDPOINT), ONE_EACH),
                        "pg-cluster:dockerHosts.h2 = \"" + H2_ENDPOINT + "\" is not allowed: an object {endpoint, "
                        + "certPath, address}"),
                Arguments.of("bad host name", withHosts(Map.of("H1", tls(H1_ENDPOINT, "h1")), Map.of("pg0", "H1", "pg1",
                        "H1", "pg2", "H1")), "pg-cluster:dockerHosts.H1 is not allowed: a host name is 1 to 20 lowercase "
                        + "letters, digits and dashes, starting with a letter"),
                Arguments.of("no host at all", withHosts(Map.of(), ONE_EACH), "pg-cluster:dockerHosts = {} is not allowed: "
                        + "name at least one host"),
                Arguments.of("placement naming an unknown host", withHosts(threeHosts(), Map.of("pg0", "h1", "pg1", "h9",
                        "pg2", "h3")), "pg-cluster:placement.pg1 = \"h9\" is not allowed: a host of pg-cluster:dockerHosts "
                        + "(h1, h2, h3)"),
                Arguments.of("placement missing a node", withHosts(threeHosts(), Map.of("pg0", "h1", "pg1", "h2")),
                        "pg-cluster:placement.pg2 is not set: with pg-cluster:placement, every node names its host "
                        + "(h1, h2, h3)"),
                Arguments.of("placement naming no node of the cluster", withHosts(threeHosts(), Map.of("pg0", "h1", "pg1",
                        "h2", "pg2", "h3", "pg3", "h3")), "pg-cluster:placement.pg3 is not allowed: the cluster's nodes "
                        + "are pg0, pg1, pg2"),
                Arguments.of("placement without dockerHosts", Map.of("replicas", "2", "placement", json(ONE_EACH)),
                        "pg-cluster:placement is set but pg-cluster:dockerHosts is not: set both, pg-cluster:dockerHosts "
                        + "(host name → {endpoint, certPath, address}) and pg-cluster:placement (node → host name)"),
                Arguments.of("dockerHosts without placement", Map.of("replicas", "2", "dockerHosts", json(threeHosts())),
                        "pg-cluster:dockerHosts is set but pg-cluster:placement is not: set both, pg-cluster:dockerHosts "
                        + "(host name → {endpoint, certPath, address}) and pg-cluster:placement (node → host name)"),
                Arguments.of("two hosts with one endpoint", withHosts(hostsWithH2(host(H1_ENDPOINT, "certPath",
                        certDirectory(certs, "h2"), "address", "10.0.0.12")), ONE_EACH), "pg-cluster:dockerHosts.h2.endpoint "
                        + "= \"" + H1_ENDPOINT + "\" is not allowed: pg-cluster:dockerHosts.h1 has it too; each host is "
                        + "another Docker engine on another machine, with an endpoint of its own"),
                Arguments.of("two hosts with one address", withHosts(hostsWithH2(host(H2_ENDPOINT, "certPath",
                        certDirectory(certs, "h2"), "address", "10.0.0.11")), ONE_EACH), "pg-cluster:dockerHosts.h2.address "
                        + "= \"10.0.0.11\" is not allowed: pg-cluster:dockerHosts.h1 has it too; each host is another "
                        + "Docker engine on another machine, with an address of its own"),
                Arguments.of("a loopback address", withHosts(hostsWithH2(host(H2_ENDPOINT, "certPath",
                        certDirectory(certs, "h2"), "address", "127.0.0.1")), ONE_EACH),
                        "pg-cluster:dockerHosts.h2.address = \"127.0.0.1\" is not allowed: " + ADDRESS_ALLOWED),
                Arguments.of("the any address", withHosts(hostsWithH2(host(H2_ENDPOINT, "certPath",
                        certDirectory(certs, "h2"), "address", "0.0.0.0")), ONE_EACH),
                        "pg-cluster:dockerHosts.h2.address = \"0.0.0.0\" is not allowed: " + ADDRESS_ALLOWED),
                Arguments.of("an address that is a name", withHosts(hostsWithH2(host(H2_ENDPOINT, "certPath",
                        certDirectory(certs, "h2"), "address", "docker-2.lab")), ONE_EACH),
                        "pg-cluster:dockerHosts.h2.address = \"docker-2.lab\" is not allowed: " + ADDRESS_ALLOWED),
                Arguments.of("dockerHost with placement", threeHostsAnd("dockerHost", "ssh://ops@db-host"),
                        "pg-cluster:dockerHost = \"ssh://ops@db-host\" is not allowed with pg-cluster:placement: every "
                        + "node names its host there"),
                Arguments.of("publishAddress with placement", threeHostsAnd("publishAddress", "0.0.0.0"),
                        "pg-cluster:publishAddress = \"0.0.0.0\" is not allowed with pg-cluster:placement: each node's "
                        + "port is published on its host's address (pg-cluster:dockerHosts.<host>.address)"),
                Arguments.of("several hosts without TLS", threeHostsAnd("tls", "false"), "pg-cluster:tls = \"false\" is "
                        + "not allowed with nodes on several Docker hosts: replication and clients cross the network "
                        + "between them"),
                Arguments.of("more etcd members than hosts", threeHostsAnd("ha", "patroni", "image",
                        BadConfigValues.PATRONI_IMAGE, "dcsMembers", "5"), "pg-cluster:dcsMembers = \"5\" is not allowed "
                        + "with 3 hosts in pg-cluster:dockerHosts: etcd member i runs on the i-th host, one per host, so "
                        + "that losing a host never loses the DCS's majority; add a host (it needs no node) or lower "
                        + "pg-cluster:dcsMembers"),
                Arguments.of("two nodes on one host", threeHostsAnd("placement",
                        "{\"pg0\": \"h1\", \"pg1\": \"h2\", \"pg2\": \"h2\"}"),
                        "pg-cluster:placement puts pg1 and pg2 on h2, which is not allowed with nodes on several hosts: "
                        + "one node per host (nodes reach each other at their host's address, and a node cannot "
                        + "replicate from one beside it that way; with Patroni each also publishes its REST API on "
                        + "pg-cluster:patroniApiPort)"),
                Arguments.of("a Patroni node on etcd's port", threeHostsAnd("ha", "patroni", "image",
                        BadConfigValues.PATRONI_IMAGE, "replicaPorts", "[2379, 6002]"),
                        "pg-cluster:replicaPorts = \"2379\" is not allowed with pg-cluster:ha = \"patroni\" on several "
                        + "hosts: Patroni and etcd publish [8008, 2379, 2380, 2381] on each host (pg-cluster:patroniApiPort, "
                        + "pg-cluster:etcdPorts)"),
                Arguments.of("a Patroni node on a chosen etcd port", threeHostsAnd("ha", "patroni", "image",
                        BadConfigValues.PATRONI_IMAGE, "etcdPorts", "[12379, 12380, 6001]"),
                        "pg-cluster:replicaPorts = \"6001\" is not allowed with pg-cluster:ha = \"patroni\" on several "
                        + "hosts: Patroni and etcd publish [8008, 12379, 12380, 6001] on each host (pg-cluster:patroniApiPort, "
                        + "pg-cluster:etcdPorts)"),
                Arguments.of("etcdPorts that are not three", threeHostsAnd("ha", "patroni", "image",
                        BadConfigValues.PATRONI_IMAGE, "etcdPorts", "[12379, 12380]"),
                        "pg-cluster:etcdPorts = \"[12379, 12380]\" is not allowed: three different ports: etcd's client, peer "
                        + "and metrics ports, e.g. [2379, 2380, 2381]"),
                Arguments.of("the REST API on an etcd port", threeHostsAnd("ha", "patroni", "image",
                        BadConfigValues.PATRONI_IMAGE, "patroniApiPort", "2380"),
                        "pg-cluster:patroniApiPort = \"2380\" is not allowed: it is one of pg-cluster:etcdPorts [2379, 2380, 2381]"),
                Arguments.of("patroniApiPort on one host", Map.of("ha", "patroni", "image", BadConfigValues.PATRONI_IMAGE,
                        "patroniApiPort", "18008"),
                        "pg-cluster:patroniApiPort = \"18008\" is not allowed: it applies only with nodes on several Docker "
                        + "hosts (pg-cluster:placement), where Patroni and etcd publish their ports on each host's address; "
                        + "on one host they publish nothing"),
                Arguments.of("etcdPorts with ha: none", threeHostsAnd("etcdPorts", "[12379, 12380, 12381]"),
                        "pg-cluster:etcdPorts = \"[12379, 12380, 12381]\" is not allowed: it applies only with pg-cluster:ha = "
                        + "\"patroni\" (pg-cluster:ha is \"none\")"),
                Arguments.of("monitoring ports on Patroni's", threeHostsAnd("ha", "patroni", "image",
                        BadConfigValues.PATRONI_IMAGE, "monitoring", "true", "monitoringPort", "2377"),
                        "pg-cluster:monitoringPort = \"2377\" is not allowed with pg-cluster:ha = \"patroni\" on several "
                        + "hosts: pg1's exporter would publish 2379 on h2, where Patroni and etcd publish [8008, 2379, 2380, "
                        + "2381] (pg-cluster:patroniApiPort, pg-cluster:etcdPorts)"),
                Arguments.of("an exporter on the REST API's port", threeHostsAnd("ha", "patroni", "image",
                        BadConfigValues.PATRONI_IMAGE, "monitoring", "true", "monitoringPort", "8006"),
                        "pg-cluster:monitoringPort = \"8006\" is not allowed with pg-cluster:ha = \"patroni\" on several "
                        + "hosts: pg1's exporter would publish 8008 on h2, where Patroni and etcd publish [8008, 2379, 2380, "
                        + "2381] (pg-cluster:patroniApiPort, pg-cluster:etcdPorts)"),
                Arguments.of("an endpoint on every interface", withHosts(Map.of("h1", tls("tcp://0.0.0.0:2376", "h1")),
                        Map.of("pg0", "h1", "pg1", "h1", "pg2", "h1")),
                        "pg-cluster:dockerHosts.h1.address is not set: the IPv4 address the other hosts reach this one at "
                        + "(it is taken from the endpoint only when that names one)"),
                Arguments.of("dockerHosts that is no JSON map", threeHostsAnd("dockerHosts", "{\"h1\": {\"endpoint\": "),
                        "pg-cluster:dockerHosts = {\"h1\": {\"endpoint\":  is not allowed: a map of host name → {endpoint, "
                        + "certPath, address} (a YAML map in the stack file, or pulumi config set --path)"),
                Arguments.of("dockerHosts that is a list", threeHostsAnd("dockerHosts", "[\"h1\", \"h2\"]"),
                        "pg-cluster:dockerHosts = [\"h1\", \"h2\"] is not allowed: a map of host name → {endpoint, "
                        + "certPath, address} (a YAML map in the stack file, or pulumi config set --path)"),
                Arguments.of("lostHosts on one host", Map.of("replicas", "1", "lostHosts", "h1"),
                        "pg-cluster:lostHosts = \"h1\" is not allowed: only with nodes on several Docker hosts "
                        + "(pg-cluster:dockerHosts, pg-cluster:placement)"),
                Arguments.of("lostHosts with Patroni", threeHostsAnd("ha", "patroni", "image",
                        BadConfigValues.PATRONI_IMAGE, "lostHosts", "h1"),
                        "pg-cluster:lostHosts = \"h1\" is not allowed: only with pg-cluster:ha = \"none\": with Patroni "
                        + "the cluster fails over by itself, and a lost host's members need nothing from config"),
                Arguments.of("lostHosts naming no node's host", threeHostsAnd("primary", "pg1", "lostHosts", "h1, h9"),
                        "pg-cluster:lostHosts = \"h1, h9\" is not allowed: names of hosts of pg-cluster:placement that hold "
                        + "a node (h1, h2, h3), separated by commas"),
                Arguments.of("lostHosts naming the primary's host", threeHostsAnd("lostHosts", "[\"h1\"]"),
                        "pg-cluster:lostHosts = \"[\"h1\"]\" is not allowed: a host other than the configured primary's "
                        + "(pg-cluster:primary = \"pg0\" is on h1): fail over to a node on a host that answers"),
                Arguments.of("swarmOverlay on one host", Map.of("replicas", "1", "swarmOverlay", "true"),
                        "pg-cluster:swarmOverlay = \"true\" is not allowed: only with nodes on several Docker hosts "
                        + "(pg-cluster:dockerHosts, pg-cluster:placement)"),
                Arguments.of("swarmOverlay with Patroni", threeHostsAnd("ha", "patroni", "image",
                        BadConfigValues.PATRONI_IMAGE, "swarmOverlay", "true"),
                        "pg-cluster:swarmOverlay = \"true\" is not allowed with pg-cluster:ha = \"patroni\": not built yet "
                        + "(Patroni's REST API and etcd reach each other at the hosts' addresses)"),
                Arguments.of("backup on several hosts", threeHostsAnd("backup", "true", "image", BadConfigValues.BACKUP_IMAGE),
                        "pg-cluster:backup = \"true\" is not allowed with nodes on several Docker hosts "
                        + "(pg-cluster:dockerHosts, pg-cluster:placement): not built yet (README: Backups and recovery)"),
                Arguments.of("placement that is no JSON map", threeHostsAnd("placement", "pg0=h1"),
                        "pg-cluster:placement = pg0=h1 is not allowed: a map of node → host name, e.g. {pg0: h1, pg1: h2} "
                        + "(a YAML map in the stack file, or pulumi config set --path)"));
    }

    /** lostHosts beside a primary that names no node: the primary's problem, reported like any other. */
    @Test
    void lostHostsBesideAnInvalidPrimaryReportsThePrimary() {
        var e = refusal(threeHostsAnd("primary", "pg7", "lostHosts", "h1"));
        assertEquals(1, e.problems().size(), e.problems().toString());
        assertTrue(e.problems().get(0).startsWith("pg-cluster:primary = \"pg7\" is not allowed"), e.problems().toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusesNamingTheKeyTheValueAndWhatIsAllowed(String what, Map<String, String> values, String message) {
        var e = refusal(values);
        assertEquals(List.of(message), e.problems(), what);
        assertEquals("invalid pg-cluster config: " + message, e.getMessage());
    }

    /** A YAML map reaches the program as JSON; a map written in flow style by hand is read too. */
    @Test
    void readsAPlacementWrittenAsTheMessagesExample() {
        var values = new LinkedHashMap<>(threeHostsAnd());
        values.put("placement", "{pg0: h1, pg1: h2, pg2: h3}");
        assertEquals(List.of("h1", "h2", "h3"), TestConfigs.read("dev", values).nodes().stream()
                .map(n -> n.host().orElseThrow().name().orElseThrow()).toList());
    }

    @Test
    void reportsEveryHostProblemAndEveryKeyThatExcludesPlacementAtOnce() {
        var hosts = new LinkedHashMap<String, Object>();
        hosts.put("h1", host(H1_ENDPOINT));
        hosts.put("h2", host(H2_ENDPOINT, "certPath", certDirectory(certs, "h2"), "address", "127.0.0.2"));
        hosts.put("h3", host("ssh://deploy@10.0.0.13", "port", "22"));
        var values = new LinkedHashMap<>(withHosts(hosts, ONE_EACH));
        values.put("dockerHost", "ssh://ops@db-host");
        values.put("publishAddress", "0.0.0.0");
        values.put("replicas", "two");
        var e = refusal(values);
        assertEquals(List.of(
                "pg-cluster:replicas = \"two\" is not allowed: a whole number from 0 to 10",
                tlsRequired("h1", H1_ENDPOINT),
                "pg-cluster:dockerHosts.h2.address = \"127.0.0.2\" is not allowed: " + ADDRESS_ALLOWED,
                "pg-cluster:dockerHosts.h3.port is not a host setting; known: endpoint, certPath, address",
                "pg-cluster:dockerHost = \"ssh://ops@db-host\" is not allowed with pg-cluster:placement: every node "
                        + "names its host there",
                "pg-cluster:publishAddress = \"0.0.0.0\" is not allowed with pg-cluster:placement: each node's port is "
                        + "published on its host's address (pg-cluster:dockerHosts.<host>.address)"), e.problems());
        assertTrue(e.getMessage().startsWith("invalid pg-cluster config:\n  - pg-cluster:replicas"), e.getMessage());
    }

    @Test
    void theThreeHostsOfTheTestHelperAreValid() {
        ClusterConfig config = TestConfigs.read("dev", TestHosts.threeTlsHosts(certs.resolve("helper")));
        assertTrue(config.severalHosts());
        assertTrue(config.nodes().stream().allMatch(n -> n.host().orElseThrow().certPath().isPresent()));
    }
}
