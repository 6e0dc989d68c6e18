package dev.pgcluster.cluster;

import com.pulumi.core.Output;
import com.pulumi.docker.Network;
import com.pulumi.docker.NetworkArgs;
import com.pulumi.docker.inputs.NetworkIpamConfigArgs;
import com.pulumi.docker.inputs.NetworkLabelArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import dev.pgcluster.config.ClusterConfig;
import java.util.List;
import java.util.Map;

/**
 * The cluster's user-defined bridge network, on a fixed subnet: nodes find each other by name
 * through Docker's DNS, and pg_hba.conf allows replication only from this subnet.
 */
public final class ClusterNetwork extends ComponentResource {
    public static final String TYPE = "pgcluster:index:ClusterNetwork";
    private final String plannedName;

    private final Network network;

    /**
     * @param name      the component's name; the network's Docker name is {@code <name>}
     * @param config    the cluster config (subnet, labels)
     * @param placement the Docker host of the network
     * @param options   component options (parent)
     */
    public ClusterNetwork(String name, ClusterConfig config, Placement placement, ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.plannedName = name;
        this.network = new Network(name, NetworkArgs.builder()
                .name(name)
                .driver("bridge")
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
                placement.dockerOptions(this).deleteBeforeReplace(true).ignoreChanges(List.of("labels")).build());
        registerOutputs(Map.of("networkName", network.name()));
    }

    public Output<String> networkName() {
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

    public Network network() {
        return network;
    }
}
