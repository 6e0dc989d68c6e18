package dev.pgcluster.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the program declares from, read once from stack config and validated by
 * {@link ConfigReader}. Nothing downstream reads config again.
 *
 * @param project              Pulumi project name
 * @param stack                Pulumi stack name
 * @param namePrefix           prefix of every Docker object's name: {@code <project>-<stack>}
 * @param environment          development / staging / production
 * @param image                pinned image reference
 * @param pullImage            pull the image through the provider, or use one already on the host
 * @param subnet               the cluster network; replication is only allowed from it
 * @param publishAddress       host address that node ports are published on
 * @param nodes                primary first, then the replicas
 * @param wal                  WAL retention
 * @param sync                 synchronous replication
 * @param limits               container resource limits
 * @param maxConnections       {@code ha: patroni}: PostgreSQL's {@code max_connections} on every member,
 *                             or empty for PostgreSQL's default (100)
 * @param retainVolumes        keep data volumes when the stack is destroyed
 * @param database             the database created at first start
 * @param replicationUser      the replication role (LOGIN REPLICATION, not superuser)
 * @param superuserPassword    from secret config, or empty to generate one
 * @param replicationPassword  from secret config, or empty to generate one
 * @param baseBackupAttempts   how often a failed base backup is tried before giving up
 * @param healthTimeoutSeconds how long to wait for a container to become healthy
 * @param readMaxLagBytes      how far (bytes of WAL) a standby may replay behind what its primary
 *                             last reported before it refuses network reads; 0: no bound
 * @param streamingGraceSeconds how long a standby may go without streaming (a restart of its
 *                             primary, a reconnect) before it counts as unhealthy
 * @param defaultDockerHost    the Docker host of the default docker provider ({@code docker:host}, else
 *                             {@code DOCKER_HOST}, else the local socket): command steps of nodes
 *                             without {@code dockerHost} talk to it, so they reach the same engine
 * @param acceptDataLoss       consent for one run to discard WAL that only the nodes it names hold,
 *                             at the positions it names (a failover to a less advanced standby, a
 *                             rewind of a node that went its own way)
 * @param clientRoles          the application role (the exported connection strings log in as it)
 *                             and the monitoring role
 * @param passwordGeneration   raising it generates every password that config does not set again
 * @param tls                  TLS for every network connection, and its CA and certificates
 * @param monitoring           exporters, Prometheus and alert rules
 * @param ha                   how the cluster fails over: pg-cluster's declared steps or Patroni
 * @param dockerHosts          every host of {@code dockerHosts}, in config's order (empty without it)
 * @param lostHosts            hosts of {@code dockerHosts} that do not answer and that this run goes on
 *                             without ({@code lostHosts}, {@code ha: none}): nothing of theirs is asked,
 *                             changed, created or deleted; sorted, empty when every host is there
 * @param swarmOverlay         nodes on several hosts reach each other over an attachable swarm
 *                             overlay network, by name, instead of at their hosts' addresses
 * @param backup               WAL archiving and backups with pgBackRest
 * @param restore              the primary starts from a backup in a retained repository; empty for a new cluster
 */
public record ClusterConfig(
        String project,
        String stack,
        String namePrefix,
        DeploymentEnvironment environment,
        String image,
        boolean pullImage,
        Ipv4Subnet subnet,
        String publishAddress,
        List<NodeSpec> nodes,
        WalSettings wal,
        SyncReplication sync,
        ResourceLimits limits,
        Optional<Integer> maxConnections,
        boolean retainVolumes,
        String database,
        String replicationUser,
        Optional<Secret> superuserPassword,
        Optional<Secret> replicationPassword,
        int baseBackupAttempts,
        int healthTimeoutSeconds,
        int streamingGraceSeconds,
        long readMaxLagBytes,
        String defaultDockerHost,
        DataLossConsent acceptDataLoss,
        ClientRoles clientRoles,
        int passwordGeneration,
        TlsSettings tls,
        MonitoringSettings monitoring,
        HaSettings ha,
        List<DockerHostSpec> dockerHosts,
        List<String> lostHosts,
        boolean swarmOverlay,
        BackupSettings backup,
        Optional<RestoreSettings> restore) {

    /** The superuser the official image creates; peer authentication over the socket relies on it. */
    public static final String SUPERUSER = "postgres";

    /**
     * The startup options of every session pg-cluster opens as the superuser (steps, health check,
     * the probe): search_path pinned, so that nothing a client role made (a schema, an overload of
     * a built-in in public, a search_path set on a database it owns) stands in for a built-in.
     * Startup options win over database and role settings. {@code PGC_SAFE_SESSION_OPTIONS} in
     * init/lib/common.sh says the same.
     */
    public static final String SAFE_SESSION_OPTIONS = "-c search_path=pg_catalog,pg_temp";

    public ClusterConfig {
        Objects.requireNonNull(project);
        Objects.requireNonNull(stack);
        Objects.requireNonNull(namePrefix);
        Objects.requireNonNull(environment);
        Objects.requireNonNull(image);
        Objects.requireNonNull(subnet);
        Objects.requireNonNull(publishAddress);
        nodes = List.copyOf(nodes);
        Objects.requireNonNull(wal);
        Objects.requireNonNull(sync);
        Objects.requireNonNull(limits);
        Objects.requireNonNull(maxConnections);
        Objects.requireNonNull(database);
        Objects.requireNonNull(replicationUser);
        Objects.requireNonNull(superuserPassword);
        Objects.requireNonNull(replicationPassword);
        Objects.requireNonNull(defaultDockerHost);
        Objects.requireNonNull(acceptDataLoss);
        Objects.requireNonNull(clientRoles);
        Objects.requireNonNull(tls);
        Objects.requireNonNull(monitoring);
        Objects.requireNonNull(ha);
        dockerHosts = List.copyOf(dockerHosts);
        lostHosts = List.copyOf(lostHosts);
        Objects.requireNonNull(backup);
        Objects.requireNonNull(restore);
        if (nodes.stream().filter(NodeSpec::isPrimary).count() != 1) {
            throw new IllegalArgumentException("a cluster has exactly one primary node");
        }
    }

    public NodeSpec primary() {
        return nodes.stream().filter(NodeSpec::isPrimary).findFirst().orElseThrow();
    }

    public List<NodeSpec> replicas() {
        return nodes.stream().filter(n -> !n.isPrimary()).toList();
    }

    public List<String> replicaNames() {
        return replicas().stream().map(NodeSpec::name).toList();
    }

    public List<String> nodeNames() {
        return nodes.stream().map(NodeSpec::name).toList();
    }

    /** The node's Docker host: its placement, else the default provider's host. */
    public DockerHostSpec hostOf(NodeSpec node) {
        return node.host().orElseGet(() -> DockerHostSpec.unnamed(defaultDockerHost));
    }

    public NodeSpec node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + name));
    }

    /** Whether {@code host} is one of {@code lostHosts}: nothing of it is asked or changed in this run. */
    public boolean lost(DockerHostSpec host) {
        return host.name().map(lostHosts::contains).orElse(false);
    }

    /** The nodes on {@code lostHosts}, in node order. */
    public List<String> lostNodes() {
        return nodes.stream().filter(n -> lost(hostOf(n))).map(NodeSpec::name).toList();
    }

    /** Whether the nodes are on more than one Docker engine ({@code placement}). */
    public boolean severalHosts() {
        return nodes.stream().map(n -> hostOf(n).endpoint()).distinct().count() > 1;
    }

    /**
     * Whether nodes reach each other at their hosts' addresses and published ports: on several
     * hosts, unless a swarm overlay joins them ({@code swarmOverlay}; then, as on one host, by
     * container name on the cluster network).
     */
    public boolean peersByAddress() {
        return severalHosts() && !swarmOverlay;
    }

    /**
     * The host name the other nodes reach {@code node}'s server by: its container name on the
     * cluster network, or, across hosts without an overlay, its host's address (the port published there).
     */
    public String peerHost(String node) {
        return peersByAddress() ? node(node).hostAddress().orElseThrow() : containerName(node);
    }

    /** The port that goes with {@link #peerHost}. */
    public int peerPort(String node) {
        return peersByAddress() ? node(node).hostPort() : POSTGRES_PORT;
    }

    /** An etcd member's Docker host: its place in {@code dockerHosts}, else the first node's host. */
    public DockerHostSpec dcsHostOf(String member) {
        DockerHostSpec host = ha.dcsHosts().get(member);
        return host != null ? host : hostOf(nodes.get(0));
    }

    /**
     * The host name the others reach etcd member {@code member} by: its container name, or across
     * hosts without an overlay its host's address.
     */
    public String dcsPeerHost(String member) {
        return peersByAddress() ? dcsHostOf(member).address().orElseThrow() : containerName(member);
    }

    /** The address a node's port is published on: its host's in {@code dockerHosts}, else {@code publishAddress}. */
    public String publishAddress(NodeSpec node) {
        return node.hostAddress().orElse(publishAddress);
    }

    /** PostgreSQL's port inside every node's container. */
    public static final int POSTGRES_PORT = 5432;

    /** A node's data volume: {@code <project>-<stack>-<node>-data}. */
    public String dataVolumeName(String node) {
        return containerName(node) + "-data";
    }

    /** The Docker container of a node: {@code <project>-<stack>-<node>}. */
    public String containerName(String node) {
        return namePrefix + "-" + node;
    }
}
