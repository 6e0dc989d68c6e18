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
import dev.pgcluster.config.DockerHostSpec;
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
    private final Optional<dev.pgcluster.backup.Backups> backups;
    private final String name;
    /** Each host the cluster uses → its placement, the first node's host first. */
    private final Map<DockerHostSpec, Placement> hostPlacements;
    /** The first node's host: what the cluster has once lives there. */
    private final Placement anchor;
    /** "reference host" → the image's ID there. */
    private final Map<String, Output<String>> images = new HashMap<>();
    /** The cluster image's ID while the first node's host is lost (see the constructor). */
    private final Optional<String> keptImageId;
    /** What the mode declared: the nodes' containers, the roles step, where writes go. */
    private final DeclaredNodes declared;

    /**
     * @param config the validated cluster config; its name prefix names the component
     * @param mode   the mode that declares the nodes, after its {@link HaMode#check}
     * @param found  what the program found on Docker that differs from config and the
     *               {@code primary} step resolves (see {@link dev.pgcluster.topology.Topology});
     *               empty when the cluster is as configured
     * @param keptImageId while the first node's host is lost and images are not pulled: the
     *               cluster image's ID, read from a node on a host that answers (the copies on the
     *               other hosts are made by ID); empty otherwise
     */
    public PostgresCluster(ClusterConfig config, HaMode mode, Optional<String> found, Optional<String> keptImageId) {
        super(TYPE, config.namePrefix(), ComponentResourceOptions.builder().build());
        this.config = config;
        this.keptImageId = keptImageId;
        String name = config.namePrefix();
        this.name = name;
        // The first node's host keeps what the cluster has once (its TLS authority steps, the
        // network's and image's first resources): the primary may move to another host.
        this.hostPlacements = hostPlacements(name);
        var nodePlacements = new LinkedHashMap<String, Placement>();
        config.nodes().forEach(n -> nodePlacements.put(n.name(), hostPlacements.get(config.hostOf(n))));
        var dcsPlacements = new LinkedHashMap<String, Placement>();
        if (config.ha().patroni()) {
            config.ha().dcsMemberNames().forEach(m -> dcsPlacements.put(m, hostPlacements.get(config.dcsHostOf(m))));
        }
        this.anchor = nodePlacements.get(config.nodes().get(0).name());
        this.network = new ClusterNetwork(name + "-net", config, List.copyOf(hostPlacements.values()), child());
        this.secrets = new ClusterSecrets(name + "-secrets", config, child());
        Output<String> image = imageOn(config.image(), name + "-image", anchor);
        hostPlacements.values().forEach(p -> imageOn(config.image(), name + "-image", p));
        this.tls = config.tls().enabled()
                ? Optional.of(new ClusterTls(name + "-tls", config, image, anchor, child()))
                : Optional.empty();

        // The repository before the nodes (TLS is on whenever backups are: the config refuses them
        // without it); the nodes' part of the backups once they are declared.
        this.backups = dev.pgcluster.backup.Backups.declare(name + "-backup", config, () -> new dev.pgcluster.backup.Backups.Inputs(
                image, network.networkName(anchor), tls.orElseThrow(), anchor), child());
        this.declared = mode.declare(new ClusterParts(config, this, image, network, secrets, tls,
                nodePlacements, found, reference -> imageOn(reference, name + "-" + imageResourceName(reference), anchor),
                placement -> imageOn(config.image(), name + "-image", placement), dcsPlacements,
                (reference, placement) -> imageOn(reference, name + "-" + imageResourceName(reference), placement),
                backups.map(dev.pgcluster.backup.Backups::nodesAfter).orElse(List.of())));
        this.monitoring = Monitoring.declare(name, config, () -> new Monitoring.Inputs(
                // The exporters run beside their nodes: the exporter image on every host with a node.
                placement -> imageOn(config.monitoring().exporterImage(), name + "-exporter-image", placement),
                imageOn(config.monitoring().prometheusImage(), name + "-prometheus-image", anchor),
                network::networkName, caCertificate(), secrets.monitoringPassword(), declared.roles(), nodePlacements,
                declared.dcsMetrics()),
                child());
        backups.ifPresent(b -> b.attach(new dev.pgcluster.backup.Backups.Nodes(declared.volumes(), declared.ready(),
                declared.roles())));
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
     * Each Docker host the cluster uses (its nodes', and with {@code ha: patroni} its etcd members')
     * → its placement: one docker provider per host of {@code dockerHosts} (named after it) or for
     * the single-host {@code dockerHost} key; the default host uses the default provider.
     */
    private Map<DockerHostSpec, Placement> hostPlacements(String name) {
        var hosts = new ArrayList<DockerHostSpec>();
        config.nodes().forEach(n -> hosts.add(config.hostOf(n)));
        if (config.ha().patroni()) {
            config.ha().dcsMemberNames().forEach(m -> hosts.add(config.dcsHostOf(m)));
        }
        // The single-host dockerHost key names one host for every node: an explicit provider.
        boolean explicit = config.nodes().get(0).host().isPresent();
        var byHost = new LinkedHashMap<DockerHostSpec, Placement>();
        for (DockerHostSpec spec : hosts) {
            byHost.computeIfAbsent(spec, host -> {
                if (host.name().isEmpty() && !explicit) {
                    return new Placement(host, Optional.empty(), false);
                }
                var args = ProviderArgs.builder().host(host.endpoint());
                host.certPath().ifPresent(args::certPath);
                ProviderResource provider = new Provider(name + "-docker-" + host.name().orElse("0"),
                        args.build(), CustomResourceOptions.builder().parent(this).build());
                return new Placement(host, Optional.of(provider), config.lost(host));
            });
        }
        return byHost;
    }

    /**
     * Image {@code reference}'s ID on {@code placement}'s host, declared once per host: on the
     * first node's host as {@code base} (pulled, or looked up there); on another host pulled there,
     * or, with {@code pullImage} false, copied there from the first node's host. The cluster's own
     * image is always {@code <prefix>-image} (per host: {@code -<host>}).
     */
    private Output<String> imageOn(String reference, String base, Placement placement) {
        String resourceBase = reference.equals(config.image()) ? name + "-image" : base;
        String key = reference + " " + placement.host();
        Output<String> known = images.get(key);
        if (known != null) {
            return known;
        }
        Output<String> id;
        if (placement.host().equals(anchor.host())) {
            id = image(resourceBase, reference, anchor);
        } else {
            String hostName = resourceBase + "-" + placement.host().name().orElseThrow();
            id = config.pullImage() ? image(hostName, reference, placement)
                    : copiedImage(hostName, imageOn(reference, base, anchor), placement);
        }
        images.put(key, id);
        return id;
    }

    /**
     * The image's ID: pulled through the provider (kept when the stack goes: other stacks may use
     * it), or looked up on the Docker host. Never the tag itself: the provider reads a
     * container's image back as an ID and would replace a container declared with a tag on every
     * run.
     */
    private Output<String> image(String name, String reference, Placement placement) {
        if (!config.pullImage() && placement.lost()) {
            // Its host cannot be asked. Only what runs there (kept as it is) uses another image
            // than the cluster's; the other hosts' copies are kept too (copiedImage).
            return Output.of(reference.equals(config.image()) ? keptImageId.orElse("") : "");
        }
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
                placement.dockerOptions(this).ignoreChanges(placement.ignoring(List.of())).build());
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
                // Kept as it is while either end is lost: its output, the ID on the target host,
                // stays what state has.
                CustomResourceOptions.builder().parent(this)
                        .ignoreChanges(anchor.lost() ? Placement.EVERY_INPUT : placement.ignoring(List.of())).build());
        return step.stdout().applyValue(String::strip);
    }

    /** The backup repository and its parts; empty when {@code backup} is off. */
    public Optional<dev.pgcluster.backup.Backups> backups() {
        return backups;
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
