package dev.pgcluster.mode.patroni;

import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.pgcluster.cluster.ClusterSecrets;
import dev.pgcluster.cluster.ClusterTls;
import dev.pgcluster.cluster.InitScripts;
import dev.pgcluster.cluster.PasswordsStep;
import dev.pgcluster.cluster.PostgresNode;
import dev.pgcluster.cluster.ServerSettings;
import dev.pgcluster.cluster.Placement;
import dev.pgcluster.command.Command;
import dev.pgcluster.command.CommandArgs;
import dev.pgcluster.command.Logging;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.NodeSpec;
import dev.pgcluster.mode.ClusterParts;
import dev.pgcluster.mode.DeclaredNodes;
import dev.pgcluster.mode.HaMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import dev.pgcluster.topology.ClusterProbe;
import dev.pgcluster.topology.NodeState;
import dev.pgcluster.topology.Topology;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * {@code ha: patroni}: Patroni on every node, with a DCS of etcd members. Patroni makes the first
 * cluster, the base backups of the others, their slots, and decides which member leads: it fails
 * over by itself. pg-cluster declares the members, their files, the DCS configuration
 * ({@code PATCH /config} when it changes) and the roles.
 *
 * <p>Order: the control-plane CA → the etcd members (healthy) → the Patroni members, one at a
 * time (each ready once it leads or streams; on a new cluster the first one, then the others
 * together) → the DCS configuration and the roles, on the leader.
 */
public final class PatroniMode implements HaMode {
    /** The member that accepted writes when {@link #check} looked; empty before it, or when none did. */
    private Optional<String> leader = Optional.empty();
    /** A switch from ha: none: the nodes that become members first (the primary), in order; empty otherwise. */
    private List<String> first = List.of();
    /** The etcd members that ran when {@link #check} looked. */
    private List<String> etcdRunning = List.of();
    /** Where the running DCS configuration differed from the declared one when {@link #check} looked (a hand edit). */
    private Optional<String> dcsDrift = Optional.empty();
    /**
     * Set by {@link #check}: every node's host answered that it has no container of the node and
     * no volume of the stack. No member runs, so none can be down at once with another: the first
     * member makes the cluster and leads, and the others start together once it is ready (each
     * clones it, as Patroni's replicas do), in groups that fit the leader's slots ({@link #startTogether}).
     */
    private boolean newCluster;

    /**
     * Which member leads is Patroni's to decide: without {@code primary} nothing is compared (after
     * a failover, {@code pulumi up} changes nothing). With it, a running member other than the
     * preferred one that accepts writes is what the leader step resolves, with a switchover.
     * Either way the member that leads is kept: it is replaced last.
     */
    @Override
    public Optional<String> check(ClusterConfig config, ClusterProbe probe, Consumer<String> warn, Consumer<String> info) {
        Optional<List<String>> switching = dev.pgcluster.mode.ModeSwitch.check(config, probe, PatroniMember.HA_LABEL, info);
        if (switching.isPresent()) {
            // The leader step (with primary set) runs once the members have new containers.
            first = switching.get();
            return Optional.empty();
        }
        refuseAnotherMembership(config, probe);
        etcdRunning = probe.runningMembers(config, EtcdMember.HA_LABEL);
        List<NodeState> states = probe.observe(config);
        newCluster = NodeState.allMissing(states) && probe.noStackVolumes(config);
        List<String> leading = states.stream()
                .filter(NodeState::writable)
                .map(NodeState::node).toList();
        leader = leading.size() == 1 ? Optional.of(leading.get(0)) : Optional.empty();
        leader.ifPresent(l -> lookForDrift(config, probe, l, warn, info));
        Optional<String> preferred = config.ha().preferredLeader();
        if (preferred.isEmpty() || leading.size() != 1 || leading.get(0).equals(preferred.get())) {
            return Optional.empty();
        }
        String found = leading.get(0) + " leads, and pg-cluster:primary prefers " + preferred.get();
        info.accept("pg-cluster: " + found + "; the leader step switches over");
        return Optional.of(found);
    }

    @Override
    public DeclaredNodes declare(ClusterParts parts) {
        ClusterConfig config = parts.config();
        ClusterTls tls = parts.tls().orElseThrow(() -> new IllegalStateException("ha: patroni needs TLS (ConfigReader checks it)"));
        String name = config.namePrefix();
        Placement primaryPlacement = parts.placements().get(config.primary().name());
        // The first node's host: the cluster image is there whatever the primary is.
        Placement anchor = parts.placements().get(config.nodes().get(0).name());
        var options = ComponentResourceOptions.builder().parent(parts.cluster()).build();

        // The control plane's own CA: a certificate of PostgreSQL's CA opens no door to etcd or to the REST API.
        Command controlPlaneCa = ClusterTls.authority(parts.cluster(), name + "-dcs-ca", config,
                name + " control-plane CA", parts.image(), anchor);
        Output<String> signing = controlPlaneCa.stdout().asSecret();
        Output<String> restApiPassword = ClusterSecrets.generated(parts.cluster(), name + "-secrets-restapi-password",
                config.passwordGeneration());

        var dcs = new ArrayList<Resource>();
        // A DCS that has its quorum keeps it: a change that replaces the members (a new etcdImage)
        // replaces them one at a time, the stopped ones first, each after the one before is healthy.
        // A first bring-up (or a DCS without quorum) starts them together: etcd's static bootstrap
        // needs a quorum up before any member is healthy.
        boolean chained = etcdRunning.size() > config.ha().dcsMemberNames().size() / 2;
        List<Resource> etcdAfter = List.of();
        for (String member : etcdOrder(config, etcdRunning)) {
            Placement placement = parts.dcsPlacements().get(member);
            var etcd = new EtcdMember(name + "-" + member, config, member,
                    parts.imagesOn().apply(config.ha().etcdImage(), placement), parts.imageOn().apply(placement),
                    parts.network().networkName(placement), placement, signing, etcdAfter, options);
            dcs.add(etcd.readiness());
            if (chained) {
                etcdAfter = List.of(etcd.readiness());
            }
        }

        Output<String> secretsFile = Output.tuple(restApiPassword, parts.secrets().replicationPassword())
                .applyValue(t -> PatroniFiles.memberSecrets(config, t.t1, t.t2)).asSecret();
        // One member at a time, each after the one before is ready again, the leader last: a
        // change that replaces every member's container (a new image, a setting that forces one)
        // never has two members down at once, and the leader stops (and hands its key over) only
        // when every other member runs again. A switch from ha: none starts with the primary
        // instead: Patroni takes its data over as the leader, and the others join it (a standby
        // started before a leader exists could take over). A new cluster (nothing of its nodes
        // exists) starts its first member (the preferred leader, else pg0), which makes the
        // cluster and leads, and then the others together (in groups, see startTogether): none
        // of them runs yet, so none is taken down, and each clones the leader.
        var members = new LinkedHashMap<String, PatroniMember>();
        // Every member's container also starts after what the cluster names (the backup
        // repository), which so outlives it on destroy.
        List<Resource> after = new ArrayList<>(dcs);
        after.addAll(parts.nodesAfter());
        List<NodeSpec> order = newCluster ? newClusterOrder(config) : replacementOrder(config, first, leader);
        int together = newCluster ? startTogether(config) : 1;
        var group = new ArrayList<Resource>();
        for (int i = 0; i < order.size(); i++) {
            NodeSpec node = order.get(i);
            Placement placement = parts.placements().get(node.name());
            var member = new PatroniMember(name + "-" + node.name(), config, node, parts.imageOn().apply(placement),
                    parts.network().networkName(placement), placement, tls,
                    parts.secrets().replicationPassword(), secretsFile, signing, after, options);
            members.put(node.name(), member);
            group.add(member.readiness());
            // The first member alone, then groups of `together`, each after the one before is ready.
            if (i % together == 0) {
                var next = new ArrayList<Resource>(dcs);
                next.addAll(parts.nodesAfter());
                next.addAll(group);
                after = next;
                group = new ArrayList<>();
            }
        }
        var ready = new ArrayList<Resource>();
        members.values().forEach(m -> ready.add(m.readiness()));
        String memberContainers = String.join(" ", config.nodeNames().stream().map(config::containerName).toList());

        Command dcsConfig = dcsConfig(parts, name + "-dcs-config", memberContainers, primaryPlacement, ready, dcsDrift);
        // After the DCS configuration: a setting that needs a restart restarts the leader there.
        var afterDcsConfig = new ArrayList<Resource>(ready);
        afterDcsConfig.add(dcsConfig);
        Command roles = roles(parts, name + "-passwords", memberContainers, primaryPlacement, afterDcsConfig);
        // In node order: the replacement order moves with the leader, and a trigger must not.
        var memberIds = config.nodeNames().stream().map(n -> members.get(n).container().id()).toList();
        config.ha().preferredLeader().ifPresent(preferred ->
                leader(parts, name + "-leader", preferred, memberContainers, memberIds, primaryPlacement,
                        List.of(roles, dcsConfig)));

        var containerNames = new LinkedHashMap<String, Output<String>>();
        config.nodeNames().forEach(node -> containerNames.put(node, members.get(node).containerName()));
        // Every node, the preferred leader first: libpq tries them in order and keeps the one that
        // accepts writes.
        var writeNodes = new ArrayList<NodeSpec>();
        config.ha().preferredLeader().flatMap(p -> config.nodes().stream().filter(n -> n.name().equals(p)).findFirst())
                .ifPresent(writeNodes::add);
        config.nodes().stream().filter(n -> !writeNodes.contains(n)).forEach(writeNodes::add);
        var volumes = new LinkedHashMap<String, Output<String>>();
        var readiness = new LinkedHashMap<String, Resource>();
        config.nodeNames().forEach(node -> {
            volumes.put(node, members.get(node).volume().name());
            readiness.put(node, members.get(node).readiness());
        });
        return new DeclaredNodes(containerNames, roles, writeNodes, true, PatroniFiles.etcdMetricsAddresses(config),
                volumes, readiness);
    }

    /**
     * The DCS configuration as the leader's REST API gives it, against the declared one: a value
     * changed by hand ({@code patronictl edit-config}) makes the dcs-config step run again (preview
     * shows it), which sets it back. Patroni's maintenance mode is left to the operator, with a
     * warning: it is no declared setting.
     */
    private void lookForDrift(ClusterConfig config, ClusterProbe probe, String node, Consumer<String> warn,
                              Consumer<String> info) {
        Optional<com.google.gson.JsonElement> found = probe.exec(config, node,
                        PatroniFiles.readDcsConfigCommand().toArray(String[]::new))
                .flatMap(PatroniMode::parseJson);
        if (found.isEmpty()) {
            return;
        }
        List<String> differences = PatroniFiles.differences(PatroniFiles.dynamicConfig(config), found.get());
        if (!differences.isEmpty()) {
            dcsDrift = Optional.of(String.join("; ", differences));
            info.accept("pg-cluster: the DCS configuration differs from the declared one (" + dcsDrift.get()
                    + "); the dcs-config step sets it");
        }
        var pause = found.get().isJsonObject() ? found.get().getAsJsonObject().get("pause") : null;
        if (pause != null && pause.isJsonPrimitive() && pause.getAsString().equalsIgnoreCase("true")) {
            warn.accept("pg-cluster: Patroni is in maintenance mode (paused): no automatic failover until "
                    + "docker exec " + config.containerName(node) + " patronictl -c " + PatroniFiles.CONFIG_DIR + " resume");
        }
    }

    private static Optional<com.google.gson.JsonElement> parseJson(String text) {
        try {
            return Optional.of(com.google.gson.JsonParser.parseString(text.strip()));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * etcd's membership is static: its members know each other from the configuration they were
     * made with, and their data holds it. A changed {@code dcsMembers} would give new members a
     * cluster the old ones do not know (etcd refuses to start them), so it is refused while the
     * stack has etcd members; so are other addresses for the same members (etcd's peer and client
     * URLs, across hosts Patroni's REST API), read from a member's configuration file.
     */
    static void refuseAnotherMembership(ClusterConfig config, ClusterProbe probe) {
        String etcdFile = probe.fileOfMember(config, EtcdMember.HA_LABEL,
                PatroniFiles.ETCD_CONF_DIR + "/" + PatroniFiles.ETCD_CONFIG_FILE).orElse("");
        var made = PatroniFiles.initialCluster(etcdFile);
        if (made.isEmpty()) {
            return;
        }
        var running = PatroniFiles.memberNames(made.get());
        List<String> wanted = config.ha().dcsMemberNames();
        if (!running.equals(wanted)) {
            throw new dev.pgcluster.topology.ClusterStateException("pg-cluster:dcsMembers = " + wanted.size()
                    + ", but the stack's DCS was made with " + running.size() + " etcd members (" + String.join(", ", running)
                    + "), and pulumi up cannot change etcd's membership yet (README: Automatic failover, Not built yet)."
                    + " Set pg-cluster:dcsMembers back to " + running.size() + ". Nothing was changed.");
        }
        // The same members at other addresses (a host's address in dockerHosts, etcdPorts or
        // patroniApiPort changed): etcd's members know each other by the peer URLs they were made
        // with, and a member that moves its client or REST API port under running members would
        // leave them calling the old one.
        var moved = new ArrayList<String>();
        String declared = PatroniFiles.initialCluster(config);
        if (!made.get().equals(declared)) {
            moved.add("etcd's peers at " + made.get() + ", and config puts them at " + declared);
        }
        PatroniFiles.configValue(etcdFile, "name").filter(wanted::contains).ifPresent(member ->
                PatroniFiles.configValue(etcdFile, "advertise-client-urls").ifPresent(client -> {
                    String wantedClient = PatroniFiles.etcdClientUrl(config, member);
                    if (!client.equals(wantedClient)) {
                        moved.add(member + "'s clients at " + client + ", and config puts them at " + wantedClient);
                    }
                }));
        if (config.peersByAddress()) {
            String patroniFile = probe.fileOfMember(config, PatroniMember.HA_LABEL,
                    PatroniFiles.CONF_DIR + "/" + PatroniFiles.CONFIG_FILE).orElse("");
            PatroniFiles.configValue(patroniFile, "name").filter(config.nodeNames()::contains).ifPresent(node ->
                    PatroniFiles.restApiAddress(patroniFile).ifPresent(api -> {
                        String wantedApi = PatroniFiles.restApiAddress(config, node);
                        if (!api.equals(wantedApi)) {
                            moved.add(node + "'s REST API at " + api + ", and config puts it at " + wantedApi);
                        }
                    }));
        }
        if (!moved.isEmpty()) {
            throw new dev.pgcluster.topology.ClusterStateException("the stack's DCS was made with " + String.join("; ", moved)
                    + " (an address in pg-cluster:dockerHosts, pg-cluster:etcdPorts or pg-cluster:patroniApiPort changed): "
                    + "etcd's members and Patroni's know each other by the addresses they were made with, and pulumi up "
                    + "cannot move them yet (README: Automatic failover, Not built yet). Set them back. Nothing was changed.");
        }
    }

    /** The dynamic configuration in the DCS, set through the REST API whenever its declared value changes. */
    private static Command dcsConfig(ClusterParts parts, String name, String memberContainers, Placement placement,
                                     List<Resource> after, Optional<String> drift) {
        ClusterConfig config = parts.config();
        var env = new LinkedHashMap<String, String>();
        env.put("PGC_STEP", "dcs-config");
        env.put("PGC_MEMBER_CONTAINERS", memberContainers);
        env.put("PGC_DCS_CONFIG", PatroniFiles.dynamicConfigJson(config));
        env.put("PGC_PATCH_SCRIPT", InitScripts.read(InitScripts.PATCH_CONFIG));
        env.put("PGC_PGDATA", PostgresNode.PGDATA);
        env.put("PGC_BIN_DIR", PatroniFiles.BIN_DIR);
        env.put("PGC_TIMEOUT_SECONDS", String.valueOf(config.healthTimeoutSeconds() * config.nodes().size()));
        env.putAll(Placement.nodeTables(config));
        env.putAll(placement.commandEnvironment());
        var options = CustomResourceOptions.builder().parent(parts.cluster()).dependsOn(after);
        // A hand edit the program found: the step runs again and sets the DCS back.
        finding(env, options, "PGC_DRIFT", drift);
        return new Command(name, CommandArgs.builder()
                .create(InitScripts.read(InitScripts.DCS_CONFIG))
                .environment(env)
                .logging(Logging.STDOUT_AND_STDERR)
                .build(),
                options.build());
    }

    /**
     * What the program found before declaring (a state that differs from the declared one), as the
     * step's input {@code key}, with the time, so each finding is new and runs the step; without a
     * finding that input is left as it was ({@code ignoreChanges}), so nothing found means an
     * unchanged step.
     */
    private static void finding(Map<String, String> env, CustomResourceOptions.Builder options, String key,
                                Optional<String> found) {
        found.ifPresent(f -> env.put(key, Instant.now().truncatedTo(ChronoUnit.SECONDS) + ": " + f));
        if (found.isEmpty()) {
            options.ignoreChanges(List.of("environment." + key));
        }
    }

    /** The etcd members, those that do not run first, each part in member order. */
    static List<String> etcdOrder(ClusterConfig config, List<String> running) {
        var order = new ArrayList<String>(config.ha().dcsMemberNames().stream().filter(m -> !running.contains(m)).toList());
        config.ha().dcsMemberNames().stream().filter(running::contains).forEach(order::add);
        return order;
    }

    /**
     * How many members of a new cluster start together after the first: each clone holds a
     * temporary slot on the leader while Patroni makes a slot for every member that registered,
     * so a group fits beside every replica's slot in {@code max_replication_slots} (all of them
     * up to 5 replicas, groups of 4 above).
     */
    static int startTogether(ClusterConfig config) {
        return ServerSettings.maxReplicationSlots(config) - config.replicas().size();
    }

    /** A new cluster's: the preferred leader (when {@code primary} names one), then the nodes in node order. */
    static List<NodeSpec> newClusterOrder(ClusterConfig config) {
        var order = new ArrayList<NodeSpec>();
        config.ha().preferredLeader().flatMap(p -> config.nodes().stream().filter(n -> n.name().equals(p)).findFirst())
                .ifPresent(order::add);
        config.nodes().stream().filter(n -> !order.contains(n)).forEach(order::add);
        return order;
    }

    /** {@code first} (a switch from ha: none), then the nodes in node order, the one that leads now (when one does) last. */
    static List<NodeSpec> replacementOrder(ClusterConfig config, List<String> first, Optional<String> leader) {
        var order = new ArrayList<NodeSpec>();
        first.forEach(name -> config.nodes().stream().filter(n -> n.name().equals(name)).forEach(order::add));
        config.nodes().stream().filter(n -> !first.contains(n.name()) && !leader.equals(Optional.of(n.name()))).forEach(order::add);
        config.nodes().stream().filter(n -> !first.contains(n.name()) && leader.equals(Optional.of(n.name()))).forEach(order::add);
        return order;
    }

    /**
     * Makes the preferred member lead (init/patroni/leader.sh): runs when the preference changes,
     * when the program found another member leading ({@code PGC_FOUND}, with the time, so each
     * finding is new; otherwise that input is left as it was, so a cluster as preferred means an
     * unchanged step), and after any member got a new container (the leader, replaced last, hands
     * its key to another member on the way).
     */
    private static Command leader(ClusterParts parts, String name, String preferred, String memberContainers,
                                  List<Output<String>> memberIds, Placement placement, List<Resource> after) {
        ClusterConfig config = parts.config();
        var env = new LinkedHashMap<String, String>();
        env.put("PGC_STEP", "leader");
        env.put("PGC_PREFERRED", preferred);
        env.put("PGC_MEMBER_CONTAINERS", memberContainers);
        env.put("PGC_MAX_LAG_BYTES", String.valueOf(Topology.SWITCHOVER_MAX_LAG_BYTES));
        env.put("PGC_TIMEOUT_SECONDS", String.valueOf(config.healthTimeoutSeconds()));
        env.put("PGC_SYNCHRONOUS", config.sync().enabled() ? "on" : "off");
        env.put("PGC_SWITCHOVER_SCRIPT", InitScripts.read(InitScripts.SWITCHOVER));
        env.putAll(Placement.nodeTables(config));
        env.putAll(placement.commandEnvironment());
        var options = CustomResourceOptions.builder().parent(parts.cluster()).dependsOn(after);
        finding(env, options, "PGC_FOUND", parts.found());
        return new Command(name, CommandArgs.builder()
                .create(InitScripts.read(InitScripts.LEADER))
                .environment(env)
                .triggers(Output.all(memberIds).applyValue(ids -> List.<Object>copyOf(ids)))
                .logging(Logging.STDOUT_AND_STDERR)
                .build(),
                options.build());
    }

    /** The passwords step of every mode (init/primary/sync-passwords.sh), on whichever member leads. */
    private static Command roles(ClusterParts parts, String name, String memberContainers, Placement placement,
                                 List<Resource> after) {
        ClusterConfig config = parts.config();
        var primary = new LinkedHashMap<String, String>();
        primary.put("PGC_MEMBER_CONTAINERS", memberContainers);
        primary.put("PGC_TIMEOUT_SECONDS", String.valueOf(config.healthTimeoutSeconds()));
        primary.put("PGC_READ_MAX_LAG_BYTES", String.valueOf(config.readMaxLagBytes()));
        primary.putAll(Placement.nodeTables(config));
        return PasswordsStep.declare(parts.cluster(), name, config, parts.secrets(), placement,
                InitScripts.readJoined(InitScripts.CLUSTER_SCHEMA, InitScripts.ON_LEADER, InitScripts.SYNC_PASSWORDS),
                primary, after, List.of());
    }

}
