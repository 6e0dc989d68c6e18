package dev.pgcluster.mode.none;

import com.pulumi.core.Alias;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.pgcluster.cluster.InitScripts;
import dev.pgcluster.cluster.LegacyUrns;
import dev.pgcluster.cluster.PasswordsStep;
import dev.pgcluster.cluster.Placement;
import dev.pgcluster.cluster.PostgresCluster;
import dev.pgcluster.cluster.PostgresNode;
import dev.pgcluster.command.Command;
import dev.pgcluster.command.CommandArgs;
import dev.pgcluster.command.Logging;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.NodeSpec;
import dev.pgcluster.mode.ClusterParts;
import dev.pgcluster.mode.DeclaredNodes;
import dev.pgcluster.mode.HaMode;
import dev.pgcluster.mode.ModeSwitch;
import dev.pgcluster.topology.ClusterProbe;
import dev.pgcluster.topology.NodeState;
import dev.pgcluster.topology.Topology;
import java.util.function.Consumer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ha: none}: pg-cluster's declared switchover and failover. The {@code primary} key names
 * the node that leads; the {@code primary} step (init/cluster/converge.sh) makes it the one
 * writable node, and each standby gets its slot, base backup, container and conninfo step.
 *
 * <p>Order: the primary node (seed, container, healthy) → the {@code primary} step → the
 * passwords step → each standby's slot, seed, container and conninfo step. On a new cluster
 * (see {@link #newCluster}) each standby's slot step and base backup run beside the primary and
 * passwords steps instead of after them; its container and conninfo step still wait for both.
 */
public final class DeclaredFailover implements HaMode {

    /**
     * Set by {@link #check}: no node of config has a container (a new stack), so no node can be a
     * Patroni member to hand over, and the nodes' steps need not wait for the hand-over steps.
     */
    private boolean newStack;

    /**
     * Set by {@link #check}: a new stack whose nodes' hosts hold no volume of it, and whose primary
     * is not restored from a backup. The primary's seed then makes a new cluster (initdb) whose
     * replication role has the stack's verifier, and the only server of the stack is that primary:
     * a standby's slot step need not wait for the primary step (the split-brain guard has one
     * writable node to find, and makes the slots only of nodes whose containers it lists), and its
     * base backup not for the passwords step; its container still starts after both (see {@link
     * PostgresNode.Upstream}).
     */
    private boolean newCluster;

    /** The split-brain guard and what the primary step must resolve (see {@link Topology}). */
    @Override
    public Optional<String> check(ClusterConfig config, ClusterProbe probe, Consumer<String> warn, Consumer<String> info) {
        if (ModeSwitch.check(config, probe, "", info).isPresent()) {
            if (!config.lostHosts().isEmpty()) {
                throw new dev.pgcluster.topology.ClusterStateException("pg-cluster:lostHosts is set, and this run switches the"
                        + " cluster from Patroni to ha: none: the members on the lost hosts could not be handed over. Nothing"
                        + " was changed. Switch modes when every host is back");
            }
            // The members that run Patroni now stop and hand over (ModeSwitch.handover); the
            // checks below are for nodes of this mode.
            return Optional.empty();
        }
        List<NodeState> states = probe.observe(config);
        newStack = NodeState.allMissing(states);
        newCluster = newStack && config.restore().isEmpty() && probe.noStackVolumes(config);
        Optional<String> found = Topology.check(config, states);
        Topology.lostSlotWarnings(config, states).forEach(warning -> warn.accept("pg-cluster: " + warning));
        Topology.unusedConsentWarning(config, states, found).ifPresent(warning -> warn.accept("pg-cluster: " + warning));
        found.ifPresent(text -> info.accept("pg-cluster: the cluster differs from config: " + text
                + "; the primary step resolves it"));
        return found;
    }

    @Override
    public DeclaredNodes declare(ClusterParts parts) {
        ClusterConfig config = parts.config();
        String name = config.namePrefix();
        NodeSpec primaryNode = config.primary();
        Placement primaryPlacement = parts.placements().get(primaryNode.name());
        var nodes = new LinkedHashMap<String, PostgresNode>();
        // The hand-over from Patroni (a switch of modes) before anything touches a volume. Declared
        // in every run; on a new stack there is nothing to hand over, and the first seed does not
        // wait for the two steps' processes that say so (0.7 s of a bring-up).
        Resource handover = ModeSwitch.handover(parts);
        List<Resource> before = newStack ? List.of() : List.of(handover);
        Output<String> nodeImages = Placement.nodeImageTable(config,
                node -> parts.imageOn().apply(parts.placements().get(node)));
        var primary = new PostgresNode(name + "-" + primaryNode.name(), config, primaryNode,
                parts.imageOn().apply(primaryPlacement), nodeImages, parts.network(),
                parts.secrets(), primaryPlacement, Optional.empty(), parts.tls(), before, parts.nodesAfter(), child(parts));
        nodes.put(primaryNode.name(), primary);
        if (!config.lostNodes().isEmpty()) {
            // The configured primary's slot step from when it was a standby: deleted now, it would
            // drop the slot on the old primary, which may be on a lost host.
            primary.keptSlot(name + "-" + primaryNode.name(), config, primaryNode);
        }
        Command primaryStep = primaryStep(parts, name + "-primary", primary, primaryPlacement, nodeImages);
        Command passwords = passwords(parts, name + "-passwords", primaryStep, primaryPlacement);
        var upstream = newCluster
                ? new PostgresNode.Upstream(primary.seed(), primaryStep, passwords, primaryPlacement, primary.readiness(), List.of(),
                        List.of(primaryStep, passwords))
                : new PostgresNode.Upstream(primary.seed(), primaryStep, passwords, primaryPlacement);
        for (NodeSpec replica : config.replicas()) {
            Placement placement = parts.placements().get(replica.name());
            nodes.put(replica.name(), new PostgresNode(name + "-" + replica.name(), config, replica,
                    parts.imageOn().apply(placement), Output.of(""), parts.network(), parts.secrets(), placement, Optional.of(upstream),
                    parts.tls(), before, parts.nodesAfter(), child(parts)));
        }
        var containerNames = new LinkedHashMap<String, Output<String>>();
        config.nodeNames().forEach(node -> containerNames.put(node, nodes.get(node).containerName()));
        var volumes = new LinkedHashMap<String, Output<String>>();
        var ready = new LinkedHashMap<String, Resource>();
        config.nodeNames().forEach(node -> {
            volumes.put(node, nodes.get(node).volume().name());
            ready.put(node, nodes.get(node).readiness());
        });
        return new DeclaredNodes(containerNames, passwords, List.of(config.primary()), false, Map.of(), volumes, ready);
    }

    private static ComponentResourceOptions child(ClusterParts parts) {
        return ComponentResourceOptions.builder().parent(parts.cluster()).build();
    }

    /**
     * The step that makes the configured primary the one writable node (init/cluster/converge.sh).
     * It runs when the primary or another of its inputs changes, and when the program found the
     * cluster differing from config: then {@code PGC_FOUND} says what (with the time, so that each
     * finding is new). When nothing was found that input is left as it was, so an unchanged cluster
     * means an unchanged step.
     */
    private static Command primaryStep(ClusterParts parts, String name, PostgresNode primary, Placement placement,
                                       Output<String> nodeImages) {
        ClusterConfig config = parts.config();
        String foundAt = parts.found().map(text -> Instant.now().truncatedTo(ChronoUnit.SECONDS) + ": " + text).orElse(null);
        var options = CustomResourceOptions.builder()
                .parent(parts.cluster())
                .dependsOn(primary.readiness());
        if (parts.found().isEmpty()) {
            options.ignoreChanges(List.of("environment.PGC_FOUND"));
        }
        return new Command(name, CommandArgs.builder()
                .create(InitScripts.readJoined(InitScripts.CLUSTER_SCHEMA, InitScripts.CONVERGE))
                .environment(Output.tuple(parts.network().networkName(), parts.image(), nodeImages).applyValue(t -> {
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
                    env.put("PGC_ACCEPT_DATA_LOSS", config.acceptDataLoss().environmentValue());
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
                    env.putAll(Placement.nodeTables(config));
                    if (!config.lostNodes().isEmpty()) {
                        env.put("PGC_LOST_NODES", String.join(" ", config.lostNodes()));
                    }
                    if (!t.t3.isEmpty()) {
                        env.put("PGC_NODE_IMAGES", t.t3);
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
    private static Command passwords(ClusterParts parts, String name, Command primaryStep, Placement placement) {
        ClusterConfig config = parts.config();
        return PasswordsStep.declare(parts.cluster(), name, config, parts.secrets(), placement,
                InitScripts.read(InitScripts.SYNC_PASSWORDS),
                Map.of("PGC_PRIMARY_CONTAINER", config.containerName(config.primary().name())), List.of(primaryStep),
                List.of(Output.of(Alias.withUrn(LegacyUrns.urn(config,
                        List.of(PostgresCluster.TYPE, LegacyUrns.PRIMARY_NODE, Command.TYPE),
                        config.namePrefix() + "-pg0-passwords")))));
    }
}
