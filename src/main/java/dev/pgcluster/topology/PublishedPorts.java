package dev.pgcluster.topology;

import dev.pgcluster.cluster.Labels;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.DockerHostSpec;
import dev.pgcluster.config.NodeSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ports the stack publishes on each Docker host, and which of them a container of something
 * else holds there already. A container that cannot bind its port fails when Docker starts it,
 * after the steps before it ran: the program refuses before anything is declared instead, naming
 * the port, its address, the host, who holds it and the config key that chooses it.
 * {@code PublishedPortsTest} holds this list to the ports the declared containers publish.
 */
public final class PublishedPorts {
    private PublishedPorts() {
    }

    /**
     * One port the stack publishes.
     *
     * @param host    the Docker host it is published on
     * @param address the host address (as in the container's ports input)
     * @param port    the port on the host
     * @param what    what listens there and the key that sets the port, for messages
     */
    public record Binding(DockerHostSpec host, String address, int port, String what) {
    }

    /** Every port the stack publishes, host by host, in declaration order. */
    public static List<Binding> of(ClusterConfig config) {
        var bindings = new ArrayList<Binding>();
        List<NodeSpec> nodes = config.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            NodeSpec node = nodes.get(i);
            bindings.add(new Binding(config.hostOf(node), config.publishAddress(node), node.hostPort(),
                    node.name() + "'s PostgreSQL port (pg-cluster:" + (i == 0 ? "primaryPort" : "replicaPorts") + ")"));
            if (config.ha().patroni() && config.peersByAddress()) {
                bindings.add(new Binding(config.hostOf(node), config.publishAddress(node),
                        config.ha().controlPorts().restApi(), node.name() + "'s Patroni REST API (pg-cluster:patroniApiPort)"));
            }
        }
        if (config.ha().patroni() && config.peersByAddress()) {
            for (String member : config.ha().dcsMemberNames()) {
                DockerHostSpec host = config.dcsHostOf(member);
                String address = host.address().orElseThrow();
                var ports = config.ha().controlPorts();
                bindings.add(new Binding(host, address, ports.etcdClient(), member + "'s client port (pg-cluster:etcdPorts)"));
                bindings.add(new Binding(host, address, ports.etcdPeer(), member + "'s peer port (pg-cluster:etcdPorts)"));
                bindings.add(new Binding(host, address, ports.etcdMetrics(), member + "'s metrics port (pg-cluster:etcdPorts)"));
            }
        }
        if (config.monitoring().enabled()) {
            NodeSpec first = nodes.get(0);
            bindings.add(new Binding(config.hostOf(first), config.publishAddress(first), config.monitoring().port(),
                    "Prometheus (pg-cluster:monitoringPort)"));
            for (int i = 0; i < nodes.size(); i++) {
                NodeSpec node = nodes.get(i);
                bindings.add(new Binding(config.hostOf(node), config.publishAddress(node), config.monitoring().exporterPort(i),
                        node.name() + "'s metrics exporter (pg-cluster:monitoringPort + " + (i + 1) + ")"));
            }
        }
        return bindings;
    }

    /** The {@code docker ps --format} template whose lines {@link #conflicts} reads. */
    public static final String PS_FORMAT = "{{.Names}}|{{.Label \"" + Labels.PROJECT + "\"}}|{{.Label \"" + Labels.STACK
            + "\"}}|{{.Ports}}";

    /**
     * The stack's ports that a running container of something else holds: for each host, the
     * lines {@code docker ps --format PS_FORMAT} printed there (a host missing from the map was not
     * asked). A container of this stack holds its own ports; one of another stack, or of anything
     * else, holds them when it publishes the same TCP port on the same address or on all of them
     * (and any address, when the stack's is all of them).
     */
    public static List<String> conflicts(ClusterConfig config, Map<DockerHostSpec, List<String>> running) {
        var problems = new ArrayList<String>();
        for (Binding binding : of(config)) {
            List<String> lines = running.get(binding.host());
            if (lines == null) {
                continue;
            }
            for (String line : lines) {
                String[] fields = line.split("\\|", 4);
                if (fields.length < 4 || (fields[1].equals(config.project()) && fields[2].equals(config.stack()))) {
                    continue;
                }
                if (holds(fields[3], binding.address(), binding.port())) {
                    String owner = fields[1].isEmpty() ? "" : " (pg-cluster stack " + fields[1] + "/" + fields[2] + ")";
                    problems.add("port " + binding.port() + " on " + binding.address() + " of Docker host "
                            + binding.host().describe() + " is taken by container " + fields[0] + owner + ": it is "
                            + binding.what() + ". Choose another port, or stop " + fields[0]);
                    break;
                }
            }
        }
        return problems;
    }

    /**
     * Whether a container's {@code .Ports} ({@code 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp,
     * 127.0.0.1:15432-15433->5432-5433/tcp, 5432/tcp}) publishes TCP {@code port} where
     * {@code address} is.
     */
    static boolean holds(String ports, String address, int port) {
        for (String entry : ports.split(",\\s*")) {
            int arrow = entry.indexOf("->");
            if (arrow < 0 || !entry.endsWith("/tcp")) {
                continue;
            }
            String published = entry.substring(0, arrow);
            int colon = published.lastIndexOf(':');
            if (colon < 0) {
                continue;
            }
            String ip = published.substring(0, colon);
            String range = published.substring(colon + 1);
            int dash = range.indexOf('-');
            int low;
            int high;
            try {
                low = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
                high = dash < 0 ? low : Integer.parseInt(range.substring(dash + 1));
            } catch (NumberFormatException e) {
                continue;
            }
            // The stack publishes on IPv4 addresses: an IPv6 binding ([::]:8080, shown beside
            // 0.0.0.0:8080 for a port published everywhere) holds none of them.
            if (ip.contains(":")) {
                continue;
            }
            boolean sameAddress = ip.isEmpty() || ip.equals("0.0.0.0") || ip.equals(address) || address.equals("0.0.0.0");
            if (sameAddress && port >= low && port <= high) {
                return true;
            }
        }
        return false;
    }
}
