package dev.pgcluster.topology;

import dev.pgcluster.cluster.Labels;
import dev.pgcluster.cluster.Placement;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.DockerHostSpec;
import dev.pgcluster.config.NodeSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Asks Docker (the docker CLI, on each node's Docker host) and each running server (psql over its
 * Unix socket, as the steps do) what role every node has now. Nothing is changed.
 */
public final class DockerProbe implements ClusterProbe {
    /**
     * Role, the timeline a writable server writes on, whom a standby streams from, the WAL a
     * standby holds (the greater of what it received and what it replayed: a standby restarted
     * while its primary is down asks for WAL from the start of a segment, so its receive position
     * is then behind its replay; a primary: what it wrote), a primary's WAL senders with their replay lag, and its
     * slots that were invalidated ("lost"). The
     * host may be quoted: pg_basebackup -R quotes every value that is not plain alphanumerics,
     * such as a container name with dashes (the conninfo and primary steps write it unquoted).
     */
    static final String QUERY = "SELECT pg_is_in_recovery(),"
            + " CASE WHEN pg_is_in_recovery() THEN 0"
            + " ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END,"
            + " CASE WHEN pg_is_in_recovery()"
            + " THEN coalesce(substring(current_setting('primary_conninfo') from 'host=''?([^ '']+)'), '') ELSE '' END,"
            + " CASE WHEN pg_is_in_recovery()"
            + " THEN greatest(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::text"
            + " ELSE pg_current_wal_lsn()::text END,"
            + " CASE WHEN pg_is_in_recovery() THEN '' ELSE (SELECT coalesce(string_agg(application_name || ':' || state"
            + " || ':' || coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint, -1), ','), '')"
            + " FROM pg_stat_replication) END,"
            + " CASE WHEN pg_is_in_recovery() THEN '' ELSE (SELECT coalesce(string_agg(slot_name, ','"
            + " ORDER BY slot_name), '') FROM pg_replication_slots WHERE wal_status = 'lost') END";
    private static final long TIMEOUT_SECONDS = 30;
    private static final String STANDBY_SIGNAL = "/var/lib/postgresql/data/pgdata/standby.signal";
    private static final String PG_VERSION = "/var/lib/postgresql/data/pgdata/PG_VERSION";
    /**
     * Put beside the data of an old primary that a switchover or failover fenced (with
     * standby.signal) before it promoted another node: {@code PGC_FENCE_MARKER} in init/lib/common.sh.
     * Such a node is still an old primary that has to rejoin.
     */
    public static final String FENCE_MARKER = "/var/lib/postgresql/data/pg-cluster-fenced";

    @Override
    public List<NodeState> observe(ClusterConfig config) {
        var futures = new ArrayList<CompletableFuture<NodeState>>();
        for (NodeSpec node : config.nodes()) {
            DockerHostSpec host = config.hostOf(node);
            if (config.lost(host)) {
                // lostHosts: not asked (it would only time out).
                futures.add(CompletableFuture.completedFuture(new NodeState(node.name(), "unreachable", Optional.empty())));
                continue;
            }
            futures.add(CompletableFuture.supplyAsync(() -> observe(node.name(), config.containerName(node.name()), host)));
        }
        return futures.stream().map(CompletableFuture::join).toList();
    }

    /** How long a Docker host has to answer before it counts as unreachable. */
    static final long HOST_TIMEOUT_SECONDS = 10;

    @Override
    public List<String> unreachableHosts(ClusterConfig config) {
        var nodesOf = new LinkedHashMap<DockerHostSpec, List<String>>();
        config.nodes().forEach(n -> nodesOf.computeIfAbsent(config.hostOf(n), h -> new ArrayList<>()).add(n.name()));
        if (config.ha().patroni()) {
            config.ha().dcsMemberNames().forEach(m ->
                    nodesOf.computeIfAbsent(config.dcsHostOf(m), h -> new ArrayList<>()).add(m));
        }
        if (nodesOf.size() < 2 && nodesOf.keySet().iterator().next().name().isEmpty()) {
            // One host, as before dockerHosts: the provider and the steps say what is wrong with it.
            return List.of();
        }
        var problems = new ArrayList<String>();
        hostAnswers(config).forEach((host, answer) -> {
            Result result = answer.join();
            if (config.lost(host)) {
                return;
            }
            if (result.status != 0 || result.stdout.isBlank()) {
                problems.add("Docker host " + host.describe() + " cannot be reached: " + HostAnswer.classify(
                        result.status, result.stderr, HOST_TIMEOUT_SECONDS) + ". It runs " + String.join(", ",
                        nodesOf.get(host)));
            }
        });
        return problems;
    }

    /**
     * Each host the cluster uses → its answer to {@code docker version}, asked once per probe (in
     * parallel, each for {@link #HOST_TIMEOUT_SECONDS} at most): the lost hosts' answers tell
     * whether they are lost indeed.
     */
    private synchronized Map<DockerHostSpec, CompletableFuture<Result>> hostAnswers(ClusterConfig config) {
        if (hostAnswers == null) {
            var hosts = new java.util.LinkedHashSet<DockerHostSpec>();
            config.nodes().forEach(n -> hosts.add(config.hostOf(n)));
            if (config.ha().patroni()) {
                config.ha().dcsMemberNames().forEach(m -> hosts.add(config.dcsHostOf(m)));
            }
            hostAnswers = new LinkedHashMap<>();
            hosts.forEach(h -> hostAnswers.put(h, CompletableFuture.supplyAsync(() ->
                    run(h, HOST_TIMEOUT_SECONDS, "docker", "version", "--format", "{{.Server.Version}}"))));
        }
        return hostAnswers;
    }

    private Map<DockerHostSpec, CompletableFuture<Result>> hostAnswers;

    @Override
    public List<String> answeringLostHosts(ClusterConfig config) {
        if (config.lostHosts().isEmpty()) {
            return List.of();
        }
        var answering = new ArrayList<String>();
        hostAnswers(config).forEach((host, answer) -> {
            Result result = answer.join();
            if (config.lost(host) && result.status == 0 && !result.stdout.isBlank()) {
                answering.add("pg-cluster:lostHosts names " + host.describe() + ", which answers (Docker "
                        + result.stdout.strip() + "; it runs " + String.join(", ", config.nodes().stream()
                                .filter(n -> config.hostOf(n).equals(host)).map(NodeSpec::name).toList()) + ")");
            }
        });
        return answering;
    }

    @Override
    public List<String> networkProblems(ClusterConfig config) {
        if (!config.severalHosts()) {
            return List.of();
        }
        DockerHostSpec anchor = config.hostOf(config.nodes().get(0));
        String network = config.namePrefix() + "-net";
        String wanted = config.swarmOverlay() ? "overlay" : "bridge";
        var hosts = config.nodes().stream().map(config::hostOf).distinct().filter(h -> !config.lost(h)).toList();
        // On each host: the driver of a network of the cluster's name there, if any, and the host's
        // swarm (its state, whether it manages, its node ID, the managers it knows).
        var drivers = new LinkedHashMap<DockerHostSpec, CompletableFuture<Result>>();
        var infos = new LinkedHashMap<DockerHostSpec, CompletableFuture<Result>>();
        for (DockerHostSpec host : hosts) {
            drivers.put(host, CompletableFuture.supplyAsync(() -> run(host, HOST_TIMEOUT_SECONDS, "docker", "network",
                    "inspect", "--format", "{{.Driver}}", network)));
            if (config.swarmOverlay()) {
                infos.put(host, CompletableFuture.supplyAsync(() -> run(host, HOST_TIMEOUT_SECONDS, "docker", "info",
                        "--format", SWARM_FORMAT)));
            }
        }
        var problems = new ArrayList<String>();
        drivers.forEach((host, answer) -> {
            Result driver = answer.join();
            String found = driver.stdout.strip();
            if (driver.status == 0 && !found.isEmpty() && !found.equals(wanted)) {
                problems.add("the cluster network " + network + " on " + host.describe() + " is a " + found
                        + " network, and pg-cluster:swarmOverlay = \"" + config.swarmOverlay() + "\" asks for "
                        + (config.swarmOverlay() ? "a swarm overlay" : "a bridge network on each host") + ": switching the "
                        + "network of a cluster that exists is not built (every container would be made anew), and a "
                        + "network of that name left on a host would stand in for the cluster's there. Set "
                        + "pg-cluster:swarmOverlay back to \"" + !config.swarmOverlay() + "\", or remove that network");
            }
        });
        if (!config.swarmOverlay()) {
            return problems;
        }
        var swarm = new LinkedHashMap<DockerHostSpec, Optional<String>>();
        infos.forEach((host, answer) -> {
            Result info = answer.join();
            swarm.put(host, info.status == 0 ? Optional.of(info.stdout.strip()) : Optional.empty());
        });
        problems.addAll(swarmProblems(anchor, config.lost(anchor), swarm));
        return problems;
    }

    /** What {@code docker info} says of a host's swarm: state|manages|node ID|managers it knows. */
    static final String SWARM_FORMAT = "{{.Swarm.LocalNodeState}}|{{.Swarm.ControlAvailable}}|{{.Swarm.NodeID}}|"
            + "{{range .Swarm.RemoteManagers}}{{.NodeID}} {{end}}";

    /**
     * The reasons the hosts cannot share one swarm overlay made through a manager: a host not in a
     * swarm, or in another one, or that could not be asked; a first node's host that is no manager;
     * and, while that host is lost, no host that answers being a manager (the others could not
     * attach containers to the overlay).
     *
     * @param anchor     the first node's host, through whose provider the overlay is made
     * @param anchorLost it is in {@code lostHosts} (not asked)
     * @param swarm      each host asked → its {@link #SWARM_FORMAT} answer, empty when it gave none
     */
    static List<String> swarmProblems(DockerHostSpec anchor, boolean anchorLost, Map<DockerHostSpec, Optional<String>> swarm) {
        var problems = new ArrayList<String>();
        var facts = new LinkedHashMap<DockerHostSpec, String[]>();
        swarm.forEach((host, answer) -> {
            if (answer.isEmpty()) {
                problems.add(host.describe() + " did not say whether it is in a swarm (docker info failed)");
            } else {
                facts.put(host, (answer.get() + "| | | ").split("\\|", -1));
            }
        });
        // The manager the others must know: the first node's host, or while it is lost any host that manages.
        String manager = null;
        for (var entry : facts.entrySet()) {
            boolean manages = entry.getValue()[0].equals("active") && entry.getValue()[1].equals("true");
            if (manages && (entry.getKey().equals(anchor) || anchorLost && manager == null)) {
                manager = entry.getValue()[2];
            }
        }
        String managerId = manager;
        // The swarm's managers, as that manager knows them: a host of the same swarm knows one of them.
        var managers = new java.util.HashSet<String>();
        facts.values().stream().filter(f -> f[2].equals(managerId)).findFirst()
                .ifPresent(f -> managers.addAll(List.of(f[3].strip().split(" "))));
        managers.add(managerId);
        if (anchorLost && manager == null && !facts.isEmpty()) {
            problems.add("no host that answers is a swarm manager, and " + anchor.describe() + " is lost: the others could "
                    + "not attach containers to the overlay. Promote one of them (docker node promote) first");
        }
        facts.forEach((host, fact) -> {
            String what = host.describe() + (host.equals(anchor) ? " (the first node's host, where the overlay is made)" : "");
            if (!fact[0].equals("active")) {
                problems.add(what + " is not in a swarm (its swarm state: " + (fact[0].isBlank() ? "unknown" : fact[0])
                        + "): pg-cluster:swarmOverlay = \"true\" needs every host of pg-cluster:placement in one swarm. Join"
                        + " it (docker swarm join, with a token from a manager), or set pg-cluster:swarmOverlay to \"false\"");
            } else if (host.equals(anchor) && !fact[1].equals("true")) {
                problems.add(what + " is a swarm worker: only a manager makes an overlay network. Promote it (docker node"
                        + " promote, on a manager) or set pg-cluster:swarmOverlay to \"false\"");
            } else if (managerId != null && !managers.contains(fact[2])
                    && List.of(fact[3].strip().split(" ")).stream().noneMatch(managers::contains)) {
                problems.add(what + " is in another swarm than " + (anchorLost ? "the manager that answers" : anchor.describe())
                        + " (its managers do not include node " + managerId + "): pg-cluster:swarmOverlay = \"true\" needs"
                        + " every host in one swarm");
            }
        });
        return problems;
    }

    @Override
    public Optional<String> imageOf(ClusterConfig config, String node) {
        DockerHostSpec host = config.hostOf(config.node(node));
        if (config.lost(host)) {
            return Optional.empty();
        }
        Result result = run(host, HOST_TIMEOUT_SECONDS, "docker", "container", "inspect", "--format", "{{.Image}}",
                config.containerName(node));
        return result.status == 0 && result.stdout.strip().startsWith("sha256:")
                ? Optional.of(result.stdout.strip()) : Optional.empty();
    }

    @Override
    public List<String> portConflicts(ClusterConfig config) {
        var answers = new LinkedHashMap<DockerHostSpec, CompletableFuture<Result>>();
        PublishedPorts.of(config).stream().map(PublishedPorts.Binding::host).distinct()
                .filter(h -> !config.lost(h)).forEach(h -> answers.put(h,
                CompletableFuture.supplyAsync(() ->
                run(h, HOST_TIMEOUT_SECONDS, "docker", "ps", "--format", PublishedPorts.PS_FORMAT))));
        var running = new LinkedHashMap<DockerHostSpec, List<String>>();
        answers.forEach((host, answer) -> {
            Result result = answer.join();
            if (result.status == 0) {
                running.put(host, result.stdout.lines().filter(l -> !l.isBlank()).toList());
            }
        });
        return PublishedPorts.conflicts(config, running);
    }

    @Override
    public List<String> misplacedMembers(ClusterConfig config) {
        if (config.nodes().stream().allMatch(n -> n.host().flatMap(DockerHostSpec::name).isEmpty())) {
            return List.of();
        }
        var configured = new LinkedHashMap<String, DockerHostSpec>();
        config.nodes().stream().filter(n -> !config.lost(config.hostOf(n)))
                .forEach(n -> configured.put(n.name(), config.hostOf(n)));
        if (config.ha().patroni()) {
            config.ha().dcsMemberNames().forEach(m -> configured.put(m, config.dcsHostOf(m)));
        }
        // Every host of dockerHosts (a member moved away from one that holds nothing now), and the
        // default one (where a stack made before placement was set has its containers).
        var hosts = new java.util.LinkedHashSet<>(configured.values());
        hosts.addAll(config.dockerHosts());
        DockerHostSpec defaultHost = DockerHostSpec.unnamed(config.defaultDockerHost());
        hosts.add(defaultHost);
        hosts.removeIf(config::lost);
        var answers = new LinkedHashMap<DockerHostSpec, CompletableFuture<Result>>();
        // The engine's ID first: two endpoints may reach one engine (the default one may be a host
        // of dockerHosts, reached by another URL).
        hosts.forEach(h -> answers.put(h, CompletableFuture.supplyAsync(() -> run(h, HOST_TIMEOUT_SECONDS, "sh", "-c",
                "docker info --format '{{.ID}}' && docker ps -a --format '{{.Names}}' --filter \"label=$1\" "
                        + "--filter \"label=$2\"", "sh", Labels.PROJECT + "=" + config.project(),
                Labels.STACK + "=" + config.stack()))));
        var engineOf = new LinkedHashMap<DockerHostSpec, String>();
        var membersOn = new LinkedHashMap<String, java.util.Set<String>>();
        var silent = new ArrayList<DockerHostSpec>();
        var member = java.util.regex.Pattern.compile("^" + java.util.regex.Pattern.quote(config.namePrefix() + "-")
                + "((?:pg|etcd)\\d+)$");
        answers.forEach((host, answer) -> {
            Result result = answer.join();
            var lines = result.stdout.strip().lines().toList();
            if (result.status != 0 || lines.isEmpty()) {
                if (!host.equals(defaultHost)) {
                    silent.add(host);
                }
                return;
            }
            engineOf.put(host, lines.get(0).strip());
            lines.stream().skip(1).map(member::matcher).filter(java.util.regex.Matcher::matches)
                    .forEach(m -> membersOn.computeIfAbsent(lines.get(0).strip(), e -> new java.util.TreeSet<>())
                            .add(m.group(1)));
        });
        return misplaced(configured, engineOf, membersOn, silent);
    }

    /**
     * The members that run on another engine than config puts them on, and those that may: not on
     * their host while a host that could hold them gave no answer.
     *
     * @param configured member → the host config puts it on
     * @param engineOf   each host that answered → its engine's ID (two hosts may share one)
     * @param membersOn  engine ID → the stack's members found there
     * @param silent     hosts of dockerHosts that gave no answer
     */
    static List<String> misplaced(Map<String, DockerHostSpec> configured, Map<DockerHostSpec, String> engineOf,
                                  Map<String, java.util.Set<String>> membersOn, List<DockerHostSpec> silent) {
        var problems = new ArrayList<String>();
        configured.forEach((name, host) -> {
            String home = engineOf.get(host);
            membersOn.forEach((engine, names) -> {
                if (names.contains(name) && !engine.equals(home)) {
                    DockerHostSpec where = engineOf.entrySet().stream().filter(e -> e.getValue().equals(engine))
                            .map(java.util.Map.Entry::getKey).filter(h -> h.name().isPresent()).findFirst()
                            .orElseGet(() -> engineOf.entrySet().stream().filter(e -> e.getValue().equals(engine))
                                    .map(java.util.Map.Entry::getKey).findFirst().orElseThrow());
                    problems.add(name + " runs on " + where.describe() + ", but config puts it on " + host.describe());
                }
            });
            boolean atHome = home != null && membersOn.getOrDefault(home, java.util.Set.of()).contains(name);
            if (!atHome && !silent.isEmpty()) {
                problems.add(name + " is not on " + host.describe() + ", and " + String.join(", ",
                        silent.stream().map(DockerHostSpec::describe).toList()) + " cannot be reached: it may run "
                        + "there (bring that host back, or take it out of dockerHosts if it holds nothing of the stack)");
            }
        });
        return problems;
    }

    @Override
    public java.util.Optional<String> fileOfMember(ClusterConfig config, String haMember, String path) {
        for (DockerHostSpec host : allHosts(config)) {
            Result found = run(host, "docker", "ps", "-a", "--format", "{{.Names}}",
                    "--filter", "label=" + Labels.PROJECT + "=" + config.project(),
                    "--filter", "label=" + Labels.STACK + "=" + config.stack(),
                    "--filter", "label=" + Labels.HA_MEMBER + "=" + haMember);
            var names = found.status == 0 ? found.stdout.strip().lines().filter(l -> !l.isBlank()).sorted().toList()
                    : List.<String>of();
            if (names.isEmpty()) {
                continue;
            }
            // docker cp reads a stopped container too; its stdout is a tar stream holding the file.
            Result copied = run(host, "docker", "cp", names.get(0) + ":" + path, "-");
            return copied.status == 0 ? java.util.Optional.of(copied.stdout) : java.util.Optional.empty();
        }
        return java.util.Optional.empty();
    }

    /** Every Docker host the cluster uses: its nodes', and with ha: patroni its etcd members'. */
    private static List<DockerHostSpec> allHosts(ClusterConfig config) {
        var hosts = new java.util.LinkedHashSet<DockerHostSpec>();
        config.nodes().forEach(n -> hosts.add(config.hostOf(n)));
        if (config.ha().patroni()) {
            config.ha().dcsMemberNames().forEach(m -> hosts.add(config.dcsHostOf(m)));
        }
        hosts.removeIf(config::lost);
        return List.copyOf(hosts);
    }

    @Override
    public List<String> stackNodes(ClusterConfig config) {
        // The configured nodes' hosts and every other host of dockerHosts: a node config no longer
        // names is on a host placement may no longer name either (one node per host).
        var hosts = new java.util.LinkedHashSet<DockerHostSpec>();
        config.nodes().forEach(n -> hosts.add(config.hostOf(n)));
        hosts.addAll(config.dockerHosts());
        hosts.removeIf(config::lost);
        var node = java.util.regex.Pattern.compile("^" + java.util.regex.Pattern.quote(config.namePrefix() + "-") + "(pg\\d+)$");
        // A lost host's node is taken to be there: nothing can tell otherwise.
        var found = new java.util.TreeSet<String>(config.lostNodes());
        var answers = hosts.stream().map(host -> CompletableFuture.supplyAsync(() -> run(host, HOST_TIMEOUT_SECONDS,
                "docker", "ps", "-a", "--format", "{{.Names}}",
                "--filter", "label=" + Labels.PROJECT + "=" + config.project(),
                "--filter", "label=" + Labels.STACK + "=" + config.stack()))).toList();
        for (var answer : answers) {
            answer.join().stdout.lines().map(node::matcher).filter(java.util.regex.Matcher::matches)
                    .forEach(m -> found.add(m.group(1)));
        }
        return List.copyOf(found);
    }

    @Override
    public List<String> existingVolumes(ClusterConfig config, List<String> names) {
        var hosts = allHosts(config);
        return names.stream().filter(name -> hosts.stream()
                .anyMatch(host -> run(host, "docker", "volume", "inspect", name).status == 0)).toList();
    }

    @Override
    public boolean noStackVolumes(ClusterConfig config) {
        if (!config.lostNodes().isEmpty()) {
            return false;
        }
        var names = new java.util.HashSet<String>();
        config.nodeNames().forEach(node -> names.add(config.dataVolumeName(node)));
        var hosts = new java.util.LinkedHashSet<DockerHostSpec>();
        config.nodes().forEach(n -> hosts.add(config.hostOf(n)));
        // Every host at once; each line: name, then the volume's project and stack labels.
        var answers = hosts.stream().map(host -> CompletableFuture.supplyAsync(() -> run(host, HOST_TIMEOUT_SECONDS,
                "docker", "volume", "ls", "--format",
                "{{.Name}}\t{{.Label \"" + Labels.PROJECT + "\"}}\t{{.Label \"" + Labels.STACK + "\"}}"))).toList();
        boolean none = true;
        for (var answer : answers) {
            Result result = answer.join();
            if (result.status != 0) {
                return false;
            }
            for (String line : result.stdout.lines().toList()) {
                String[] fields = line.split("\t", -1);
                boolean ours = fields.length == 3 && fields[1].equals(config.project()) && fields[2].equals(config.stack());
                if (names.contains(fields[0]) || ours) {
                    none = false;
                }
            }
        }
        return none;
    }

    @Override
    public java.util.Optional<String> exec(ClusterConfig config, String node, String... command) {
        DockerHostSpec host = config.hostOf(config.node(node));
        if (config.lost(host)) {
            return java.util.Optional.empty();
        }
        var args = new ArrayList<String>(List.of("docker", "exec", config.containerName(node)));
        args.addAll(List.of(command));
        Result result = run(host, args.toArray(String[]::new));
        return result.status == 0 ? java.util.Optional.of(result.stdout) : java.util.Optional.empty();
    }

    @Override
    public List<String> runningMembers(ClusterConfig config, String haMember) {
        var running = new java.util.TreeSet<String>();
        for (DockerHostSpec host : allHosts(config)) {
            Result found = run(host, "docker", "ps", "--format", "{{.Label \"" + Labels.NODE + "\"}}",
                    "--filter", "label=" + Labels.PROJECT + "=" + config.project(),
                    "--filter", "label=" + Labels.STACK + "=" + config.stack(),
                    "--filter", "label=" + Labels.HA_MEMBER + "=" + haMember);
            if (found.status == 0) {
                found.stdout.strip().lines().filter(l -> !l.isBlank()).forEach(running::add);
            }
        }
        return List.copyOf(running);
    }

    @Override
    public Map<String, String> haMembers(ClusterConfig config) {
        // Every node asked at once, as observe() does: each docker call costs a process start.
        var labels = new LinkedHashMap<String, CompletableFuture<Result>>();
        for (NodeSpec node : config.nodes()) {
            DockerHostSpec host = config.hostOf(node);
            if (config.lost(host)) {
                continue;
            }
            labels.put(node.name(), CompletableFuture.supplyAsync(() -> run(host, "docker", "container", "inspect", "--format",
                    "{{index .Config.Labels \"" + Labels.HA_MEMBER + "\"}}", config.containerName(node.name()))));
        }
        var members = new java.util.TreeMap<String, String>();
        labels.forEach((node, answer) -> {
            Result result = answer.join();
            if (result.status == 0) {
                members.put(node, result.stdout.strip().replace("<no value>", ""));
            }
        });
        return members;
    }

    private static NodeState observe(String node, String container, DockerHostSpec dockerHost) {
        Result inspect = run(dockerHost, "docker", "container", "inspect", "--format", "{{.State.Status}}", container);
        if (inspect.status != 0) {
            // No such container: not created yet. Anything else (no docker CLI, engine unreachable):
            // nothing can be said, and the run fails where it needs Docker.
            String state = inspect.stderr.toLowerCase().contains("no such") ? "missing" : "unreachable";
            return new NodeState(node, state, Optional.empty());
        }
        String state = inspect.stdout.strip();
        if (!state.equals("running")) {
            // A stopped node's data: would it start as a standby? (docker cp reads the volume of
            // a stopped container; it fails when the file is not there.)
            Result signal = run(dockerHost, "docker", "cp", container + ":" + STANDBY_SIGNAL, "-");
            Result version = run(dockerHost, "docker", "cp", container + ":" + PG_VERSION, "-");
            if (version.status != 0) {
                return new NodeState(node, state, Optional.empty());
            }
            Result fenced = run(dockerHost, "docker", "cp", container + ":" + FENCE_MARKER, "-");
            boolean standby = signal.status == 0 && fenced.status != 0;
            return new NodeState(node, state, Optional.of(new NodeState.Server(standby, 0, "")));
        }
        Result query = run(dockerHost, "docker", "exec", "-u", "postgres",
                "-e", "PGOPTIONS=" + ClusterConfig.SAFE_SESSION_OPTIONS, container,
                "psql", "-X", "-q", "-A", "-t", "-F", "|", "-d", "postgres", "-c", QUERY);
        if (query.status != 0) {
            // Starting, stopping or crashing: no role to report.
            return new NodeState(node, state, Optional.empty(), firstLine(query.stderr));
        }
        return answered(node, query.stdout);
    }

    /** A running node from its server's answer to {@link #QUERY} (psql, unaligned, "|" between fields). */
    static NodeState answered(String node, String answer) {
        String[] fields = answer.strip().split("\\|", -1);
        if (fields.length != 6 || !fields[1].matches("\\d+")) {
            return new NodeState(node, "running", Optional.empty(), "unexpected answer: " + firstLine(answer));
        }
        var senders = new LinkedHashMap<String, String>();
        for (String sender : fields[4].split(",")) {
            String[] parts = sender.split(":");
            if (parts.length == 3) {
                senders.put(parts[0], parts[1] + " " + parts[2]);
            }
        }
        List<String> lost = fields[5].isEmpty() ? List.of() : List.of(fields[5].split(","));
        return new NodeState(node, "running", Optional.of(new NodeState.Server(fields[0].equals("t"),
                Integer.parseInt(fields[1]), fields[2], fields[3], senders, lost)));
    }

    private static String firstLine(String text) {
        return text.strip().lines().findFirst().orElse("no output");
    }

    @Override
    public List<String> backupProblems(ClusterConfig config) {
        if (!config.backup().enabled()) {
            return List.of();
        }
        DockerHostSpec host = config.hostOf(config.nodes().get(0));
        var problems = new ArrayList<String>();
        if (run(host, "docker", "image", "inspect", config.image()).status() == 0) {
            Result version = run(host, "docker", "run", "--rm", "--pull", "never", "--network", "none", "--user", "postgres",
                    "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                    "--label", "pg-cluster.project=" + config.project(), "--label", "pg-cluster.stack=" + config.stack(),
                    "--label", "pg-cluster.role=backup-check", "--entrypoint", "pgbackrest", config.image(), "version");
            if (version.status() != 0) {
                problems.add("pg-cluster:image = \"" + config.image() + "\" is not allowed with pg-cluster:backup = \"true\": "
                        + "the image has no pgBackRest (pgbackrest version: " + firstLine(version.stderr() + version.stdout())
                        + "); build images/pgbackrest/Dockerfile (with pg-cluster:ha = \"patroni\": images/patroni/Dockerfile)"
                        + " and set pg-cluster:image to that image (README: Backups and recovery)");
            }
        }
        String repository = dev.pgcluster.backup.BackupFiles.repositoryVolume(config);
        String stanza = dev.pgcluster.backup.BackupFiles.stanza(config);
        // With an S3 store, the stanza step finds an earlier cluster's stanza there (pgBackRest's [028]).
        if (config.restore().isEmpty() && config.backup().s3().isEmpty()
                && run(host, "docker", "image", "inspect", config.image()).status() == 0
                && run(host, "docker", "volume", "inspect", repository).status() == 0
                && config.nodes().stream().noneMatch(n -> run(host, "docker", "volume", "inspect",
                        config.dataVolumeName(n.name())).status() == 0)
                // A stanza there: archiving began (a first run that failed before it made none).
                && run(host, "docker", "run", "--rm", "--pull", "never", "--network", "none", "--user", "postgres",
                        "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                        "--label", "pg-cluster.project=" + config.project(), "--label", "pg-cluster.stack=" + config.stack(),
                        "--label", "pg-cluster.role=backup-check", "--volume", repository + ":/repository:ro",
                        "--entrypoint", "test", config.image(), "-e",
                        "/repository/repo1/archive/" + stanza + "/archive.info").status() == 0) {
            String way = config.ha().patroni()
                    ? "A restore is not built for ha: patroni yet: restore it into a stack with ha: none (pg-cluster:restoreFrom "
                            + config.namePrefix() + "), or"
                    : "Restore that cluster from it (pulumi config set pg-cluster:restoreFrom " + config.namePrefix() + "), or,";
            problems.add("pg-cluster:backup = \"true\": the repository " + repository + " (and "
                    + dev.pgcluster.backup.BackupFiles.repositoryConfigVolume(config) + ") of an earlier cluster of this "
                    + "stack's name is on " + host.endpoint() + ", and this stack's nodes have no data: a new cluster cannot "
                    + "archive into the earlier one's stanza. " + way + " once its backups are no longer needed, remove "
                    + "both volumes (README: Backups and recovery)");
        }
        return problems;
    }

    @Override
    public List<String> restoreProblems(ClusterConfig config) {
        if (config.restore().isEmpty()) {
            return List.of();
        }
        var restore = config.restore().get();
        DockerHostSpec host = config.hostOf(config.nodes().get(0));
        String key = "pg-cluster:restoreFrom = \"" + restore.source() + "\"";
        if (run(host, "docker", "volume", "inspect", config.dataVolumeName(config.primary().name())).status() == 0) {
            // The primary has its volume: restored before, or a cluster that holds data. Nothing is restored.
            return List.of();
        }
        Result found = run(host, "docker", "volume", "inspect", restore.configVolume());
        if (found.status() != 0) {
            return List.of(key + ": the volume " + restore.configVolume() + " is not on " + host.endpoint() + " ("
                    + firstLine(found.stderr()) + "): there is no repository of stanza " + restore.source() + " to restore from");
        }
        if (run(host, "docker", "image", "inspect", config.image()).status() != 0) {
            // Pulled later in this run: the seed step finds what is wrong with the repository then.
            return List.of();
        }
        // pgBackRest reads the repository directly, read-only, in a one-off container: the source's
        // repo1-* settings, its volumes where its repository container has them. Without network
        // when the repository is a volume; an S3 store (its config says repo1-type=s3) is reached
        // from Docker's default network (the cluster network may not exist yet).
        Result type = run(host, "docker", "run", "--rm", "--pull", "never", "--network", "none", "--user", "postgres",
                "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                "--label", "pg-cluster.project=" + config.project(), "--label", "pg-cluster.stack=" + config.stack(),
                "--label", "pg-cluster.role=restore-check",
                "--volume", restore.configVolume() + ":/source:ro", "--entrypoint", "sed", config.image(), "-n",
                "s/^repo1-type=//p", "/source/pgbackrest.conf");
        boolean volume = !(type.status() == 0 && type.stdout().strip().equals("s3"));
        if (volume) {
            Result repository = run(host, "docker", "volume", "inspect", restore.repositoryVolume());
            if (repository.status() != 0) {
                return List.of(key + ": the repository of stanza " + restore.source() + " is the volume "
                        + restore.repositoryVolume() + ", which is not on " + host.endpoint() + " ("
                        + firstLine(repository.stderr()) + "): nothing to restore from");
            }
        }
        String where = volume ? restore.repositoryVolume() : "the S3 store " + restore.configVolume() + " names";
        String script = "{ echo '[global]'; sed -n '/^\\[global\\]/,/^\\[/{/^repo1-/p;}' \"$PGC_CONFIG/pgbackrest.conf\";"
                + " printf 'lock-path=/tmp/lock\\nlog-level-console=off\\nlog-level-stderr=error\\nlog-level-file=off\\n'; }"
                + " >/tmp/br.conf && exec pgbackrest --config=/tmp/br.conf --config-include-path=\"$PGC_CONFIG/conf.d\""
                + " --stanza=\"$PGC_STANZA\" info --output=json";
        String checker = config.namePrefix() + "-restore-check";
        run(host, "docker", "rm", "-f", checker);
        var command = new ArrayList<>(List.of("docker", "run", "--rm", "--name", checker, "--pull", "never",
                "--network", volume ? "none" : "bridge", "--user", "postgres",
                "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                "--label", "pg-cluster.project=" + config.project(), "--label", "pg-cluster.stack=" + config.stack(),
                "--label", "pg-cluster.role=restore-check",
                "--volume", restore.configVolume() + ":" + dev.pgcluster.backup.Restore.CONFIG_MOUNT + ":ro",
                "--env", "PGC_CONFIG=" + dev.pgcluster.backup.Restore.CONFIG_MOUNT, "--env", "PGC_STANZA=" + restore.source()));
        if (volume) {
            command.addAll(List.of("--volume", restore.repositoryVolume() + ":" + dev.pgcluster.backup.Restore.REPOSITORY_MOUNT
                    + ":ro"));
        }
        command.addAll(List.of("--entrypoint", "sh", config.image(), "-c", script));
        Result info = run(host, command.toArray(String[]::new));
        if (info.status() != 0) {
            // A timed-out CLI leaves its container behind.
            run(host, "docker", "rm", "-f", checker);
            return List.of(key + ": pgBackRest cannot read the repository in " + where + ": "
                    + firstLine(info.stderr() + info.stdout()));
        }
        try {
            var stanzas = com.google.gson.JsonParser.parseString(info.stdout()).getAsJsonArray();
            var stanza = stanzas.get(0).getAsJsonObject();
            int code = stanza.getAsJsonObject("status").get("code").getAsInt();
            if (code != 0) {
                return List.of(key + ": the repository in " + where + " has no backup of stanza "
                        + restore.source() + " to restore (pgBackRest: " + stanza.getAsJsonObject("status").get("message")
                        .getAsString() + ")");
            }
            long firstStop = Long.MAX_VALUE;
            for (var backup : stanza.getAsJsonArray("backup")) {
                var b = backup.getAsJsonObject();
                // pgBackRest writes "error" only when it knows; a backup with page errors still restores.
                if (b.has("timestamp")) {
                    firstStop = Math.min(firstStop, b.getAsJsonObject("timestamp").get("stop").getAsLong());
                }
            }
            if (restore.type().equals("time") && firstStop != Long.MAX_VALUE) {
                var target = java.time.OffsetDateTime.parse(restore.target().replace(' ', 'T').replaceAll("\\+00$", "+00:00"));
                // pgBackRest restores from a backup that stopped before the target.
                if (target.toEpochSecond() <= firstStop) {
                    return List.of("pg-cluster:restoreTarget = \"" + restore.target() + "\" is before the first backup of stanza "
                            + restore.source() + " ended (" + java.time.Instant.ofEpochSecond(firstStop) + "): there is no "
                            + "backup to recover forward from. Choose a later time, or latest");
                }
            }
        } catch (RuntimeException e) {
            return List.of(key + ": pgBackRest's info on " + where + " could not be read: "
                    + firstLine(info.stdout()));
        }
        return List.of();
    }

    private record Result(int status, String stdout, String stderr) {
    }

    private static Result run(DockerHostSpec dockerHost, String... command) {
        return run(dockerHost, TIMEOUT_SECONDS, command);
    }

    private static Result run(DockerHostSpec dockerHost, long timeoutSeconds, String... command) {
        var builder = new ProcessBuilder(command);
        builder.environment().putAll(Placement.cliEnvironment(dockerHost));
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            var stdout = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            var stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, "", "timed out");
            }
            return new Result(process.exitValue(), stdout.join(), stderr.join());
        } catch (IOException e) {
            return new Result(-1, "", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "", "interrupted");
        }
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
