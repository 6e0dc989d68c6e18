package dev.pgcluster.cluster;

import com.pulumi.core.Output;
import com.pulumi.deployment.InvokeOptions;
import com.pulumi.docker.DockerFunctions;
import com.pulumi.docker.Provider;
import com.pulumi.docker.ProviderArgs;
import com.pulumi.docker.RemoteImage;
import com.pulumi.docker.RemoteImageArgs;
import com.pulumi.docker.inputs.GetRemoteImageArgs;
import com.pulumi.docker.outputs.GetRemoteImageResult;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.ProviderResource;
import dev.pgcluster.cluster.ConnectionStrings.Endpoint;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.NodeSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A PostgreSQL primary with N streaming replicas on Docker: network, passwords, image, nodes.
 * Every Docker object is named {@code <project>-<stack>-…}, so stacks sharing a Docker host never
 * collide.
 */
public final class PostgresCluster extends ComponentResource {
    public static final String TYPE = "pgcluster:index:PostgresCluster";

    private final ClusterConfig config;
    private final ClusterNetwork network;
    private final ClusterSecrets secrets;
    private final PrimaryNode primary;
    private final List<ReplicaNode> replicas = new ArrayList<>();

    /**
     * @param config the validated cluster config; its name prefix names the component
     */
    public PostgresCluster(ClusterConfig config) {
        super(TYPE, config.namePrefix(), ComponentResourceOptions.builder().build());
        this.config = config;
        String name = config.namePrefix();
        var placements = placements(name);

        NodeSpec primaryNode = config.primary();
        Placement primaryPlacement = placements.get(primaryNode.dockerHost());
        this.network = new ClusterNetwork(name + "-net", config, primaryPlacement, child());
        this.secrets = new ClusterSecrets(name + "-secrets", config, child());
        Output<String> image = image(name + "-image", primaryPlacement);

        this.primary = new PrimaryNode(name + "-" + primaryNode.name(), config, primaryNode, image, network, secrets,
                primaryPlacement, child());
        for (NodeSpec replica : config.replicas()) {
            Placement placement = placements.get(replica.dockerHost());
            replicas.add(new ReplicaNode(name + "-" + replica.name(), config, replica, image, primary, network, secrets,
                    placement, child()));
        }
        registerOutputs(Map.of(
                "networkName", network.networkName(),
                "primaryConnectionString", primaryConnectionString()));
    }

    private ComponentResourceOptions child() {
        return ComponentResourceOptions.builder().parent(this).build();
    }

    /** One docker provider per distinct Docker host; nodes on the default host use the default provider. */
    private Map<Optional<String>, Placement> placements(String name) {
        var placements = new HashMap<Optional<String>, Placement>();
        for (NodeSpec node : config.nodes()) {
            placements.computeIfAbsent(node.dockerHost(), host -> host
                    .map(url -> {
                        ProviderResource provider = new Provider(name + "-docker-" + placements.size(),
                                ProviderArgs.builder().host(url).build(),
                                CustomResourceOptions.builder().parent(this).build());
                        return new Placement(url, Optional.of(provider));
                    })
                    .orElseGet(() -> new Placement(config.defaultDockerHost(), Optional.empty())));
        }
        return placements;
    }

    /**
     * The image's ID: pulled through the provider (kept when the stack goes: other stacks may use
     * it), or looked up on the Docker host. Never the tag itself: the provider reads a
     * container's image back as an ID and would replace a container declared with a tag on every
     * run.
     */
    private Output<String> image(String name, Placement placement) {
        if (!config.pullImage()) {
            var options = InvokeOptions.builder().parent(this);
            placement.provider().ifPresent(options::provider);
            return DockerFunctions.getRemoteImage(GetRemoteImageArgs.builder().name(config.image()).build(),
                    options.build()).applyValue(GetRemoteImageResult::id);
        }
        var remote = new RemoteImage(name, RemoteImageArgs.builder()
                .name(config.image())
                .keepLocally(true)
                .build(),
                placement.dockerOptions(this).build());
        return remote.imageId();
    }

    private Endpoint endpoint(NodeSpec node) {
        return new Endpoint(ConnectionStrings.clientHost(config.publishAddress(), node.dockerHost()), node.hostPort());
    }

    public String primaryHost() {
        return endpoint(config.primary()).host();
    }

    public int primaryPort() {
        return config.primary().hostPort();
    }

    public Output<String> primaryConnectionString() {
        return secrets.superuserPassword().applyValue(pw ->
                ConnectionStrings.uri(ClusterConfig.SUPERUSER, pw, endpoint(config.primary()), config.database())).asSecret();
    }

    public Output<String> primaryJdbcUrl() {
        return secrets.superuserPassword().applyValue(pw ->
                ConnectionStrings.jdbcUrl(ClusterConfig.SUPERUSER, pw, endpoint(config.primary()), config.database())).asSecret();
    }

    /** Node name → connection string, for each replica. */
    public Output<Map<String, String>> replicaConnectionStrings() {
        return secrets.superuserPassword().applyValue(pw -> {
            var strings = new LinkedHashMap<String, String>();
            config.replicas().forEach(r ->
                    strings.put(r.name(), ConnectionStrings.uri(ClusterConfig.SUPERUSER, pw, endpoint(r), config.database())));
            return (Map<String, String>) strings;
        }).asSecret();
    }

    /** Replicas first, then the primary: prefers a standby, falls back to the primary. */
    private List<Endpoint> readOnlyEndpoints() {
        var endpoints = new ArrayList<Endpoint>();
        config.replicas().forEach(r -> endpoints.add(endpoint(r)));
        endpoints.add(endpoint(config.primary()));
        return endpoints;
    }

    public Output<String> readOnlyConnectionString() {
        return secrets.superuserPassword().applyValue(pw ->
                ConnectionStrings.readOnlyUri(ClusterConfig.SUPERUSER, pw, readOnlyEndpoints(), config.database())).asSecret();
    }

    public Output<String> readOnlyJdbcUrl() {
        return secrets.superuserPassword().applyValue(pw ->
                ConnectionStrings.readOnlyJdbcUrl(ClusterConfig.SUPERUSER, pw, readOnlyEndpoints(), config.database())).asSecret();
    }

    public List<String> replicationSlots() {
        return config.replicaNames();
    }

    public String replicationMode() {
        return config.sync().describe(config.replicaNames());
    }

    public ClusterNetwork network() {
        return network;
    }

    public ClusterSecrets secrets() {
        return secrets;
    }

    public PrimaryNode primary() {
        return primary;
    }

    public List<ReplicaNode> replicas() {
        return List.copyOf(replicas);
    }
}
