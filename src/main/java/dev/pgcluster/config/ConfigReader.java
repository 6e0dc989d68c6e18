package dev.pgcluster.config;

import com.pulumi.Config;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads the stack config once into a {@link ClusterConfig}. Every value is checked before anything
 * is declared; all problems are reported together in one {@link ConfigException}.
 */
public final class ConfigReader {
    public static final int MAX_REPLICAS = 10;

    /** Every key the program reads; anything else in the project's namespace is a typo. */
    public static final List<String> KEYS = List.of(
            "replicas", "environment", "image", "pullImage", "subnet", "publishAddress",
            "primaryPort", "replicaPorts", "walKeepSize", "maxSlotWalKeepSize",
            "synchronous", "synchronousCommit", "memory", "shmSize", "cpuShares", "maxConnections",
            "retainVolumesOnDelete", "database", "replicationUser",
            "superuserPassword", "replicationPassword", "dockerHost", "dockerHosts", "placement",
            "baseBackupAttempts", "healthTimeoutSeconds", "streamingGraceSeconds", "readMaxLag", "primary", "acceptDataLoss",
            "appUser", "appPassword", "monitoringUser", "monitoringPassword", "passwordGeneration",
            "tls", "tlsCaGeneration", "tlsTrustedCaGenerations", "tlsCertificateGeneration",
            "monitoring", "exporterImage", "prometheusImage", "monitoringPort", "scrapeIntervalSeconds",
            "alertForSeconds", "alertLagForSeconds", "alertReplayLagSeconds", "alertBytesBehind",
            "alertSlotRetainedPercent",
            "ha", "dcsMembers", "etcdImage", "patroniTtl", "patroniLoopWait", "patroniRetryTimeout",
            "maximumLagOnFailover", "failsafeMode", "patroniApiPort", "etcdPorts", "lostHosts", "swarmOverlay",
            "backup", "backupPassphrase", "backupRetentionFull", "backupRetentionDiff", "archiveTimeoutSeconds",
            "backupFullIntervalHours", "backupDiffIntervalHours", "backupRetainRepository", "backupStorage",
            "backupS3Endpoint", "backupS3Bucket", "backupS3Region", "backupS3UriStyle", "backupS3Path",
            "backupS3CaCertificate", "backupS3AccessKey", "backupS3SecretKey", "restoreFrom", "restoreTarget");

    /** The keys that only {@code backup: true} reads. */
    public static final List<String> BACKUP_KEYS = List.of("backupPassphrase", "backupRetentionFull",
            "backupRetentionDiff", "archiveTimeoutSeconds", "backupFullIntervalHours", "backupDiffIntervalHours",
            "backupRetainRepository", "backupStorage");

    /** The keys that only {@code backupStorage: s3} reads. */
    public static final List<String> S3_KEYS = List.of("backupS3Endpoint", "backupS3Bucket", "backupS3Region",
            "backupS3UriStyle", "backupS3Path", "backupS3CaCertificate", "backupS3AccessKey", "backupS3SecretKey");

    /** The keys that only {@code ha: patroni} reads. */
    public static final List<String> PATRONI_KEYS = List.of("dcsMembers", "etcdImage", "patroniTtl", "patroniLoopWait",
            "patroniRetryTimeout", "maximumLagOnFailover", "failsafeMode", "maxConnections", "patroniApiPort", "etcdPorts");

    public static final String DEFAULT_IMAGE = "postgres:17.6";
    /** {@code maxConnections}: Patroni's minimum (it ignores a smaller value and runs its default, 100). */
    public static final int MIN_MAX_CONNECTIONS = 25;
    /** {@code maxConnections}: beyond this, a connection pooler serves better than more backends. */
    public static final int MAX_MAX_CONNECTIONS = 10000;
    public static final String DEFAULT_SUBNET = "10.89.0.0/24";
    public static final int DEFAULT_PRIMARY_PORT = 5432;

    private final Config config;
    private final String namespace;
    private final RuntimeConfigInfo runtime;
    private final List<String> problems = new ArrayList<>();

    private ConfigReader(Config config, String namespace, RuntimeConfigInfo runtime) {
        this.config = config;
        this.namespace = namespace;
        this.runtime = runtime;
    }

    /**
     * @param config  the project's config bag
     * @param project the Pulumi project name (the config namespace)
     * @param stack   the Pulumi stack name
     * @param runtime which keys are set and which are secret, as far as the runtime tells
     * @throws ConfigException listing every invalid value
     */
    public static ClusterConfig read(Config config, String project, String stack, RuntimeConfigInfo runtime) {
        return read(config, project, stack, runtime, DockerHosts.LOCAL_SOCKET);
    }

    /**
     * {@link #read(Config, String, String, RuntimeConfigInfo)} with the default docker provider's
     * host known (see {@link DockerHosts#providerDefault}).
     */
    public static ClusterConfig read(Config config, String project, String stack, RuntimeConfigInfo runtime,
                                     String defaultDockerHost) {
        return new ConfigReader(config, project, runtime).read(project, stack, defaultDockerHost);
    }

    private ClusterConfig read(String project, String stack, String defaultDockerHost) {
        rejectUnknownKeys();
        String namePrefix = value("project and stack name", project + "-" + stack,
                v -> Validators.namePrefix(project, stack));
        Integer replicas = optional("replicas", "1", v -> Validators.integer(key("replicas"), v, 0, MAX_REPLICAS));
        DeploymentEnvironment environment = optional("environment", "development",
                v -> Validators.environment(key("environment"), v));
        DeploymentEnvironment env = environment == null ? DeploymentEnvironment.DEVELOPMENT : environment;
        String image = optional("image", DEFAULT_IMAGE, v -> Validators.imageReference(key("image"), v));
        Boolean pullImage = optional("pullImage", "true", v -> Validators.bool(key("pullImage"), v));
        int nodeCount = replicas == null ? 1 : replicas + 1;
        Ipv4Subnet subnet = optional("subnet", DEFAULT_SUBNET, v -> Validators.subnet(key("subnet"), v, nodeCount));
        String publishAddress = optional("publishAddress", "127.0.0.1",
                v -> Validators.ipv4Address(key("publishAddress"), v));
        Integer primaryPort = optional("primaryPort", String.valueOf(DEFAULT_PRIMARY_PORT),
                v -> Validators.port(key("primaryPort"), v));
        List<Integer> replicaPorts = replicaPorts(replicas, primaryPort);
        String walKeepSize = optional("walKeepSize", env.defaultWalKeepSize(),
                v -> Validators.walSize(key("walKeepSize"), v));
        String maxSlotWalKeepSize = optional("maxSlotWalKeepSize", env.defaultMaxSlotWalKeepSize(),
                v -> Validators.walSize(key("maxSlotWalKeepSize"), v));
        SyncReplication sync = sync(replicas);
        Integer memoryMb = optionalOrNull("memory", v -> Validators.memoryMb(key("memory"), v, 128));
        Integer shmSizeMb = optional("shmSize", env.defaultShmSizeMb() + "m",
                v -> Validators.memoryMb(key("shmSize"), v, 64));
        Integer cpuShares = optionalOrNull("cpuShares", v -> Validators.integer(key("cpuShares"), v, 2, 262144));
        Integer maxConnections = optionalOrNull("maxConnections",
                v -> Validators.integer(key("maxConnections"), v, MIN_MAX_CONNECTIONS, MAX_MAX_CONNECTIONS));
        Boolean retainVolumes = optional("retainVolumesOnDelete", String.valueOf(env == DeploymentEnvironment.PRODUCTION),
                v -> Validators.bool(key("retainVolumesOnDelete"), v));
        String database = optional("database", "postgres",
                v -> Validators.identifier(key("database"), v, List.of("template0", "template1")));
        String replicationUser = optional("replicationUser", "replicator",
                v -> Validators.roleName(key("replicationUser"), v, List.of(ClusterConfig.SUPERUSER)));
        Optional<Secret> superuserPassword = password("superuserPassword");
        Optional<Secret> replicationPassword = password("replicationPassword");
        String dockerHost = optionalOrNull("dockerHost", v -> Validators.dockerHost(key("dockerHost"), v));
        Integer attempts = optional("baseBackupAttempts", "3",
                v -> Validators.integer(key("baseBackupAttempts"), v, 1, 10));
        Integer healthTimeout = optional("healthTimeoutSeconds", "180",
                v -> Validators.integer(key("healthTimeoutSeconds"), v, 10, 3600));
        Integer streamingGrace = optional("streamingGraceSeconds", "10",
                v -> Validators.integer(key("streamingGraceSeconds"), v, 4, 600));
        Long readMaxLag = optional("readMaxLag", "off", v -> Validators.sizeOrOff(key("readMaxLag"), v));
        String primary = replicas == null ? null
                : optional("primary", "pg0", v -> Validators.nodeName(key("primary"), v, replicas + 1));
        DataLossConsent acceptDataLoss = replicas == null ? DataLossConsent.NONE
                : optional("acceptDataLoss", "false", v -> DataLossConsent.parse(key("acceptDataLoss"), v,
                        java.util.stream.IntStream.rangeClosed(0, replicas).mapToObj(i -> "pg" + i).toList(), primary));
        String appUser = optional("appUser", ClientRoles.defaultAppUser(database),
                v -> Validators.roleName(key("appUser"), v, List.of(ClusterConfig.SUPERUSER)));
        String monitoringUser = optional("monitoringUser", ClientRoles.DEFAULT_MONITORING_USER,
                v -> Validators.roleName(key("monitoringUser"), v, List.of(ClusterConfig.SUPERUSER)));
        Optional<Secret> appPassword = password("appPassword");
        Optional<Secret> monitoringPassword = password("monitoringPassword");
        Integer passwordGeneration = optional("passwordGeneration", "1",
                v -> Validators.integer(key("passwordGeneration"), v, 1, 1_000_000));
        distinctRoles(replicationUser, appUser, monitoringUser);
        TlsSettings tls = tls();
        MonitoringSettings monitoring = monitoring(env, primaryPort, replicaPorts, nodeCount);
        HaSettings haRead = ha(image, tls, replicas, primary);
        var nodePorts = new ArrayList<Integer>();
        if (primaryPort != null && replicaPorts != null) {
            nodePorts.add(primaryPort);
            nodePorts.addAll(replicaPorts);
        }
        Optional<HostPlacement.Placed> placed = placement(nodeCount, dockerHost, tls, haRead, nodePorts);
        Optional<Map<String, DockerHostSpec>> placement = placed.map(HostPlacement.Placed::nodes);
        HaSettings ha = placed.filter(p -> p.severalHosts() && haRead.patroni()).map(p -> dcsOnHosts(haRead, p))
                .orElse(haRead);
        if (monitoring != null && monitoring.enabled() && ha.patroni() && placed.map(HostPlacement.Placed::severalHosts)
                .orElse(false)) {
            // Prometheus (on pg0's host) and each exporter (on its node's host) publish on the host's
            // address beside Patroni's REST API (every node's host) and etcd (the hosts of its members).
            var ports = ha.controlPorts();
            for (int i = -1; i < nodeCount; i++) {
                DockerHostSpec host = placed.get().nodes().get("pg" + Math.max(i, 0));
                int port = i < 0 ? monitoring.port() : monitoring.exporterPort(i);
                var taken = new ArrayList<Integer>(List.of(ports.restApi()));
                if (ha.dcsHosts().containsValue(host)) {
                    taken.addAll(ports.etcd());
                }
                if (taken.contains(port)) {
                    problems.add(key("monitoringPort") + " = \"" + monitoring.port() + "\" is not allowed with " + key("ha")
                            + " = \"patroni\" on several hosts: " + (i < 0 ? "Prometheus" : "pg" + i + "'s exporter")
                            + " would publish " + port + " on " + host.name().orElseThrow() + ", where Patroni and etcd "
                            + "publish " + taken + " (" + key("patroniApiPort") + ", " + key("etcdPorts") + ")");
                    break;
                }
            }
        }

        List<String> lostHosts = lostHosts(placed, ha, primary);
        Boolean swarmOverlay = optional("swarmOverlay", "false", v -> Validators.bool(key("swarmOverlay"), v));
        if (Boolean.TRUE.equals(swarmOverlay)) {
            if (!severalHosts(placed)) {
                problems.add(key("swarmOverlay") + " = \"true\" is not allowed: " + severalHostsOnly());
            } else if (ha != null && ha.patroni()) {
                problems.add(key("swarmOverlay") + " = \"true\" is not allowed with " + key("ha") + " = \"patroni\": not "
                        + "built yet (Patroni's REST API and etcd reach each other at the hosts' addresses)");
            }
        }

        BackupSettings backup = backup(env, tls, image, placed);
        Optional<RestoreSettings> restore = restore(ha, placed);

        if (memoryMb != null && shmSizeMb != null && shmSizeMb >= memoryMb) {
            problems.add(key("shmSize") + " = \"" + shmSizeMb + "m\" is not allowed: less than "
                    + key("memory") + " (" + memoryMb + "m), since /dev/shm counts against the memory limit");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }

        // Node i always gets the i-th port: a switchover moves the role, not the ports.
        var nodes = new ArrayList<NodeSpec>();
        Optional<DockerHostSpec> host = Optional.ofNullable(dockerHost).map(DockerHostSpec::unnamed);
        for (int i = 0; i <= replicas; i++) {
            String name = "pg" + i;
            nodes.add(new NodeSpec(name, name.equals(primary) ? Role.PRIMARY : Role.REPLICA,
                    i == 0 ? primaryPort : replicaPorts.get(i - 1),
                    placement.map(p -> Optional.of(p.get(name))).orElse(host)));
        }
        return new ClusterConfig(project, stack, namePrefix, env, image, pullImage, subnet, publishAddress,
                nodes, new WalSettings(walKeepSize, maxSlotWalKeepSize), sync,
                new ResourceLimits(Optional.ofNullable(memoryMb), shmSizeMb, Optional.ofNullable(cpuShares)),
                Optional.ofNullable(maxConnections),
                retainVolumes, database, replicationUser, superuserPassword, replicationPassword,
                attempts, healthTimeout, streamingGrace, readMaxLag, defaultDockerHost, acceptDataLoss,
                new ClientRoles(appUser, appPassword, monitoringUser, monitoringPassword), passwordGeneration, tls, monitoring,
                ha, placed.map(HostPlacement.Placed::hosts).orElse(List.of()), lostHosts, Boolean.TRUE.equals(swarmOverlay),
                backup, restore);
    }

    /** What a key that applies across hosts allows: {@link #severalHosts}. */
    private String severalHostsOnly() {
        return "only with nodes on several Docker hosts (" + key("dockerHosts") + ", " + key("placement") + ")";
    }

    /** Whether {@code dockerHosts} and {@code placement} put the nodes on more than one host. */
    private static boolean severalHosts(Optional<HostPlacement.Placed> placed) {
        return placed.map(HostPlacement.Placed::severalHosts).orElse(false);
    }

    /**
     * {@code lostHosts}: the hosts of {@code dockerHosts} a failover in {@code ha: none} goes on
     * without (README: Several Docker hosts, "A host is lost"). Names separated by commas, or a JSON
     * list. Each must hold a node, and not the configured primary: the run fails over to a node
     * on a host that answers. With {@code ha: patroni} the cluster fails over by itself.
     */
    private List<String> lostHosts(Optional<HostPlacement.Placed> placed, HaSettings ha, String primary) {
        Optional<String> raw = config.get("lostHosts");
        if (raw.isEmpty()) {
            return List.of();
        }
        String value = raw.get().strip();
        String body = value.startsWith("[") && value.endsWith("]") ? value.substring(1, value.length() - 1) : value;
        var names = new TreeSet<String>();
        for (String item : body.split(",", -1)) {
            names.add(item.strip().replaceAll("^\"(.*)\"$", "$1"));
        }
        String allowed;
        if (!severalHosts(placed)) {
            allowed = severalHostsOnly();
        } else if (ha != null && ha.patroni()) {
            allowed = "only with " + key("ha") + " = \"none\": with Patroni the cluster fails over by itself, and a lost "
                    + "host's members need nothing from config";
        } else {
            var nodeHosts = new TreeSet<String>();
            placed.get().nodes().values().forEach(h -> nodeHosts.add(h.name().orElseThrow()));
            DockerHostSpec primaryPlace = primary == null ? null : placed.get().nodes().get(primary);
            String primaryHost = primaryPlace == null ? null : primaryPlace.name().orElseThrow();
            if (!nodeHosts.containsAll(names)) {
                allowed = "names of hosts of " + key("placement") + " that hold a node (" + String.join(", ", nodeHosts)
                        + "), separated by commas";
            } else if (primaryHost != null && names.contains(primaryHost)) {
                allowed = "a host other than the configured primary's (" + key("primary") + " = \"" + primary + "\" is on "
                        + primaryHost + "): fail over to a node on a host that answers";
            } else {
                return List.copyOf(names);
            }
        }
        problems.add(key("lostHosts") + " = \"" + raw.get() + "\" is not allowed: " + allowed);
        return List.of();
    }

    /**
     * {@code dockerHosts} and {@code placement} ({@link HostPlacement}), and what they exclude: the
     * single-host keys, and for now, on several hosts, what is not built for them yet.
     */
    private Optional<HostPlacement.Placed> placement(int nodeCount, String dockerHost, TlsSettings tls, HaSettings ha,
                                                     List<Integer> ports) {
        var nodeNames = java.util.stream.IntStream.range(0, nodeCount).mapToObj(i -> "pg" + i).toList();
        Optional<HostPlacement.Placed> placement = HostPlacement.read(key("dockerHosts"),
                config.get("dockerHosts"), key("placement"), config.get("placement"), nodeNames, problems::add);
        if (ha.patroni() && (config.get("placement").isEmpty()
                || placement.isPresent() && !placement.get().severalHosts())) {
            for (String name : List.of("patroniApiPort", "etcdPorts")) {
                config.get(name).ifPresent(v -> problems.add(key(name) + " = \"" + v + "\" is not allowed: it applies "
                        + "only with nodes on several Docker hosts (" + key("placement") + "), where Patroni and etcd "
                        + "publish their ports on each host's address; on one host they publish nothing"));
            }
        }
        if (config.get("placement").isEmpty()) {
            return placement;
        }
        if (dockerHost != null) {
            problems.add(key("dockerHost") + " = \"" + dockerHost + "\" is not allowed with " + key("placement")
                    + ": every node names its host there");
        }
        if (config.get("publishAddress").isPresent()) {
            problems.add(key("publishAddress") + " = \"" + config.get("publishAddress").get() + "\" is not allowed with "
                    + key("placement") + ": each node's port is published on its host's address ("
                    + key("dockerHosts") + ".<host>.address)");
        }
        if (placement.isPresent() && placement.get().severalHosts()) {
            if (!tls.enabled() && config.get("tls").map(v -> v.strip().equalsIgnoreCase("false")).orElse(false)) {
                problems.add(key("tls") + " = \"false\" is not allowed with nodes on several Docker hosts: "
                        + "replication and clients cross the network between them");
            }
            var nodesOn = new LinkedHashMap<String, List<String>>();
            placement.get().nodes().forEach((node, host) ->
                    nodesOn.computeIfAbsent(host.name().orElseThrow(), h -> new ArrayList<>()).add(node));
            nodesOn.forEach((host, nodes) -> {
                if (nodes.size() > 1) {
                    problems.add(key("placement") + " puts " + String.join(" and ", nodes) + " on " + host
                            + ", which is not allowed with nodes on several hosts: one node per host (nodes reach "
                            + "each other at their host's address, and a node cannot replicate from one beside it "
                            + "that way; with Patroni each also publishes its REST API on " + key("patroniApiPort") + ")");
                }
            });
            if (ha.patroni()) {
                // What Patroni and etcd publish on each host's address: no node port may be one.
                var fixed = ha.controlPorts().list();
                for (int i = 0; i < ports.size(); i++) {
                    if (fixed.contains(ports.get(i))) {
                        problems.add((i == 0 ? key("primaryPort") : key("replicaPorts")) + " = \"" + ports.get(i)
                                + "\" is not allowed with " + key("ha") + " = \"patroni\" on several hosts: Patroni and "
                                + "etcd publish " + fixed + " on each host (" + key("patroniApiPort") + ", "
                                + key("etcdPorts") + ")");
                    }
                }
                int hosts = placement.get().hosts().size();
                if (ha.dcsMembers() > hosts) {
                    problems.add(key("dcsMembers") + " = \"" + ha.dcsMembers() + "\" is not allowed with " + hosts
                            + " hosts in " + key("dockerHosts") + ": etcd member i runs on the i-th host, one per host, so "
                            + "that losing a host never loses the DCS's majority; add a host (it needs no node) or "
                            + "lower " + key("dcsMembers"));
                }
            }
        }
        return placement;
    }

    /** etcd member i on the i-th host of {@code dockerHosts} (as many hosts as members: checked above). */
    private static HaSettings dcsOnHosts(HaSettings ha, HostPlacement.Placed placed) {
        var hosts = new java.util.LinkedHashMap<String, DockerHostSpec>();
        var names = ha.dcsMemberNames();
        for (int i = 0; i < names.size() && i < placed.hosts().size(); i++) {
            hosts.put(names.get(i), placed.hosts().get(i));
        }
        return ha.withDcsHosts(hosts);
    }

    /**
     * The {@code ha} key and what {@code ha: patroni} reads. Patroni needs TLS (the REST API and
     * etcd carry the cluster's control), an image with Patroni in it, and timings Patroni accepts.
     */
    private HaSettings ha(String image, TlsSettings tls, Integer replicas, String primary) {
        String raw = config.get("ha").orElse("none");
        HaSettings.Mode mode = value("ha", raw, v -> HaSettings.Mode.parse(v.trim()).orElseThrow(() ->
                new InvalidValue(key("ha"), v, String.join(" or ", HaSettings.Mode.allowed()))));
        if (mode != HaSettings.Mode.PATRONI) {
            for (String name : PATRONI_KEYS) {
                if (config.get(name).isPresent()) {
                    problems.add(key(name) + " = \"" + config.get(name).get() + "\" is not allowed: it applies only with "
                            + key("ha") + " = \"patroni\" (" + key("ha") + " is \"" + raw + "\")");
                }
            }
            return HaSettings.NONE;
        }
        Integer dcsMembers = optional("dcsMembers", String.valueOf(HaSettings.DEFAULT_DCS_MEMBERS),
                v -> Validators.dcsMembers(key("dcsMembers"), v));
        String etcdImage = optional("etcdImage", HaSettings.DEFAULT_ETCD_IMAGE,
                v -> Validators.imageReference(key("etcdImage"), v));
        Integer ttl = optional("patroniTtl", String.valueOf(HaSettings.DEFAULT_TTL),
                v -> Validators.integer(key("patroniTtl"), v, HaSettings.MIN_TTL, 3600));
        Integer loopWait = optional("patroniLoopWait", String.valueOf(HaSettings.DEFAULT_LOOP_WAIT),
                v -> Validators.integer(key("patroniLoopWait"), v, 1, 3600));
        Integer retryTimeout = optional("patroniRetryTimeout", String.valueOf(HaSettings.DEFAULT_RETRY_TIMEOUT),
                v -> Validators.integer(key("patroniRetryTimeout"), v, 3, 3600));
        Long maximumLag = optional("maximumLagOnFailover", HaSettings.DEFAULT_MAXIMUM_LAG_ON_FAILOVER,
                v -> Validators.walSizeBytes(key("maximumLagOnFailover"), v));
        Boolean failsafe = optional("failsafeMode", "false", v -> Validators.bool(key("failsafeMode"), v));
        Integer restApiPort = optional("patroniApiPort", String.valueOf(ControlPorts.DEFAULT.restApi()),
                v -> Validators.integer(key("patroniApiPort"), v, 1, 65535));
        List<Integer> etcdPorts = optional("etcdPorts", ControlPorts.DEFAULT.etcd().toString(), v -> {
            List<Integer> ports = Validators.portList(key("etcdPorts"), v);
            if (ports.size() != 3 || new java.util.HashSet<>(ports).size() != 3) {
                throw new InvalidValue(key("etcdPorts"), v, "three different ports: etcd's client, peer and metrics "
                        + "ports, e.g. " + ControlPorts.DEFAULT.etcd());
            }
            return ports;
        });
        if (restApiPort != null && etcdPorts != null && etcdPorts.contains(restApiPort)) {
            problems.add(key("patroniApiPort") + " = \"" + restApiPort + "\" is not allowed: it is one of "
                    + key("etcdPorts") + " " + etcdPorts);
        }
        if (ttl != null && loopWait != null && retryTimeout != null && loopWait + 2 * retryTimeout > ttl) {
            problems.add(key("patroniLoopWait") + " + 2 × " + key("patroniRetryTimeout") + " = " + loopWait + " + 2 × "
                    + retryTimeout + " is not allowed: Patroni needs it at most " + key("patroniTtl") + " (" + ttl + ")");
        }
        if (!tls.enabled()) {
            problems.add(key("tls") + " = \"false\" is not allowed with " + key("ha")
                    + " = \"patroni\": Patroni's REST API and etcd carry the cluster's control and run over TLS only");
        }
        if (DEFAULT_IMAGE.equals(image)) {
            problems.add(key("image") + " = \"" + image + "\" is not allowed with " + key("ha") + " = \"patroni\": the "
                    + "official postgres image has no Patroni; build images/patroni/Dockerfile and set " + key("image")
                    + " to that image (README: Automatic failover)");
        }
        if (config.get("acceptDataLoss").isPresent()) {
            problems.add(key("acceptDataLoss") + " is not allowed with " + key("ha") + " = \"patroni\": Patroni decides "
                    + "failovers, and " + key("maximumLagOnFailover") + " bounds what one may lose");
        }
        if (replicas != null && replicas < 1) {
            problems.add(key("replicas") + " = \"" + replicas + "\" is not allowed with " + key("ha")
                    + " = \"patroni\": at least 1, a node to fail over to");
        }
        // Set, a preferred leader; unset, whoever Patroni elects (the "pg0" default is not a preference).
        Optional<String> preferred = config.get("primary").isPresent() ? Optional.ofNullable(primary) : Optional.empty();
        if (mode == null || dcsMembers == null || etcdImage == null || ttl == null || loopWait == null
                || retryTimeout == null || maximumLag == null || failsafe == null || restApiPort == null || etcdPorts == null) {
            return HaSettings.NONE;
        }
        return new HaSettings(mode, preferred, dcsMembers, etcdImage, ttl, loopWait, retryTimeout, maximumLag, failsafe,
                Map.of(), new ControlPorts(restApiPort, etcdPorts.get(0), etcdPorts.get(1), etcdPorts.get(2)));
    }

    private MonitoringSettings monitoring(DeploymentEnvironment env, Integer primaryPort, List<Integer> replicaPorts,
                                          int nodes) {
        Boolean enabled = optional("monitoring", String.valueOf(env != DeploymentEnvironment.DEVELOPMENT),
                v -> Validators.bool(key("monitoring"), v));
        String exporterImage = optional("exporterImage", MonitoringSettings.DEFAULT_EXPORTER_IMAGE,
                v -> Validators.imageReference(key("exporterImage"), v));
        String prometheusImage = optional("prometheusImage", MonitoringSettings.DEFAULT_PROMETHEUS_IMAGE,
                v -> Validators.imageReference(key("prometheusImage"), v));
        Integer port = optional("monitoringPort", String.valueOf(MonitoringSettings.DEFAULT_PORT),
                v -> Validators.integer(key("monitoringPort"), v, 1, 65535 - nodes));
        Integer scrape = optional("scrapeIntervalSeconds", "5",
                v -> Validators.integer(key("scrapeIntervalSeconds"), v, 1, 300));
        Integer alertFor = optional("alertForSeconds", "30", v -> Validators.integer(key("alertForSeconds"), v, 0, 86400));
        Integer lagFor = optional("alertLagForSeconds", "60", v -> Validators.integer(key("alertLagForSeconds"), v, 0, 86400));
        Integer replayLag = optional("alertReplayLagSeconds", "30",
                v -> Validators.integer(key("alertReplayLagSeconds"), v, 1, 86400));
        Long bytesBehind = optional("alertBytesBehind", "64MB", v -> Validators.walSizeBytes(key("alertBytesBehind"), v));
        Integer slotPercent = optional("alertSlotRetainedPercent", "80",
                v -> Validators.integer(key("alertSlotRetainedPercent"), v, 1, 99));
        if (Boolean.TRUE.equals(enabled) && port != null && primaryPort != null && replicaPorts != null) {
            var used = new TreeSet<Integer>(replicaPorts);
            used.add(primaryPort);
            for (int p = port; p <= port + nodes; p++) {
                if (used.contains(p)) {
                    problems.add(key("monitoringPort") + " = \"" + port + "\" is not allowed: Prometheus takes it and the "
                            + "exporters the next " + nodes + " ports (" + port + "–" + (port + nodes) + "), and " + p
                            + " is a PostgreSQL port of this stack");
                    break;
                }
            }
        }
        // postgres_exporter cuts its connection string at whitespace (a "malformed dsn").
        if (Boolean.TRUE.equals(enabled) && config.get("monitoringPassword").map(pw -> pw.chars().anyMatch(Character::isWhitespace))
                .orElse(false)) {
            problems.add(key("monitoringPassword") + " is not allowed: with " + key("monitoring")
                    + " on it must have no spaces, which the metrics exporter cannot pass on (the value is not shown: it is a secret)");
        }
        if (enabled == null || exporterImage == null || prometheusImage == null || port == null || scrape == null
                || alertFor == null || lagFor == null || replayLag == null || bytesBehind == null || slotPercent == null) {
            return MonitoringSettings.OFF;
        }
        return new MonitoringSettings(enabled, exporterImage, prometheusImage, port, scrape, alertFor, lagFor, replayLag,
                bytesBehind, slotPercent);
    }

    /**
     * {@code backup} and its keys (README: Backups and recovery). Built for both modes with TLS on
     * one Docker host and an image with pgBackRest; the rest is refused by name until it is built.
     */
    private BackupSettings backup(DeploymentEnvironment env, TlsSettings tls, String image,
                                  Optional<HostPlacement.Placed> placed) {
        // On by default outside development: a cluster someone depends on gets a way back from a
        // DROP TABLE unless its config says otherwise.
        Boolean enabled = optional("backup", String.valueOf(env != DeploymentEnvironment.DEVELOPMENT),
                v -> Validators.bool(key("backup"), v));
        String on = key("backup") + " = \"true\"" + (config.get("backup").isPresent() ? ""
                : " (the default in " + env.configValue() + "; set " + key("backup") + " to false to run without backups)");
        Optional<Secret> passphrase = password("backupPassphrase");
        Integer retentionFull = optional("backupRetentionFull", String.valueOf(BackupSettings.DEFAULT_RETENTION_FULL),
                v -> Validators.integer(key("backupRetentionFull"), v, 1, 100));
        Integer retentionDiff = optional("backupRetentionDiff", String.valueOf(BackupSettings.DEFAULT_RETENTION_DIFF),
                v -> Validators.integer(key("backupRetentionDiff"), v, 1, 100));
        Integer archiveTimeout = optional("archiveTimeoutSeconds",
                String.valueOf(BackupSettings.DEFAULT_ARCHIVE_TIMEOUT_SECONDS),
                v -> Validators.integer(key("archiveTimeoutSeconds"), v, 5, 3600));
        Integer fullHours = optional("backupFullIntervalHours", String.valueOf(BackupSettings.DEFAULT_FULL_INTERVAL_HOURS),
                v -> Validators.integer(key("backupFullIntervalHours"), v, 1, 8760));
        Integer diffHours = optional("backupDiffIntervalHours", String.valueOf(BackupSettings.DEFAULT_DIFF_INTERVAL_HOURS),
                v -> Validators.integer(key("backupDiffIntervalHours"), v, 1, 8760));
        Boolean retain = optional("backupRetainRepository", "true", v -> Validators.bool(key("backupRetainRepository"), v));
        String storage = optional("backupStorage", "volume", v -> {
            if (!v.strip().equals("volume") && !v.strip().equals("s3")) {
                throw new InvalidValue(key("backupStorage"), v, "volume (a Docker volume of the stack, the default) or s3 "
                        + "(an S3-compatible object store: " + key("backupS3Endpoint") + ", " + key("backupS3Bucket")
                        + ", " + key("backupS3AccessKey") + " and " + key("backupS3SecretKey") + ")");
            }
            return v.strip();
        });
        if (enabled == null) {
            return BackupSettings.OFF;
        }
        if (!enabled) {
            java.util.stream.Stream.concat(BACKUP_KEYS.stream(), S3_KEYS.stream()).filter(k -> config.get(k).isPresent())
                    .forEach(k -> problems.add(key(k)
                    + " is not allowed with " + key("backup") + " = \"false\": it configures backups, which are off (set "
                    + key("backup") + " to true, or remove " + key(k) + ")"));
            return BackupSettings.OFF;
        }
        Optional<S3Settings> s3 = "s3".equals(storage) ? s3() : Optional.empty();
        if ("s3".equals(storage) && Boolean.FALSE.equals(retain) && config.get("backupPassphrase").isEmpty()) {
            problems.add(key("backupRetainRepository") + " = \"false\" is not allowed with " + key("backupStorage")
                    + " = \"s3\" unless " + key("backupPassphrase") + " is set: the bucket outlives the stack, and the "
                    + "passphrase its backups are encrypted with would go with the repository's config volume (set "
                    + key("backupPassphrase") + " as a secret, or keep the config volume)");
        }
        if ("volume".equals(storage)) {
            S3_KEYS.stream().filter(k -> config.get(k).isPresent()).forEach(k -> problems.add(key(k)
                    + " is not allowed with " + key("backupStorage") + " = \"volume\": it configures an S3 repository (set "
                    + key("backupStorage") + " to s3, or remove " + key(k) + ")"));
        }
        if (tls != null && !tls.enabled()) {
            problems.add(on + " is not allowed with " + key("tls") + " = \"false\": the nodes reach "
                    + "the repository over pgBackRest's TLS protocol, each with a certificate of the cluster's CA");
        }
        if (DEFAULT_IMAGE.equals(image)) {
            problems.add(key("image") + " = \"" + image + "\" is not allowed with " + on + ": the "
                    + "official postgres image has no pgBackRest; build images/pgbackrest/Dockerfile (with " + key("ha")
                    + " = \"patroni\": images/patroni/Dockerfile) and set " + key("image") + " to that image (README: Backups "
                    + "and recovery)");
        }
        if (severalHosts(placed)) {
            problems.add(on + " is not allowed with nodes on several Docker hosts (" + key("dockerHosts")
                    + ", " + key("placement") + "): not built yet (README: Backups and recovery)");
        }
        if (diffHours != null && fullHours != null && diffHours > fullHours) {
            problems.add(key("backupDiffIntervalHours") + " = \"" + diffHours + "\" is not allowed: at most "
                    + key("backupFullIntervalHours") + " (" + fullHours + "), since a full backup also counts as the latest backup");
        }
        if (retentionFull == null || retentionDiff == null || archiveTimeout == null || fullHours == null
                || diffHours == null || retain == null || storage == null || ("s3".equals(storage) && s3.isEmpty())) {
            return BackupSettings.OFF;
        }
        return new BackupSettings(true, passphrase, retentionFull, retentionDiff, archiveTimeout, fullHours, diffHours,
                retain, s3);
    }

    /** {@code backupStorage: s3}: the store's keys; every problem is collected, empty when there is one. */
    private Optional<S3Settings> s3() {
        int before = problems.size();
        for (String required : List.of("backupS3Endpoint", "backupS3Bucket", "backupS3AccessKey", "backupS3SecretKey")) {
            if (config.get(required).isEmpty()) {
                problems.add(key(required) + " is required with " + key("backupStorage") + " = \"s3\"" + (required.endsWith("Key")
                        ? " (set it as a secret: pulumi config set --secret " + required + " <value>)" : ""));
            }
        }
        var endpoint = optionalOrNull("backupS3Endpoint", v -> Validators.s3Endpoint(key("backupS3Endpoint"), v));
        String bucket = optionalOrNull("backupS3Bucket", v -> Validators.s3Bucket(key("backupS3Bucket"), v));
        String region = optional("backupS3Region", S3Settings.DEFAULT_REGION, v -> Validators.s3Region(key("backupS3Region"), v));
        String uriStyle = optional("backupS3UriStyle", S3Settings.DEFAULT_URI_STYLE,
                v -> Validators.s3UriStyle(key("backupS3UriStyle"), v));
        String path = optional("backupS3Path", S3Settings.DEFAULT_PATH, v -> Validators.s3Path(key("backupS3Path"), v));
        String ca = optionalOrNull("backupS3CaCertificate", v -> Validators.pemCertificates(key("backupS3CaCertificate"), v));
        Optional<Secret> accessKey = s3Secret("backupS3AccessKey");
        Optional<Secret> secretKey = s3Secret("backupS3SecretKey");
        if (endpoint != null && "host".equals(uriStyle) && Validators.isIpv4Address(endpoint.getKey())) {
            problems.add(key("backupS3UriStyle") + " = \"host\" is not allowed with " + key("backupS3Endpoint") + " = \""
                    + endpoint.getKey() + "\": an IP address has no <bucket>.<endpoint> name; set " + key("backupS3UriStyle")
                    + " to path");
        }
        if (problems.size() > before || endpoint == null || bucket == null || accessKey.isEmpty() || secretKey.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new S3Settings(endpoint.getKey(), endpoint.getValue(), bucket, region, uriStyle, path,
                Optional.ofNullable(ca), accessKey.get(), secretKey.get()));
    }

    /** An S3 key from secret config: refused in plain text, never repeated in a message. */
    private Optional<Secret> s3Secret(String name) {
        return secret(name, Validators::s3Credential, "");
    }

    /**
     * {@code restoreFrom} and {@code restoreTarget}: the primary starts from a backup in another
     * stack's retained repository (README: Backups and recovery, "Restore").
     */
    private Optional<RestoreSettings> restore(HaSettings ha, Optional<HostPlacement.Placed> placed) {
        Optional<String> from = config.get("restoreFrom").map(String::strip);
        Optional<String> target = config.get("restoreTarget").map(String::strip);
        if (from.isEmpty()) {
            target.ifPresent(t -> problems.add(key("restoreTarget") + " = \"" + t + "\" is not allowed without "
                    + key("restoreFrom") + ": it says how far a restore recovers"));
            return Optional.empty();
        }
        if (!from.get().matches("[a-z0-9][a-z0-9-]{0,40}")) {
            problems.add(key("restoreFrom") + " = \"" + from.get() + "\" is not allowed: the name prefix of the stack whose "
                    + "repository to restore from, <project>-<stack> as its Docker objects are named (lower case letters, "
                    + "digits and -, at most 41 characters), e.g. pg-cluster-prod");
            return Optional.empty();
        }
        if (ha != null && ha.patroni()) {
            problems.add(key("restoreFrom") + " = \"" + from.get() + "\" is not allowed with " + key("ha")
                    + " = \"patroni\": not built yet (README: Backups and recovery)");
        }
        if (severalHosts(placed)) {
            problems.add(key("restoreFrom") + " = \"" + from.get() + "\" is not allowed with nodes on several Docker hosts ("
                    + key("dockerHosts") + ", " + key("placement") + "): not built yet (README: Backups and recovery)");
        }
        String raw = target.orElse("latest");
        if (raw.equals("latest")) {
            return Optional.of(new RestoreSettings(from.get(), "default", ""));
        }
        if (raw.startsWith("name:") && raw.length() > "name:".length()) {
            String name = raw.substring("name:".length());
            // PostgreSQL keeps at most 63 bytes of a restore point's name; pgBackRest writes it unescaped.
            if (name.length() <= 63 && name.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '\'' && c != '"' && c != '\\')) {
                return Optional.of(new RestoreSettings(from.get(), "name", name));
            }
        } else {
            try {
                var time = java.time.OffsetDateTime.parse(raw.replace(' ', 'T').replaceAll("([+-]\\d\\d)$", "$1:00"));
                if (time.toInstant().isAfter(java.time.Instant.now())) {
                    problems.add(key("restoreTarget") + " = \"" + raw + "\" is not allowed: a time in the future; "
                            + "latest restores everything the repository has");
                    return Optional.empty();
                }
                String utc = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS")
                        .format(time.atZoneSameInstant(java.time.ZoneOffset.UTC)) + "+00";
                return Optional.of(new RestoreSettings(from.get(), "time", utc));
            } catch (java.time.format.DateTimeParseException e) {
                // Reported below.
            }
        }
        problems.add(key("restoreTarget") + " = \"" + raw + "\" is not allowed: latest, a time with its offset "
                + "(2026-12-07 09:00:00+00, or ISO 8601: 2026-12-07T09:00:00Z), or name:<restore point> "
                + "(made with pg_create_restore_point; at most 63 printable ASCII characters, no quotes or backslash)");
        return Optional.empty();
    }

    private TlsSettings tls() {
        Boolean enabled = optional("tls", "true", v -> Validators.bool(key("tls"), v));
        Integer caGeneration = optional("tlsCaGeneration", "1",
                v -> Validators.integer(key("tlsCaGeneration"), v, 1, 1_000_000));
        List<Integer> trusted = optional("tlsTrustedCaGenerations", "[" + (caGeneration == null ? 1 : caGeneration) + "]",
                v -> Validators.generationList(key("tlsTrustedCaGenerations"), v));
        Integer certificateGeneration = optional("tlsCertificateGeneration", "1",
                v -> Validators.integer(key("tlsCertificateGeneration"), v, 1, 1_000_000));
        if (caGeneration != null && trusted != null && !trusted.contains(caGeneration)) {
            problems.add(key("tlsTrustedCaGenerations") + " = \"" + config.get("tlsTrustedCaGenerations").orElse("")
                    + "\" is not allowed: it must hold " + key("tlsCaGeneration") + " (" + caGeneration
                    + "), the CA that signs the nodes' certificates");
        }
        if (enabled == null || caGeneration == null || trusted == null || certificateGeneration == null
                || !trusted.contains(caGeneration)) {
            return TlsSettings.OFF;
        }
        return new TlsSettings(enabled, caGeneration, trusted, certificateGeneration);
    }

    /** The replication, application and monitoring roles are three different roles. */
    private void distinctRoles(String replicationUser, String appUser, String monitoringUser) {
        if (appUser != null && appUser.equals(replicationUser)) {
            problems.add(key("appUser") + " = \"" + appUser + "\" is not allowed: a role of its own, not the replication role ("
                    + key("replicationUser") + ")");
        }
        if (monitoringUser != null && (monitoringUser.equals(replicationUser) || monitoringUser.equals(appUser))) {
            problems.add(key("monitoringUser") + " = \"" + monitoringUser + "\" is not allowed: a role of its own, not the "
                    + (monitoringUser.equals(replicationUser) ? "replication role (" + key("replicationUser") + ")"
                    : "application role (" + key("appUser") + ")"));
        }
    }

    private List<Integer> replicaPorts(Integer replicas, Integer primaryPort) {
        Optional<String> raw = config.get("replicaPorts");
        if (replicas == null || primaryPort == null) {
            return List.of();
        }
        List<Integer> ports;
        if (raw.isPresent()) {
            ports = value("replicaPorts", raw.get(), v -> Validators.portList(key("replicaPorts"), v));
            if (ports == null) {
                return List.of();
            }
            if (ports.size() != replicas) {
                problems.add(key("replicaPorts") + " = \"" + raw.get() + "\" is not allowed: exactly one port per replica ("
                        + replicas + " replicas)");
                return List.of();
            }
        } else {
            ports = new ArrayList<>();
            for (int i = 1; i <= replicas; i++) {
                ports.add(primaryPort + i);
            }
            if (primaryPort + replicas > 65535) {
                problems.add(key("primaryPort") + " = \"" + primaryPort + "\" is not allowed: replicas get the next "
                        + replicas + " ports, which must stay at or below 65535; lower it or set " + key("replicaPorts"));
                return List.of();
            }
        }
        try {
            Validators.distinctPorts(key("replicaPorts"), raw.orElse(ports.toString()), key("primaryPort"), primaryPort, ports);
        } catch (InvalidValue e) {
            problems.add(e.getMessage());
        }
        return ports;
    }

    private SyncReplication sync(Integer replicas) {
        String raw = config.get("synchronous").orElse("off");
        String commit = config.get("synchronousCommit").orElse("on");
        SyncReplication sync = value("synchronous", raw,
                v -> Validators.sync(key("synchronous"), v, key("synchronousCommit"), commit));
        if (sync == null || replicas == null) {
            return SyncReplication.OFF;
        }
        if (sync.enabled() && sync.count() > replicas) {
            problems.add(key("synchronous") + " = \"" + raw + "\" is not allowed: n must be at most the number of replicas ("
                    + replicas + ")");
        }
        return sync;
    }

    private Optional<Secret> password(String name) {
        return secret(name, Validators::password, "  (or leave it unset to have one generated)");
    }

    /** A value from secret config: refused in plain text; a message never repeats it. */
    private Optional<Secret> secret(String name, java.util.function.BinaryOperator<String> validate, String plainHint) {
        Optional<String> raw = config.get(name);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        if (runtime.secretKeys().isPresent() && !runtime.secretKeys().get().contains(key(name))) {
            problems.add(key(name) + ": is set in plain text; set it as a secret: pulumi config set --secret "
                    + name + " <value>" + plainHint);
            return Optional.empty();
        }
        try {
            return Optional.of(Secret.of(validate.apply(key(name), raw.get())));
        } catch (InvalidValue e) {
            problems.add(e.getMessage());
            return Optional.empty();
        }
    }

    private void rejectUnknownKeys() {
        runtime.presentKeys().ifPresent(present -> {
            var known = new TreeSet<String>();
            KEYS.forEach(k -> known.add(key(k)));
            present.stream()
                    .filter(k -> k.startsWith(namespace + ":") && !known.contains(k))
                    .sorted()
                    .forEach(k -> problems.add(k + " is not a pg-cluster setting; known keys: " + String.join(", ", KEYS)));
        });
    }

    private <T> T optional(String name, String defaultValue, Function<String, T> parse) {
        return value(name, config.get(name).orElse(defaultValue), parse);
    }

    private <T> T optionalOrNull(String name, Function<String, T> parse) {
        return config.get(name).map(v -> value(name, v, parse)).orElse(null);
    }

    private <T> T value(String name, String raw, Function<String, T> parse) {
        try {
            return parse.apply(raw);
        } catch (InvalidValue e) {
            problems.add(e.getMessage());
            return null;
        }
    }

    private String key(String name) {
        return namespace + ":" + name;
    }
}
