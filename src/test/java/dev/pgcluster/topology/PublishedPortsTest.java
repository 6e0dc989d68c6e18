package dev.pgcluster.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.DockerHostSpec;
import dev.pgcluster.testing.DeclaredResource;
import dev.pgcluster.testing.DeclaredStack;
import dev.pgcluster.testing.TestConfigs;
import dev.pgcluster.testing.TestHosts;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ports the stack publishes ({@link PublishedPorts}), held to what the declared containers
 * publish, and which of them a running container of something else holds (from {@code docker ps}).
 */
class PublishedPortsTest {
    @TempDir
    Path certs;

    private static final String PATRONI_IMAGE = "registry.example.com/pg-cluster/patroni:17.6-4.0.7";

    private ClusterConfig threeHostsPatroniWithMonitoring(String... extra) {
        var values = new LinkedHashMap<>(TestHosts.threeTlsHosts(certs));
        values.put("ha", "patroni");
        values.put("image", PATRONI_IMAGE);
        values.put("monitoring", "true");
        for (int i = 0; i < extra.length; i += 2) {
            values.put(extra[i], extra[i + 1]);
        }
        return TestConfigs.read("test", values);
    }

    /** host|address|port of every port the declared containers publish (host "default": the default provider). */
    @SuppressWarnings("unchecked")
    private static Set<String> declared(ClusterConfig config) {
        var published = new TreeSet<String>();
        for (DeclaredResource container : DeclaredStack.of(config).ofType("docker:index/container:Container")) {
            var ports = (List<Map<String, Object>>) container.input("ports");
            if (ports == null) {
                continue;
            }
            String host = container.provider().map(p -> p.substring(p.lastIndexOf("-docker-") + "-docker-".length()))
                    .filter(h -> !h.equals("0")).orElse("default");
            for (var port : ports) {
                published.add(host + "|" + port.get("ip") + "|" + ((Number) port.get("external")).intValue());
            }
        }
        return published;
    }

    private static Set<String> listed(ClusterConfig config) {
        return PublishedPorts.of(config).stream()
                .map(b -> b.host().name().orElse("default") + "|" + b.address() + "|" + b.port())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** Every port a declared container publishes is listed, on its host and address, and nothing else is. */
    @Test
    void theListIsWhatTheDeclaredContainersPublish() {
        for (ClusterConfig config : List.of(TestConfigs.shipped("dev"), TestConfigs.config("dev", "monitoring", "true"),
                TestConfigs.read("test", TestHosts.threeTlsHosts(certs)), threeHostsPatroniWithMonitoring(),
                threeHostsPatroniWithMonitoring("patroniApiPort", "18008", "etcdPorts", "[12379, 12380, 12381]"))) {
            Set<String> listed = listed(config);
            assertFalse(listed.isEmpty());
            assertEquals(declared(config), listed, config.namePrefix() + " " + config.ha().mode() + " hosts "
                    + config.dockerHosts().size());
        }
    }

    private static Map<DockerHostSpec, List<String>> onEveryHost(ClusterConfig config, String... psLines) {
        var running = new LinkedHashMap<DockerHostSpec, List<String>>();
        PublishedPorts.of(config).forEach(b -> running.put(b.host(), List.of(psLines)));
        return running;
    }

    @Test
    void aPortAnotherContainerPublishesOnTheSameAddressOrEverywhereIsTaken() {
        ClusterConfig config = TestConfigs.shipped("dev");
        int port = config.primary().hostPort();
        String address = config.publishAddress(config.primary());
        var conflicts = PublishedPorts.conflicts(config, onEveryHost(config,
                "other-db|||0.0.0.0:" + port + "->5432/tcp, [::]:" + port + "->5432/tcp"));
        assertEquals(List.of("port " + port + " on " + address + " of Docker host " + config.hostOf(config.primary()).describe()
                + " is taken by container other-db: it is pg0's PostgreSQL port (pg-cluster:primaryPort). Choose another port, "
                + "or stop other-db"), conflicts);

        var sameAddress = PublishedPorts.conflicts(config, onEveryHost(config,
                "pg-cluster-staging-pg0|pg-cluster|staging|" + address + ":" + port + "->5432/tcp"));
        assertEquals(1, sameAddress.size(), sameAddress.toString());
        assertTrue(sameAddress.get(0).contains("taken by container pg-cluster-staging-pg0 (pg-cluster stack pg-cluster/staging)"),
                sameAddress.get(0));
        assertEquals(1, PublishedPorts.conflicts(config, onEveryHost(config,
                "ranges|||127.0.0.1:" + (port - 2) + "-" + port + "->7000-7002/tcp")).size(), "a range holds it");
    }

    @Test
    void theStacksOwnContainersOtherAddressesIpv6UdpAndUnpublishedPortsHoldNothing() {
        ClusterConfig config = TestConfigs.shipped("dev");
        int port = config.primary().hostPort();
        assertEquals(List.of(), PublishedPorts.conflicts(config, onEveryHost(config,
                config.containerName("pg0") + "|" + config.project() + "|" + config.stack() + "|127.0.0.1:" + port + "->5432/tcp",
                "elsewhere|||10.9.9.9:" + port + "->5432/tcp",
                "ipv6|||[::1]:" + port + "->5432/tcp",
                "udp|||0.0.0.0:" + port + "->5432/udp",
                "inside|||5432/tcp",
                "nothing|||")));
        assertEquals(List.of(), PublishedPorts.conflicts(config, Map.of()), "a host that was not asked");
    }

    /** A stack that publishes on every address (0.0.0.0) is held up by a port on any one of them. */
    @Test
    void aStackOnEveryAddressIsHeldUpByThePortOnAnyOne() {
        ClusterConfig config = TestConfigs.config("dev", "publishAddress", "0.0.0.0");
        int port = config.primary().hostPort();
        assertEquals(1, PublishedPorts.conflicts(config, onEveryHost(config,
                "local|||127.0.0.1:" + port + "->5432/tcp")).size());
    }

    /** Across hosts the port is taken only on the host where the other container runs. */
    @Test
    void acrossHostsOnlyTheHostThatHoldsThePortCounts() {
        ClusterConfig config = threeHostsPatroniWithMonitoring();
        var running = new LinkedHashMap<DockerHostSpec, List<String>>();
        for (String node : List.of("pg0", "pg1", "pg2")) {
            running.put(config.hostOf(config.node(node)), List.of());
        }
        running.put(config.hostOf(config.node("pg1")), List.of("etcd|||10.0.0.12:2379->2379/tcp"));
        var conflicts = PublishedPorts.conflicts(config, running);
        assertEquals(1, conflicts.size(), conflicts.toString());
        assertTrue(conflicts.get(0).startsWith("port 2379 on 10.0.0.12 of Docker host h2 (" + TestHosts.H2_ENDPOINT
                + ") is taken by container etcd: it is etcd1's client port (pg-cluster:etcdPorts)"), conflicts.get(0));
    }
    /**
     * patroniApiPort and etcdPorts are the ports published on the hosts and the ones the members
     * advertise to each other; inside the containers Patroni and etcd listen where they always do.
     */
    @Test
    @SuppressWarnings("unchecked")
    void chosenControlPortsArePublishedAndAdvertisedWhileTheContainersListenAsAlways() {
        ClusterConfig config = threeHostsPatroniWithMonitoring("patroniApiPort", "18008", "etcdPorts", "[12379, 12380, 12381]");
        var stack = DeclaredStack.of(config);
        var inside = new TreeSet<String>();
        for (DeclaredResource container : stack.ofType("docker:index/container:Container")) {
            if (container.name().endsWith("-etcd0") || container.name().endsWith("-pg0")) {
                for (var port : (List<Map<String, Object>>) container.input("ports")) {
                    inside.add(((Number) port.get("external")).intValue() + "->" + ((Number) port.get("internal")).intValue());
                }
            }
        }
        assertEquals(new TreeSet<>(List.of("12379->2379", "12380->2380", "12381->2381", "18008->8008",
                config.primary().hostPort() + "->5432")), inside);
        String etcd = dev.pgcluster.mode.patroni.PatroniFiles.etcdConfig(config, "etcd0");
        assertTrue(etcd.contains("\"listen-client-urls\": \"https://0.0.0.0:2379\"")
                && etcd.contains("\"advertise-client-urls\": \"https://10.0.0.11:12379\"")
                && etcd.contains("\"initial-advertise-peer-urls\": \"https://10.0.0.11:12380\"")
                && etcd.contains("etcd2=https://10.0.0.13:12380"), etcd);
        String member = dev.pgcluster.mode.patroni.PatroniFiles.memberConfig(config, "pg1");
        assertEquals(java.util.Optional.of("10.0.0.12:18008"), dev.pgcluster.mode.patroni.PatroniFiles.restApiAddress(member));
        assertTrue(member.contains("\"listen\": \"0.0.0.0:8008\"") && member.contains("10.0.0.13:12379"), member);
    }
}
