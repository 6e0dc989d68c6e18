package dev.pgcluster.cluster;

import com.pulumi.core.Output;
import com.pulumi.docker.Container;
import com.pulumi.docker.ContainerArgs;
import com.pulumi.docker.Volume;
import com.pulumi.docker.VolumeArgs;
import com.pulumi.docker.inputs.ContainerLabelArgs;
import com.pulumi.docker.inputs.ContainerNetworksAdvancedArgs;
import com.pulumi.docker.inputs.ContainerVolumeArgs;
import com.pulumi.docker.inputs.VolumeLabelArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.pgcluster.command.Command;
import dev.pgcluster.command.CommandArgs;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.NodeSpec;
import dev.pgcluster.config.Validators;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One PostgreSQL node: its data volume, the step that seeds the volume, its container and its
 * readiness step. Every node is the same whatever its role: same container, same settings, same
 * health check. The role is data: it decides what the seed step puts on an empty volume (a new
 * cluster on the primary, a base backup through the node's own slot on a standby) and whether
 * the node has a slot on the primary and a {@code conninfo} step.
 */
public final class PostgresNode extends ComponentResource {
    public static final String TYPE = "pgcluster:index:PostgresNode";

    /** Where the official image mounts data; PGDATA is a directory below it, as its docs advise. */
    public static final String VOLUME_PATH = "/var/lib/postgresql/data";
    public static final String PGDATA = VOLUME_PATH + "/pgdata";
    /**
     * The node's files that are not data (pg_hba.conf, its TLS key and certificate, the CA
     * certificates), beside PGDATA so base backups never copy them: {@code PGC_CONF_DIR} in
     * init/lib/common.sh.
     */
    public static final String CONF_DIR = VOLUME_PATH + "/conf";
    public static final int POSTGRES_PORT = ClusterConfig.POSTGRES_PORT;
    /** Written by the seed step as the last step of initializing a cluster; base backups copy it. */
    static final String INIT_DONE = "pg-cluster-init.done";
    /** How often Docker runs the health check. */
    static final int HEALTH_INTERVAL_SECONDS = 2;
    static final String HEALTH_TIMEOUT = "5s";
    /** As Go prints durations ("0s", not "0"): the provider compares it with what Docker reads back. */
    static final String HEALTH_START_PERIOD = "0s";
    /**
     * The replication role's password file, beside PGDATA, written by the conf step:
     * {@code PGC_REPLICATION_PASSFILE} in init/lib/common.sh.
     */
    static final String REPLICATION_PASSFILE = CONF_DIR + "/replication.pgpass";
    /**
     * On the volume while pg_rewind runs on the node: {@code PGC_REWIND_MARKER} in
     * init/lib/common.sh. A node that has it is never healthy.
     */
    static final String REWIND_MARKER = VOLUME_PATH + "/pg-cluster-rewind.in-progress";
    /**
     * The role pg-cluster gave the node ("primary" or "standby"), beside PGDATA: written when the
     * node is initialized, seeded, promoted, fenced or rejoins ({@code PGC_ROLE_FILE} in
     * init/lib/common.sh). A node that accepts writes while it says "standby" was promoted outside
     * pg-cluster and is never healthy.
     */
    static final String ROLE_FILE = VOLUME_PATH + "/pg-cluster-role";
    /**
     * Healthy: accepting TCP connections, holding a cluster pg-cluster initialized; on a node that
     * would accept writes (no standby.signal), pg-cluster made it the primary; on a standby, its
     * WAL receiver streaming. The same check on every node; a failed
     * check says why in Docker's health log. Its session runs as the superuser every few seconds
     * on every node: hardened like every session of ours, and the catalog view named in full.
     */
    static final String HEALTHCHECK = "test ! -e " + REWIND_MARKER + " || { echo 'pg-cluster: an interrupted pg_rewind left "
            + "this node half-copied: seed it afresh (README: Troubleshooting)'; exit 1; }; "
            + pgIsReady() + " || { echo 'pg-cluster: not accepting connections'; exit 1; }; "
            + "test -f \"$PGDATA/" + INIT_DONE + "\" || { echo 'pg-cluster: no cluster initialized by pg-cluster'; exit 1; }; "
            + "test -f \"$PGDATA/standby.signal\" || [ \"$(cat " + ROLE_FILE + " 2>/dev/null || echo primary)\" = primary ] || { "
            + "echo 'pg-cluster: accepts writes, but pg-cluster made it a standby: it was promoted outside pg-cluster"
            + " (README: Troubleshooting)'; exit 1; }; "
            + "test ! -f \"$PGDATA/standby.signal\" || { "
            + "s=$(runuser -u postgres -- env PGOPTIONS='" + ClusterConfig.SAFE_SESSION_OPTIONS + "' "
            + "psql -X -q -A -t -d postgres -c 'SELECT status FROM pg_catalog.pg_stat_wal_receiver'); "
            + "[ \"$s\" = streaming ] || { echo \"pg-cluster: a standby that does not stream (WAL receiver: ${s:-none})\"; "
            + "exit 1; }; }";
    /** Peer for the socket (the steps), SCRAM for every network login, checksums for pg_rewind. */
    static final String INITDB_ARGS = "--auth-local=peer --auth-host=scram-sha-256 --data-checksums";

    /**
     * What a standby needs from the rest of the cluster.
     *
     * @param primarySeed the primary's seed step: a standby's conf step waits for it, so that it does
     *                    not take the CPU from the primary's initdb (it is needed only by the
     *                    standby's own seed, much later)
     * @param primaryStep the step that makes the configured primary the primary
     * @param passwords   the step that sets the passwords on the primary
     * @param primaryPlacement the primary's Docker host: the standby's slot step acts there
     * @param slotAfter   what the standby's slot step waits for: the primary step, or on a new
     *                    cluster the primary's readiness
     * @param backupAfter what the standby's base backup waits for beside its slot and conf steps:
     *                    the passwords step (a kept or restored cluster may hold other passwords),
     *                    or nothing on a new cluster (its seed gave the replication role the stack's
     *                    verifier)
     * @param containerAfter what the standby's container waits for beside its seed and conf steps:
     *                    nothing when its seed waits for the primary and passwords steps anyway;
     *                    both on a new cluster (the primary step lists the stack's containers and
     *                    takes one it finds created but not yet started for a stopped node, which it
     *                    would stop again after its rejoin; nor does it ever make the slot of a node
     *                    it did not list, so it and the slot steps never both make one; and what
     *                    the two steps write is on the primary before the standby starts)
     */
    public record Upstream(Command primarySeed, Command primaryStep, Command passwords, Placement primaryPlacement,
                           Resource slotAfter, List<Resource> backupAfter, List<Resource> containerAfter) {
        public Upstream {
            backupAfter = List.copyOf(backupAfter);
            containerAfter = List.copyOf(containerAfter);
        }

        /** After the primary step and the passwords step: the order of any cluster but a new one. */
        public Upstream(Command primarySeed, Command primaryStep, Command passwords, Placement primaryPlacement) {
            this(primarySeed, primaryStep, passwords, primaryPlacement, primaryStep, List.of(passwords), List.of());
        }
    }

    private final Volume volume;
    private final Command conf;
    private final Optional<Command> slot;
    private final Command seed;
    private final Container container;
    private final Command readiness;
    private final Optional<Command> conninfo;

    /**
     * @param name      the component's name, {@code <prefix>-<node>}; also the container's
     * @param config    the cluster config
     * @param node      the node
     * @param image     the image to run
     * @param nodeImages for the primary across hosts: init/lib/hosts.sh's {@code PGC_NODE_IMAGES} (its
     *                  seed looks into the other nodes' volumes on their hosts before it makes a
     *                  new cluster); "" otherwise
     * @param network   the cluster network
     * @param secrets   the cluster's passwords
     * @param placement the Docker host of the node
     * @param upstream  for a standby: the steps it waits for; empty for the primary
     * @param tls       the cluster's CAs; empty without TLS
     * @param before    steps that must be done before anything touches the node's volume (the
     *                  hand-over from another mode); empty for none
     * @param containerAfter what the node's container starts after, beside its own steps, and so
     *                  outlives it on destroy ({@link dev.pgcluster.mode.ClusterParts#nodesAfter})
     * @param options   component options (parent)
     */
    public PostgresNode(String name, ClusterConfig config, NodeSpec node, Output<String> image, Output<String> nodeImages,
                        ClusterNetwork network,
                        ClusterSecrets secrets, Placement placement, Optional<Upstream> upstream,
                        Optional<ClusterTls> tls, List<Resource> before, List<Resource> containerAfter,
                        ComponentResourceOptions options) {
        super(TYPE, name, ComponentResourceOptions.merge(options,
                ComponentResourceOptions.builder().aliases(LegacyUrns.nodeComponent()).build()));
        String primaryContainer = config.containerName(config.primary().name());
        // A new cluster's superuser password (initdb takes it) and the replication role's verifier.
        Output<String> seedSecrets = Output.tuple(secrets.superuserPassword(), secrets.replicationVerifier())
                .applyValue(p -> p.t1 + "\n" + p.t2 + "\n").asSecret();

        this.volume = dataVolume(this, name + "-data", config, node.name(), placement,
                concat(LegacyUrns.underNode(config, "docker:index/volume:Volume", name + "-data"),
                        ModeUrns.underOtherModes(config, TYPE, "docker:index/volume:Volume", name + "-data")));

        this.conf = conf(this, name + "-conf", config, node, image, volume.name(), placement, tls,
                InitScripts.pgHba(config.subnet().cidr(), config.subnet().gateway(), config.replicationUser(),
                        config.tls().enabled(), false, peerAddresses(config)),
                secrets.replicationPassword(),
                concat(upstream.map(up -> List.<Resource>of(up.primarySeed())).orElse(List.of()), before));

        // A standby's slot on the primary, made before its base backup; dropped when the node goes.
        this.slot = upstream.map(up -> new Command(name + "-slot", CommandArgs.builder()
                .create(InitScripts.read(InitScripts.CREATE_SLOT))
                .delete(InitScripts.read(InitScripts.DROP_SLOT))
                .environment(slotEnvironment(node, primaryContainer, config.retainVolumes(), up.primaryPlacement()))
                .build(),
                CustomResourceOptions.builder()
                        .parent(this)
                        .dependsOn(up.slotAfter())
                        .aliases(concat(LegacyUrns.underBootstrap(config, Command.TYPE, name + "-bootstrap-slot"),
                                ModeUrns.underOtherModes(config, TYPE, Command.TYPE, name + "-slot")))
                        .build()));

        var seedDependencies = new ArrayList<Resource>(before);
        slot.ifPresent(seedDependencies::add);
        if (config.severalHosts() && upstream.isPresent()) {
            // A base backup runs in a one-off container on the node's host, on its host's network.
            seedDependencies.add(network.network(placement));
        }
        // A base backup checks the primary's certificate against the CA certificates on the volume.
        upstream.ifPresent(up -> seedDependencies.add(conf));
        upstream.ifPresent(up -> seedDependencies.addAll(up.backupAfter()));
        this.seed = new Command(name + "-seed", CommandArgs.builder()
                .create(InitScripts.read(InitScripts.SEED))
                .update(InitScripts.read(InitScripts.SEED_UPDATE))
                // The network by name, not by output: the seed of a new cluster runs while Docker
                // creates the network (the provider holds a network's creation for 2 s).
                .environment(Output.tuple(volume.name(), image, nodeImages)
                        .applyValue(t -> seedEnvironment(config, node, network.plannedName(), t.t1, t.t2, t.t3, placement)))
                .stdin(seedSecrets)
                // A new volume (renamed, or replaced by `pulumi up --replace`: the engine then
                // replaces whatever depends on its name through a force-new input) is empty
                // and needs seeding; the same volume is never seeded twice.
                .triggers(volume.name().applyValue(volumeName -> List.<Object>of(volumeName)))
                .build(),
                CustomResourceOptions.builder()
                        .parent(this)
                        .dependsOn(seedDependencies)
                        .ignoreChanges(placement.ignoring(List.of()))
                        .aliases(LegacyUrns.underBootstrap(config, Command.TYPE, name + "-bootstrap-base-backup"))
                        .build());

        var port = publishedPort(config, node);
        this.container = container(name, config, node, image, network.networkName(placement), volume.name(),
                // New data means a new container: the label changes, a changed label replaces it.
                // The seed step's ID: new exactly when the step is created anew (a new volume),
                // kept when the step is updated (a switchover changes its role), so known in a
                // preview whenever the data stays (its output is not: an updated step's output
                // is unknown until it has run).
                seed.id(),
                port,
                placement.dockerOptions(this)
                        .deleteBeforeReplace(true)
                        .dependsOn(concat(concat(List.of(seed, conf),
                                upstream.map(Upstream::containerAfter).orElse(List.of())), containerAfter))
                        // What the node publishes is never taken from a refresh: the docker
                        // provider 4.5.1 reads a stopped container's ports back empty, and ports
                        // force a new container. A changed port changes the published label,
                        // which forces one; a new container always gets the declared ports (the
                        // engine checks a replacement's inputs afresh, without ignoreChanges).
                        .ignoreChanges(placement.ignoring(List.of("ports")))
                        .aliases(concat(LegacyUrns.underNode(config, "docker:index/container:Container", name),
                                ModeUrns.underOtherModes(config, TYPE, "docker:index/container:Container", name)))
                        .build());
        this.readiness = readiness(name + "-ready", config, container, placement,
                LegacyUrns.underNode(config, Command.TYPE, name + "-ready"));

        // Not on a lost host: the step would run there (it has no delete script: one in state
        // simply goes, and comes again with the host).
        this.conninfo = upstream.filter(up -> !placement.lost()).map(up -> new Command(name + "-conninfo", CommandArgs.builder()
                .create(InitScripts.read(InitScripts.SYNC_CONNINFO))
                .environment(container.name().applyValue(containerName -> {
                    var env = new LinkedHashMap<String, String>();
                    env.put("PGC_STEP", "conninfo");
                    env.put("PGC_REPLICA_CONTAINER", containerName);
                    env.put("PGC_NODE", node.name());
                    env.put("PGC_SLOT", node.name());
                    env.put("PGC_PRIMARY_HOST", config.peerHost(config.primary().name()));
                    env.put("PGC_PRIMARY_PORT", String.valueOf(config.peerPort(config.primary().name())));
                    env.put("PGC_REPLICATION_USER", config.replicationUser());
                    env.put("PGC_TLS", onOff(config.tls().enabled()));
                    env.putAll(placement.commandEnvironment());
                    return (Map<String, String>) env;
                }))
                .build(),
                CustomResourceOptions.builder()
                        .parent(this)
                        .dependsOn(List.of(readiness, up.primaryStep(), up.passwords()))
                        .additionalSecretOutputs(List.of("stdout", "stderr"))
                        .aliases(LegacyUrns.underNode(config, Command.TYPE, name + "-conninfo"))
                        .build()));
        registerOutputs(Map.of("containerName", container.name()));
    }

    /**
     * While hosts are lost ({@code lostHosts}): the slot step this node had as a standby, kept as
     * state has it. Its delete would drop the slot on the primary the node followed, which may be
     * on a lost host; it goes in the first run after every host is back, when that old primary has
     * rejoined (its rejoin removes the slots it held, so the delete finds nothing to drop). Not in
     * state (the node was the primary before the host was lost), it is made as a step that does
     * nothing, and goes the same way.
     */
    public Command keptSlot(String name, ClusterConfig config, NodeSpec node) {
        var env = new LinkedHashMap<String, String>();
        env.put("PGC_STEP", "replication-slot");
        env.put("PGC_PRIMARY_CONTAINER", config.containerName(node.name()));
        env.put("PGC_SLOT", node.name());
        env.put("PGC_KEEP_SLOT", "true");
        return new Command(name + "-slot", CommandArgs.builder()
                .create("echo 'pg-cluster: no slot step was kept; nothing to do'")
                .delete(InitScripts.read(InitScripts.DROP_SLOT))
                .environment(Output.of((Map<String, String>) env))
                .build(),
                CustomResourceOptions.builder().parent(this).ignoreChanges(Placement.EVERY_INPUT)
                        // The slot step's own, so that a state that still holds it under one keeps it.
                        .aliases(concat(LegacyUrns.underBootstrap(config, Command.TYPE, name + "-bootstrap-slot"),
                                ModeUrns.underOtherModes(config, TYPE, Command.TYPE, name + "-slot")))
                        .build());
    }

    private static <T> List<T> concat(List<? extends T> first, List<? extends T> second) {
        var all = new ArrayList<T>(first);
        all.addAll(second);
        return all;
    }

    /**
     * A data volume of the cluster (a node's, or in ha: patroni an etcd member's): named as the
     * resource, labelled, kept on destroy when config says so, and never replaced for a label.
     */
    public static Volume dataVolume(Resource parent, String name, ClusterConfig config, String member,
                                    Placement placement, List<Output<com.pulumi.core.Alias>> aliases) {
        return new Volume(name, VolumeArgs.builder()
                .name(name)
                .labels(Labels.volume(config, member).entrySet().stream()
                        .map(e -> VolumeLabelArgs.builder().label(e.getKey()).value(e.getValue()).build())
                        .toList())
                .build(),
                placement.dockerOptions(parent)
                        .retainOnDelete(config.retainVolumes())
                        .deleteBeforeReplace(true)
                        // Docker cannot change a volume's labels; a changed label must never
                        // replace (empty) a data volume.
                        .ignoreChanges(placement.ignoring(List.of("labels")))
                        .aliases(aliases)
                        .build());
    }

    static Map<String, String> slotEnvironment(NodeSpec node, String primaryContainer, boolean keepSlot,
                                               Placement placement) {
        var env = new LinkedHashMap<String, String>();
        env.put("PGC_STEP", "replication-slot");
        env.put("PGC_SLOT", node.name());
        env.put("PGC_PRIMARY_CONTAINER", primaryContainer);
        env.put("PGC_KEEP_SLOT", String.valueOf(keepSlot));
        env.putAll(placement.commandEnvironment());
        return env;
    }

    static Map<String, String> seedEnvironment(ClusterConfig config, NodeSpec node, String networkName,
                                               String volumeName, String image, String nodeImages,
                                               Placement placement) {
        var env = new LinkedHashMap<String, String>();
        env.put("PGC_STEP", "seed");
        env.put("PGC_ROLE", node.role().label());
        env.put("PGC_NODE", node.name());
        env.put("PGC_SLOT", node.name());
        env.put("PGC_VOLUME", volumeName);
        env.put("PGC_NETWORK", networkName);
        env.put("PGC_IMAGE", image);
        env.put("PGC_REPLICATION_USER", config.replicationUser());
        env.put("PGC_ATTEMPTS", String.valueOf(config.baseBackupAttempts()));
        env.put("PGC_PROJECT", config.project());
        env.put("PGC_STACK", config.stack());
        env.put("PGC_NAME_PREFIX", config.namePrefix());
        if (node.isPrimary()) {
            env.put("PGC_DATABASE", config.database());
            env.put("PGC_INITDB_ARGS", INITDB_ARGS);
            env.put("PGC_INIT_SCRIPT", InitScripts.read(InitScripts.INIT_IN_CONTAINER));
            // restoreFrom: a backup fills the empty volume instead (README: Backups and recovery).
            env.putAll(dev.pgcluster.backup.Restore.seedEnvironment(config));
            if (config.severalHosts()) {
                // The other nodes' volumes are on their hosts: the seed asks each before it makes
                // a new cluster (init/node/seed.sh).
                env.putAll(Placement.nodeTables(config));
                env.put("PGC_NODE_IMAGES", nodeImages);
            }
        } else {
            String primary = config.primary().name();
            env.put("PGC_PRIMARY_HOST", config.peerHost(primary));
            env.put("PGC_PRIMARY_PORT", String.valueOf(config.peerPort(primary)));
            env.put("PGC_TLS", onOff(config.tls().enabled()));
            env.put("PGC_BACKUP_SCRIPT", InitScripts.read(InitScripts.BASE_BACKUP_IN_CONTAINER));
            if (config.severalHosts()) {
                // The primary's server is reached over the network (at its host's address, or by
                // name on a swarm overlay); the seed asks it about its slot with docker exec, on the
                // primary's own host.
                env.put("PGC_PRIMARY_NODE", primary);
                env.put("PGC_PRIMARY_CONTAINER", config.containerName(primary));
                env.putAll(Placement.nodeTables(config));
            }
        }
        env.putAll(placement.commandEnvironment());
        return env;
    }

    /**
     * The node's conf step (init/node/sync-conf.sh): pg_hba.conf, the replication role's password
     * file and, with TLS, the node's key and certificate and the trusted CA certificates, on its
     * volume beside the data; a running node reloads them. It runs again when any of them would
     * change, and is replaced with its volume.
     */
    public static Command conf(Resource parent, String name, ClusterConfig config, NodeSpec node, Output<String> image,
                               Output<String> volumeName, Placement placement, Optional<ClusterTls> tls, String hba,
                               Output<String> replicationPassword, List<Resource> after) {
        Output<String> trusted = tls.map(ClusterTls::trustedCertificates).orElse(Output.of(""));
        return new Command(name, CommandArgs.builder()
                .create(InitScripts.read(InitScripts.SYNC_CONF))
                .environment(Output.tuple(volumeName, image, trusted).applyValue(t -> {
                    var env = new LinkedHashMap<String, String>();
                    env.put("PGC_STEP", "conf");
                    env.put("PGC_NODE", node.name());
                    env.put("PGC_CONTAINER", config.containerName(node.name()));
                    env.put("PGC_VOLUME", t.t1);
                    env.put("PGC_IMAGE", t.t2);
                    env.put("PGC_TLS", onOff(config.tls().enabled()));
                    env.put("PGC_HBA", hba);
                    env.put("PGC_REPLICATION_USER", config.replicationUser());
                    if (config.tls().enabled()) {
                        env.put("PGC_CA_BUNDLE", t.t3);
                        env.put("PGC_CERT_NAMES", certificateNames(config, node));
                        env.put("PGC_CERT_GENERATION", String.valueOf(config.tls().certificateGeneration()));
                    }
                    env.put("PGC_CONF_SCRIPT", InitScripts.read(InitScripts.CONF_IN_CONTAINER));
                    env.put("PGC_PROJECT", config.project());
                    env.put("PGC_STACK", config.stack());
                    env.put("PGC_NAME_PREFIX", config.namePrefix());
                    env.putAll(placement.commandEnvironment());
                    return (Map<String, String>) env;
                }))
                .stdin(Output.tuple(replicationPassword, tls.map(ClusterTls::signingAuthority).orElse(Output.of("")))
                        .applyValue(t -> t.t1 + "\n" + t.t2).asSecret())
                // A new volume (`pulumi up --replace` of it: a re-seed) is empty: the step is
                // replaced with it and writes the files again, before the seed that needs them.
                .triggers(volumeName.applyValue(v -> List.<Object>of(v)))
                .build(),
                CustomResourceOptions.builder().parent(parent).dependsOn(after)
                        .ignoreChanges(placement.ignoring(List.of())).build());
    }

    /**
     * The addresses the other hosts' nodes connect from (their host's address: Docker masquerades
     * what leaves a host), for pg_hba.conf; empty when the nodes are on one host, or on a swarm
     * overlay (they connect from its subnet, as on one host's network).
     */
    public static List<String> peerAddresses(ClusterConfig config) {
        if (!config.peersByAddress()) {
            return List.of();
        }
        return config.nodes().stream().map(n -> n.hostAddress().orElseThrow()).distinct().toList();
    }

    /**
     * Every name a client or another node reaches the node by: its network alias and container
     * name on the cluster network, and the host its port is published on.
     */
    public static String certificateNames(ClusterConfig config, NodeSpec node) {
        var names = new LinkedHashSet<String>();
        names.add("DNS:" + node.name());
        names.add("DNS:" + config.containerName(node.name()));
        String clientHost = ConnectionStrings.clientHost(config, node);
        names.add((Validators.isIpv4Address(clientHost) ? "IP:" : "DNS:") + clientHost);
        names.add("DNS:localhost");
        names.add("IP:127.0.0.1");
        return String.join(",", names);
    }

    public static String onOff(boolean value) {
        return value ? "on" : "off";
    }

    /**
     * The capabilities a node keeps (Docker's others are dropped). PostgreSQL itself has none: it
     * runs as postgres. They serve root in the entrypoint, before it steps down to postgres, and
     * in {@code docker exec} of the health check; each was checked by removing it (README,
     * "Security defaults"):
     * CAP_CHOWN: the entrypoint gives PGDATA and the socket directory to postgres;
     * CAP_DAC_READ_SEARCH: root walks PGDATA (0700, postgres's): the entrypoint's {@code find},
     * the health check's {@code test -f}; read and search only, never write;
     * CAP_FOWNER: root's {@code chmod} of postgres's directories (the socket directory, a PGDATA
     * whose mode is wrong);
     * CAP_SETGID, CAP_SETUID: the step down to postgres ({@code gosu}, {@code setpriv}) and the
     * health check's {@code runuser -u postgres}.
     * Spelled as Docker clients since v28 send them (see {@link Hardening}).
     */
    static final List<String> NODE_CAPABILITIES = List.of(
            "CAP_CHOWN", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_SETGID", "CAP_SETUID");
    /** Where PostgreSQL puts its Unix socket and lock file; the entrypoint gives it to postgres. */
    static final String SOCKET_DIRECTORY = "/var/run/postgresql";
    /**
     * The only places a node writes besides its volume (the root filesystem is read-only): the
     * socket directory and {@code /tmp}. In memory, bounded; options written as Docker keeps them.
     */
    static final Map<String, Object> NODE_TMPFS = nodeTmpfs();

    private static Map<String, Object> nodeTmpfs() {
        var tmpfs = new LinkedHashMap<String, Object>();
        tmpfs.put("/tmp", "rw,noexec,nosuid,nodev,size=64m");
        tmpfs.put(SOCKET_DIRECTORY, "rw,noexec,nosuid,nodev,size=1m");
        return Collections.unmodifiableMap(tmpfs);
    }

    /** Where the node's PostgreSQL port is published on its Docker host. */
    public static PublishedPort publishedPort(ClusterConfig config, NodeSpec node) {
        return new PublishedPort(config.publishAddress(node), node.hostPort(), POSTGRES_PORT);
    }

    /**
     * The node's health check. A standby may go without streaming for streamingGraceSeconds (its
     * start, a reconnect) before it counts as unhealthy; no start period on top, so a node that
     * cannot stream after a start is unhealthy within the grace. Its label carries a changed check
     * (a new {@code streamingGraceSeconds}, a new program) to Docker ({@link HealthCheck}).
     */
    static HealthCheck healthCheck(ClusterConfig config) {
        return new HealthCheck(List.of("CMD-SHELL", HEALTHCHECK), HEALTH_INTERVAL_SECONDS + "s", HEALTH_TIMEOUT,
                healthRetries(config), HEALTH_START_PERIOD);
    }

    private static Container container(String name, ClusterConfig config, NodeSpec node, Output<String> image,
                                       Output<String> networkName, Output<String> volumeName, Output<String> seeded,
                                       PublishedPort port, CustomResourceOptions options) {
        var labels = new ArrayList<ContainerLabelArgs>();
        Labels.container(config, node.name()).forEach((k, v) ->
                labels.add(ContainerLabelArgs.builder().label(k).value(v).build()));
        labels.add(ContainerLabelArgs.builder().label(Labels.PUBLISHED).value(port.spec()).build());
        labels.add(ContainerLabelArgs.builder().label(Labels.HEALTHCHECK).value(healthCheck(config).label()).build());
        labels.add(ContainerLabelArgs.builder().label(Labels.TMPFS).value(HealthCheck.tmpfsLabel(NODE_TMPFS)).build());
        labels.add(ContainerLabelArgs.builder().label(Labels.SEED).value(seeded).build());
        var envs = new ArrayList<String>();
        envs.add("PGDATA=" + PGDATA);
        var args = ContainerArgs.builder()
                .name(name)
                .hostname(node.name())
                .image(image)
                .command(ServerSettings.serverArguments(config))
                // No password and no init scripts: the seed step initialized the data, and should
                // the volume ever be empty, the entrypoint refuses to start instead of creating a
                // new, unrelated database.
                .envs(envs)
                .labels(labels)
                // Said explicitly because Docker reads it back: left unset, 20.10 reports "default"
                // and 26+ "bridge", and the provider replaces a container whose (force-new)
                // network mode reads back differently. The container is taken off this default
                // bridge right after creation and joins only the cluster network below.
                .networkMode("bridge")
                .networksAdvanced(ContainerNetworksAdvancedArgs.builder()
                        .name(networkName)
                        .aliases(node.name())
                        .build())
                .volumes(ContainerVolumeArgs.builder()
                        .volumeName(volumeName)
                        .containerPath(VOLUME_PATH)
                        .build())
                .ports(port.args())
                .healthcheck(healthCheck(config).args())
                // Health is awaited by the node's own readiness step, not the provider's
                // `wait`: a timed-out wait leaves the container in state and a rerun would go on
                // without waiting; a failed step is not recorded and waits again on the rerun.
                .wait_(false)
                // A stopped node stays in state, stopped: a `docker stop` followed by
                // `pulumi refresh` must not make the provider remove the container and
                // `pulumi up` start it again.
                .mustRun(false)
                .restart("unless-stopped")
                // A clean shutdown writes a checkpoint; give it time before SIGKILL.
                // A fast shutdown (SIGINT) whatever the image says: a smart one (SIGTERM) waits for
                // every client to leave, and the stop timeout then ends it with a kill.
                .stopSignal("SIGINT")
                .stopTimeout(60)
                .destroyGraceSeconds(60)
                .logDriver("json-file")
                .logOpts(Map.<String, Object>of("max-size", "10m", "max-file", "5"))
                .shmSize(config.limits().shmSizeMb())
                .capabilities(Hardening.capabilities(NODE_CAPABILITIES))
                .securityOpts(Hardening.NO_NEW_PRIVILEGES)
                .readOnly(true)
                .tmpfs(NODE_TMPFS);
        config.limits().memoryMb().ifPresent(memory -> {
            args.memory(memory);
            // Docker's own default (twice the memory), said explicitly: Docker reads it back
            // and the provider would otherwise plan an update on every run.
            args.memorySwap(2 * memory);
        });
        config.limits().cpuShares().ifPresent(args::cpuShares);
        return new Container(name, args.build(), options);
    }

    /**
     * The node's readiness step: waits until the container passes its health check (the step
     * runs the check itself), for at most {@code healthTimeoutSeconds}. Dependents wait for this
     * step. A new container (another ID) replaces the step, so it waits again.
     */
    private Command readiness(String name, ClusterConfig config, Container container, Placement placement,
                              List<Output<com.pulumi.core.Alias>> aliases) {
        return new Command(name, CommandArgs.builder()
                .create(InitScripts.read(InitScripts.AWAIT_HEALTHY))
                .environment(Output.tuple(container.name(), container.id()).applyValue(t -> {
                    var env = new LinkedHashMap<String, String>();
                    env.put("PGC_STEP", "ready");
                    env.put("PGC_CONTAINER", t.t1);
                    env.put("PGC_CONTAINER_ID", t.t2);
                    env.put("PGC_TIMEOUT_SECONDS", String.valueOf(config.healthTimeoutSeconds()));
                    env.put("PGC_HEALTHCHECK", HEALTHCHECK);
                    env.putAll(placement.commandEnvironment());
                    return (Map<String, String>) env;
                }))
                .triggers(container.id().applyValue(id -> List.<Object>of(id)))
                .build(),
                CustomResourceOptions.builder().parent(this).dependsOn(container).aliases(aliases)
                        .ignoreChanges(placement.ignoring(List.of())).build());
    }

    /** Consecutive failed checks before Docker calls a node unhealthy: the streaming grace. */
    static int healthRetries(ClusterConfig config) {
        return Math.max(2, (config.streamingGraceSeconds() + HEALTH_INTERVAL_SECONDS - 1) / HEALTH_INTERVAL_SECONDS);
    }

    static String pgIsReady() {
        return "pg_isready --host=127.0.0.1 --port=" + POSTGRES_PORT + " --username=postgres --dbname=postgres --quiet";
    }

    public Volume volume() {
        return volume;
    }

    /** The step that keeps the node's pg_hba.conf, key and certificates on its volume. */
    public Command conf() {
        return conf;
    }

    /** The standby's slot step; empty for the primary. */
    public Optional<Command> slot() {
        return slot;
    }

    /** The step that put the node's data on its volume. */
    public Command seed() {
        return seed;
    }

    public Container container() {
        return container;
    }

    public Output<String> containerName() {
        return container.name();
    }

    /** Done once the node is healthy. */
    public Command readiness() {
        return readiness;
    }

    /** The standby's step that points it at the primary with the stack's password; empty for the primary. */
    public Optional<Command> conninfo() {
        return conninfo;
    }
}
