package dev.pgcluster.cluster;

import com.pulumi.core.Output;
import com.pulumi.docker.Network;
import com.pulumi.docker.NetworkArgs;
import com.pulumi.docker.inputs.NetworkIpamConfigArgs;
import com.pulumi.docker.inputs.NetworkLabelArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.DockerHostSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster's user-defined bridge network, on a fixed subnet: nodes find each other by name
 * through Docker's DNS, and pg_hba.conf allows replication only from this subnet. With nodes on
 * several Docker hosts, each host has one of the same name and subnet (its nodes and one-off
 * containers join it; the hosts' nodes reach each other over published ports), or with
 * {@code swarmOverlay} one attachable overlay network of the hosts' swarm that every host's
 * containers join, where nodes find each other by name as on one host.
 */
public final class ClusterNetwork extends ComponentResource {
    public static final String TYPE = "pgcluster:index:ClusterNetwork";
    private final String plannedName;

    /** Host → its network; the first is the anchor host's (the resource named as the component). */
    private final Map<DockerHostSpec, Network> networks = new LinkedHashMap<>();

    /**
     * @param name       the component's name; each network's Docker name is {@code <name>}
     * @param config     the cluster config (subnet, labels)
     * @param placements the Docker hosts with nodes, the anchor host (the first node's) first
     * @param options    component options (parent)
     */
    public ClusterNetwork(String name, ClusterConfig config, List<Placement> placements, ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.plannedName = name;
        for (Placement placement : placements) {
            if (config.swarmOverlay() && !networks.isEmpty()) {
                // One overlay for every host, made on the anchor host (a swarm manager, checked
                // before anything is declared); containers on the others attach to it by name.
                networks.put(placement.host(), networks.values().iterator().next());
                continue;
            }
            String resourceName = networks.isEmpty() ? name
                    : name + "-" + placement.host().name().orElseThrow();
            var args = NetworkArgs.builder();
            if (config.swarmOverlay()) {
                args.attachable(true);
            }
            networks.put(placement.host(), new Network(resourceName, args
                    .name(name)
                    .driver(config.swarmOverlay() ? "overlay" : "bridge")
                    .ipamConfigs(NetworkIpamConfigArgs.builder()
                            .subnet(config.subnet().cidr())
                            .gateway(config.subnet().gateway())
                            .build())
                    .labels(Labels.network(config).entrySet().stream()
                            .map(e -> NetworkLabelArgs.builder().label(e.getKey()).value(e.getValue()).build())
                            .toList())
                    .build(),
                    // The Docker name is fixed, so a replacement must remove the old network first;
                    // Docker cannot relabel a network, and a label is no reason to rebuild the cluster.
                    placement.dockerOptions(this).deleteBeforeReplace(true).ignoreChanges(placement.ignoring(List.of("labels"))).build()));
        }
        registerOutputs(Map.of("networkName", networkName()));
    }

    /** The network's Docker name, from the anchor host's network. */
    public Output<String> networkName() {
        return networks.values().iterator().next().name();
    }

    /** The network's Docker name on {@code placement}'s host (a node there waits for it). */
    public Output<String> networkName(Placement placement) {
        Network network = networks.get(placement.host());
        if (network == null) {
            throw new IllegalArgumentException("no cluster network on " + placement.host().describe());
        }
        return network.name();
    }

    /**
     * The network's Docker name as a plain value, for inputs that must not wait for the network:
     * a primary's seed runs without a network, and a standby's runs only after the primary's
     * container, which joined the network.
     */
    public String plannedName() {
        return plannedName;
    }

    /** The network on {@code placement}'s host. */
    public Network network(Placement placement) {
        networkName(placement);
        return networks.get(placement.host());
    }

    /** The anchor host's network. */
    public Network network() {
        return networks.values().iterator().next();
    }
}
