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
import dev.pgcluster.command.Command;
import dev.pgcluster.command.CommandArgs;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.NodeSpec;
import dev.pgcluster.mode.ClusterParts;
import dev.pgcluster.mode.DeclaredNodes;
import dev.pgcluster.mode.HaMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A PostgreSQL cluster on Docker: what every mode shares (network, passwords, image, TLS
 * authorities, monitoring, connection strings, placement) and the nodes, which the mode the
 * {@code ha} key names declares ({@link HaMode}): pg-cluster's declared failover, or Patroni.
 * Every Docker object is named {@code <project>-<stack>-…}, so stacks sharing a Docker host never
 * collide.
 */
public final class PostgresCluster extends ComponentResource {
    public static final String TYPE = "pgcluster:index:PostgresCluster";

    private final ClusterConfig config;
    private final ClusterNetwork network;
    private final ClusterSecrets secrets;
    private final Optional<ClusterTls> tls;
    private final Optional<Monitoring> monitoring;
    /** What the mode declared: the nodes' containers, the roles step, where writes go. */
    private final DeclaredNodes declared;

    /**
     * @param config the validated cluster config; its name prefix names the component
     * @param mode   the mode that declares the nodes, after its {@link HaMode#check}
     * @param found  what the program found on Docker that differs from config and the
     *               {@code primary} step resolves (see {@link dev.pgcluster.topology.Topology});
     *               empty when the cluster is as configured
     */
    public PostgresCluster(ClusterConfig config, HaMode mode, Optional<String> found) {
        super(TYPE, config.namePrefix(), ComponentResourceOptions.builder().build());
        this.config = config;
        String name = config.namePrefix();
        // The first node's host keeps what the cluster has once (its TLS authority steps, the
        // network's and image's first resources): the primary may move to another host.
        var nodePlacements = placements(name);
        var hostPlacements = new java.util.LinkedHashMap<dev.pgcluster.config.DockerHostSpec, Placement>();
        nodePlacements.values().forEach(p -> hostPlacements.putIfAbsent(p.host(), p));
        Placement anchor = nodePlacements.get(config.nodes().get(0).name());
        this.network = new ClusterNetwork(name + "-net", config, List.copyOf(hostPlacements.values()), child());
        this.secrets = new ClusterSecrets(name + "-secrets", config, child());
        var hostImages = new LinkedHashMap<Placement, Output<String>>();
        Output<String> image = image(name + "-image", config.image(), anchor);
        hostPlacements.values().forEach(p -> hostImages.put(p, p == anchor ? image
                : config.pullImage() ? image(name + "-image-" + p.host().name().orElseThrow(), config.image(), p)
                : copiedImage(name + "-image-" + p.host().name().orElseThrow(), image, p)));
        this.tls = config.tls().enabled()
                ? Optional.of(new ClusterTls(name + "-tls", config, image, anchor, child()))
                : Optional.empty();

        var images = new HashMap<String, Output<String>>();
        this.declared = mode.declare(new ClusterParts(config, this, image, network, secrets, tls,
                nodePlacements, found, reference -> images.computeIfAbsent(reference, r ->
                        sameOrOwn(r, image, name + "-" + imageResourceName(r), anchor)),
                placement -> hostImages.get(hostPlacements.get(placement.host()))));
        var exporterImages = new HashMap<dev.pgcluster.config.DockerHostSpec, Output<String>>();
        this.monitoring = Monitoring.declare(name, config, () -> new Monitoring.Inputs(
                // The exporters run beside their nodes: the exporter image on every host with a node.
                placement -> exporterImages.computeIfAbsent(placement.host(), host -> host.equals(anchor.host())
                        ? sameOrOwn(config.monitoring().exporterImage(), image, name + "-exporter-image", anchor)
                        : sameOrOwn(config.monitoring().exporterImage(), hostImages.get(placement),
                                name + "-exporter-image-" + host.name().orElseThrow(), placement)),
                sameOrOwn(config.monitoring().prometheusImage(), image, name + "-prometheus-image", anchor),
                network::networkName, caCertificate(), secrets.monitoringPassword(), declared.roles(), nodePlacements,
                declared.dcsMetrics()),
                child());
        registerOutputs(Map.of(
                "networkName", network.networkName(),
                "primaryConnectionString", primaryConnectionString()));
    }

    /** The resource name of a mode's own image: its repository's last part, e.g. {@code etcd-image}. */
    private static String imageResourceName(String reference) {
        String base = reference.replaceAll("[@:].*$", "");
        return base.substring(base.lastIndexOf('/') + 1) + "-image";
    }

    private ComponentResourceOptions child() {
        return ComponentResourceOptions.builder().parent(this).build();
    }

    /**
     * Node → its Docker host: one docker provider per host of {@code dockerHosts} (named after it)
     * or for the single-host {@code dockerHost} key; nodes on the default host use the default
     * provider.
     */
    private Map<String, Placement> placements(String name) {
        var byHost = new HashMap<dev.pgcluster.config.DockerHostSpec, Placement>();
        var placements = new LinkedHashMap<String, Placement>();
        for (NodeSpec node : config.nodes()) {
            placements.put(node.name(), byHost.computeIfAbsent(config.hostOf(node), host -> node.host()
                    .map(spec -> {
                        var args = ProviderArgs.builder().host(spec.endpoint());
                        spec.certPath().ifPresent(args::certPath);
                        ProviderResource provider = new Provider(name + "-docker-" + spec.name().orElse("0"),
                                args.build(), CustomResourceOptions.builder().parent(this).build());
                        return new Placement(spec, Optional.of(provider));
                    })
                    .orElseGet(() -> new Placement(host, Optional.empty()))));
        }
        return placements;
    }

    /**
     * The image's ID: pulled through the provider (kept when the stack goes: other stacks may use
     * it), or looked up on the Docker host. Never the tag itself: the provider reads a
     * container's image back as an ID and would replace a container declared with a tag on every
     * run.
     */
    private Output<String> image(String name, String reference, Placement placement) {
        if (!config.pullImage()) {
            var options = InvokeOptions.builder().parent(this);
            placement.provider().ifPresent(options::provider);
            return DockerFunctions.getRemoteImage(GetRemoteImageArgs.builder().name(reference).build(),
                    options.build()).applyValue(GetRemoteImageResult::id);
        }
        var remote = new RemoteImage(name, RemoteImageArgs.builder()
                .name(reference)
                .keepLocally(true)
                .build(),
                placement.dockerOptions(this).build());
        return remote.imageId();
    }

    /**
     * The image {@code sourceId} on another host that does not pull ({@code pullImage} false):
     * copied there from the first node's host when it is not there yet (init/host/copy-image.sh),
     * keyed on the ID. Its ID, once there: the host's containers wait for the copy.
     */
    private Output<String> copiedImage(String name, Output<String> sourceId, Placement placement) {
        var step = new Command(name, CommandArgs.builder()
                .create(InitScripts.read(InitScripts.COPY_IMAGE))
                .environment(sourceId.applyValue(id -> {
                    var env = new LinkedHashMap<String, String>();
                    env.put("PGC_STEP", "image-copy");
                    env.put("PGC_IMAGE_ID", id);
                    env.put("PGC_SOURCE_NODE", config.nodes().get(0).name());
                    env.putAll(Placement.nodeTables(config));
                    env.putAll(placement.commandEnvironment());
                    return (Map<String, String>) env;
                }))
                .triggers(sourceId.applyValue(id -> List.<Object>of(id)))
                .build(),
                CustomResourceOptions.builder().parent(this).build());
        return step.stdout().applyValue(String::strip);
    }

    /** The cluster's image when {@code reference} names it, else that image of its own. */
    private Output<String> sameOrOwn(String reference, Output<String> clusterImage, String name, Placement placement) {
        return reference.equals(config.image()) ? clusterImage : image(name, reference, placement);
    }

    /** Exporters and Prometheus; empty when {@code monitoring} is off. */
    public Optional<Monitoring> monitoring() {
        return monitoring;
    }

    private Endpoint endpoint(NodeSpec node) {
        return new Endpoint(ConnectionStrings.clientHost(config, node), node.hostPort());
    }

    public String primaryHost() {
        return endpoint(config.primary()).host();
    }

    public int primaryPort() {
        return config.primary().hostPort();
    }

    private String appUser() {
        return config.clientRoles().appUser();
    }

    /** Where writes go: the primary, or every node with a read-write session asked for when the leader moves by itself. */
    public Output<String> primaryConnectionString() {
        var writeNodes = declared.writeNodes().stream().map(this::endpoint).toList();
        return secrets.appPassword().applyValue(pw -> declared.followsLeader()
                ? ConnectionStrings.readWriteUri(appUser(), pw, writeNodes, config.database(), verifyFull())
                : ConnectionStrings.uri(appUser(), pw, writeNodes.get(0), config.database(), verifyFull())).asSecret();
    }

    public Output<String> primaryJdbcUrl() {
        var writeNodes = declared.writeNodes().stream().map(this::endpoint).toList();
        return secrets.appPassword().applyValue(pw -> declared.followsLeader()
                ? ConnectionStrings.readWriteJdbcUrl(appUser(), pw, writeNodes, config.database(), verifyFull())
                : ConnectionStrings.jdbcUrl(appUser(), pw, writeNodes.get(0), config.database(), verifyFull())).asSecret();
    }

    /** Whether the write strings follow whichever node leads (the mode elects the leader by itself). */
    public boolean followsLeader() {
        return declared.followsLeader();
    }

    /** Node name → connection string, for each replica. */
    public Output<Map<String, String>> replicaConnectionStrings() {
        return secrets.appPassword().applyValue(pw -> {
            var strings = new LinkedHashMap<String, String>();
            config.replicas().forEach(r ->
                    strings.put(r.name(), ConnectionStrings.uri(appUser(), pw, endpoint(r), config.database(), verifyFull())));
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
        return secrets.appPassword().applyValue(pw ->
                ConnectionStrings.readOnlyUri(appUser(), pw, readOnlyEndpoints(), config.database(), verifyFull())).asSecret();
    }

    public Output<String> readOnlyJdbcUrl() {
        return secrets.appPassword().applyValue(pw ->
                ConnectionStrings.readOnlyJdbcUrl(appUser(), pw, readOnlyEndpoints(), config.database(), verifyFull())).asSecret();
    }

    private boolean verifyFull() {
        return config.tls().enabled();
    }

    /**
     * The CA certificates (PEM) a client needs to check the nodes' certificates: every trusted
     * generation. Empty without TLS. Not a secret.
     */
    public Output<String> caCertificate() {
        return tls.map(ClusterTls::trustedCertificates).orElse(Output.of(""));
    }

    public List<String> replicationSlots() {
        return config.replicaNames();
    }

    public String replicationMode() {
        return config.sync().describe(config.nodeNames());
    }

    /** The node that is primary. */
    public String primaryNode() {
        return config.primary().name();
    }

    public ClusterNetwork network() {
        return network;
    }

    public ClusterSecrets secrets() {
        return secrets;
    }

    /** Node name → its container's name, in node order. */
    public Map<String, Output<String>> containerNames() {
        return declared.containerNames();
    }
}
