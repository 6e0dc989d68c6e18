package dev.pgcluster.cluster;

import com.pulumi.core.Alias;
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
import dev.pgcluster.command.Logging;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.NodeSpec;
import dev.pgcluster.topology.Topology;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A PostgreSQL cluster on Docker: network, passwords, image, and role-neutral nodes, one of which
 * ({@code pg-cluster:primary}) is the primary and the others its streaming standbys. Every Docker
 * object is named {@code <project>-<stack>-…}, so stacks sharing a Docker host never collide.
 *
 * <p>Order: the primary node (seed, container, healthy) → the {@code primary} step (makes it the
 * one writable node: switchover, failover, rejoin) → the passwords step → each standby's slot,
 * seed, container and conninfo step.
 */
public final class PostgresCluster extends ComponentResource {
    public static final String TYPE = "pgcluster:index:PostgresCluster";

    private final ClusterConfig config;
    private final ClusterNetwork network;
    private final ClusterSecrets secrets;
    private final Optional<ClusterTls> tls;
    private final Optional<Monitoring> monitoring;
    /** In node order (pg0, pg1, …), whichever is the primary. */
    private final Map<String, PostgresNode> nodes;
    private final Command primaryStep;
    private final Command passwords;

    /**
     * @param config the validated cluster config; its name prefix names the component
     * @param found  what the program found on Docker that differs from config and the
     *               {@code primary} step resolves (see {@link dev.pgcluster.topology.Topology});
     *               empty when the cluster is as configured
     */
    public PostgresCluster(ClusterConfig config, Optional<String> found) {
        super(TYPE, config.namePrefix(), ComponentResourceOptions.builder().build());
        this.config = config;
        this.nodes = new TreeMap<>(Comparator.comparingInt(config.nodeNames()::indexOf));
        String name = config.namePrefix();
        var placements = placements(name);

        NodeSpec primaryNode = config.primary();
        Placement primaryPlacement = placements.get(primaryNode.dockerHost());
        this.network = new ClusterNetwork(name + "-net", config, primaryPlacement, child());
        this.secrets = new ClusterSecrets(name + "-secrets", config, child());
        Output<String> image = image(name + "-image", config.image(), primaryPlacement);
        this.tls = config.tls().enabled()
                ? Optional.of(new ClusterTls(name + "-tls", config, image, primaryPlacement, child()))
                : Optional.empty();

        var primary = new PostgresNode(name + "-" + primaryNode.name(), config, primaryNode, image, network, secrets,
                primaryPlacement, Optional.empty(), tls, child());
        nodes.put(primaryNode.name(), primary);
        this.primaryStep = primaryStep(name + "-primary", image, primary, primaryPlacement, found);
        this.passwords = passwords(name + "-passwords", primaryPlacement);
        var upstream = new PostgresNode.Upstream(primary.seed(), primaryStep, passwords);
        for (NodeSpec replica : config.replicas()) {
            nodes.put(replica.name(), new PostgresNode(name + "-" + replica.name(), config, replica, image, network,
                    secrets, placements.get(replica.dockerHost()), Optional.of(upstream), tls, child()));
        }
        var nodePlacements = new LinkedHashMap<String, Placement>();
        config.nodes().forEach(n -> nodePlacements.put(n.name(), placements.get(n.dockerHost())));
        this.monitoring = Monitoring.declare(name, config, () -> new Monitoring.Inputs(
                sameOrOwn(config.monitoring().exporterImage(), image, name + "-exporter-image", primaryPlacement),
                sameOrOwn(config.monitoring().prometheusImage(), image, name + "-prometheus-image", primaryPlacement),
                network.networkName(), caCertificate(), secrets.monitoringPassword(), passwords, nodePlacements), child());
        registerOutputs(Map.of(
                "networkName", network.networkName(),
                "primaryConnectionString", primaryConnectionString()));
    }

    private ComponentResourceOptions child() {
        return ComponentResourceOptions.builder().parent(this).build();
    }

    /**
     * The step that makes the configured primary the one writable node (init/cluster/converge.sh).
     * It runs when the primary or another of its inputs changes, and when the program found the
     * cluster differing from config: then {@code PGC_FOUND} says what (with the time, so that each
     * finding is new). When nothing was found that input is left as it was, so an unchanged cluster
     * means an unchanged step.
     */
    private Command primaryStep(String name, Output<String> image, PostgresNode primary, Placement placement,
                                Optional<String> found) {
        String foundAt = found.map(text -> Instant.now().truncatedTo(ChronoUnit.SECONDS) + ": " + text).orElse(null);
        var options = CustomResourceOptions.builder()
                .parent(this)
                .dependsOn(primary.readiness());
        if (found.isEmpty()) {
            options.ignoreChanges(List.of("environment.PGC_FOUND"));
        }
        return new Command(name, CommandArgs.builder()
                .create(InitScripts.read(InitScripts.CONVERGE))
                .environment(Output.tuple(network.networkName(), image).applyValue(t -> {
                    var env = new LinkedHashMap<String, String>();
                    env.put("PGC_STEP", "primary");
                    env.put("PGC_PRIMARY", config.primary().name());
                    env.put("PGC_NAME_PREFIX", config.namePrefix());
                    env.put("PGC_NETWORK", t.t1);
                    env.put("PGC_IMAGE", t.t2);
                    env.put("PGC_PRIMARY_PORT", String.valueOf(PostgresNode.POSTGRES_PORT));
                    env.put("PGC_REPLICATION_USER", config.replicationUser());
                    env.put("PGC_MAX_LAG_BYTES", String.valueOf(Topology.SWITCHOVER_MAX_LAG_BYTES));
                    env.put("PGC_TIMEOUT_SECONDS", String.valueOf(config.healthTimeoutSeconds()));
                    env.put("PGC_ACCEPT_DATA_LOSS", String.valueOf(config.acceptDataLoss()));
                    env.put("PGC_READ_MAX_LAG_BYTES", String.valueOf(config.readMaxLagBytes()));
                    env.put("PGC_SYNC_COUNT", String.valueOf(config.sync().enabled() ? config.sync().count() : 0));
                    env.put("PGC_REJOIN_SCRIPT", InitScripts.read(InitScripts.REJOIN_IN_CONTAINER));
                    env.put("PGC_PROJECT", config.project());
                    env.put("PGC_STACK", config.stack());
                    env.put("PGC_DATABASE", config.database());
                    env.put("PGC_TLS", PostgresNode.onOff(config.tls().enabled()));
                    if (foundAt != null) {
                        env.put("PGC_FOUND", foundAt);
                    }
                    env.putAll(placement.commandEnvironment());
                    return (Map<String, String>) env;
                }))
                .logging(Logging.STDOUT_AND_STDERR)
                .build(),
                options.build());
    }

    /**
     * Sets the passwords the stack holds now on the running primary (a volume retained across
     * destroy and up keeps old ones; a changed password is applied without a restart), as SCRAM
     * verifiers, and makes the application role (owner of the application database, unless that
     * is {@code postgres}) and the monitoring role (pg_monitor) exist with exactly their
     * attributes.
     */
    private Command passwords(String name, Placement placement) {
        var env = new LinkedHashMap<String, String>();
        env.put("PGC_STEP", "passwords");
        env.put("PGC_PRIMARY_CONTAINER", config.containerName(config.primary().name()));
        env.put("PGC_SUPERUSER", ClusterConfig.SUPERUSER);
        env.put("PGC_REPLICATION_USER", config.replicationUser());
        env.put("PGC_DATABASE", config.database());
        env.put("PGC_APP_USER", config.clientRoles().appUser());
        env.put("PGC_MONITORING_USER", config.clientRoles().monitoringUser());
        env.put("DOCKER_HOST", placement.dockerHost());
        return new Command(name, CommandArgs.builder()
                .create(InitScripts.read(InitScripts.SYNC_PASSWORDS))
                .environment(env)
                .stdin(Output.tuple(secrets.superuserVerifier(), secrets.replicationVerifier(), secrets.appVerifier(),
                                secrets.monitoringVerifier())
                        .applyValue(p -> p.t1 + "\n" + p.t2 + "\n" + p.t3 + "\n" + p.t4 + "\n").asSecret())
                .logging(Logging.STDOUT_AND_STDERR)
                .build(),
                CustomResourceOptions.builder()
                        .parent(this)
                        .dependsOn(primaryStep)
                        .additionalSecretOutputs(List.of("stdout", "stderr"))
                        .aliases(List.of(Output.of(Alias.withUrn(LegacyUrns.urn(config,
                                List.of(TYPE, LegacyUrns.PRIMARY_NODE, Command.TYPE),
                                config.namePrefix() + "-pg0-passwords")))))
                        .build());
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

    /** The cluster's image when {@code reference} names it, else that image of its own. */
    private Output<String> sameOrOwn(String reference, Output<String> clusterImage, String name, Placement placement) {
        return reference.equals(config.image()) ? clusterImage : image(name, reference, placement);
    }

    /** Exporters and Prometheus; empty when {@code monitoring} is off. */
    public Optional<Monitoring> monitoring() {
        return monitoring;
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

    private String appUser() {
        return config.clientRoles().appUser();
    }

    public Output<String> primaryConnectionString() {
        return secrets.appPassword().applyValue(pw ->
                ConnectionStrings.uri(appUser(), pw, endpoint(config.primary()), config.database(), verifyFull())).asSecret();
    }

    public Output<String> primaryJdbcUrl() {
        return secrets.appPassword().applyValue(pw ->
                ConnectionStrings.jdbcUrl(appUser(), pw, endpoint(config.primary()), config.database(), verifyFull())).asSecret();
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

    /** Every node, in node order. */
    public Map<String, PostgresNode> nodes() {
        return Collections.unmodifiableMap(nodes);
    }

    public PostgresNode node(String name) {
        return nodes.get(name);
    }

    /** The step that makes the configured primary the primary; its stdout says what it did last. */
    public Command primaryStep() {
        return primaryStep;
    }

    public Command passwords() {
        return passwords;
    }
}
