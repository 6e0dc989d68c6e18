package dev.pgcluster.mode;

import com.pulumi.core.Output;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.pgcluster.cluster.InitScripts;
import dev.pgcluster.cluster.Labels;
import dev.pgcluster.cluster.Placement;
import dev.pgcluster.command.Command;
import dev.pgcluster.command.CommandArgs;
import dev.pgcluster.command.Logging;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.NodeSpec;
import dev.pgcluster.mode.patroni.EtcdMember;
import dev.pgcluster.mode.patroni.PatroniFiles;
import dev.pgcluster.mode.patroni.PatroniMember;
import dev.pgcluster.topology.ClusterProbe;
import dev.pgcluster.topology.ClusterStateException;
import dev.pgcluster.topology.NodeState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Switching a stack between {@code ha} modes on its data (README: "Switching modes"). The nodes'
 * volumes, containers and slot steps are the same resources in every mode
 * ({@link dev.pgcluster.cluster.ModeUrns}); what differs is how the switch begins:
 * <ul>
 * <li>to {@code patroni}: the node that accepts writes becomes the first Patroni member (Patroni
 *     takes its data over as the leader, on a new timeline), the others follow one at a time and
 *     join it as replicas;</li>
 * <li>to {@code none}: every Patroni member is stopped, the replicas first, the leader last, and
 *     what only Patroni used is cleared from the volumes ({@link #handover}), before any node
 *     starts as a plain server; the leader is the primary.</li>
 * </ul>
 */
public final class ModeSwitch {
    private ModeSwitch() {
    }

    /**
     * Looks at the nodes' containers before anything is declared. When some run another mode than
     * config asks for, checks that a switch can go on (each refusal names what to do, and nothing
     * is changed) and returns the nodes the new mode starts from, in order; empty when no node runs
     * another mode.
     * <ul>
     * <li>To {@code patroni}: the plain primary, when every other plain node is a running standby
     *     that follows it (a stopped or paused one may hold commits the primary lacks, which
     *     Patroni would rewind away without the consent {@code ha: none} asks for). A switch that
     *     stopped halfway (no node accepts writes, some are members already or lost their
     *     container to their replacement) goes on from the nodes it had reached: the primary was
     *     the first of them.</li>
     * <li>To {@code none}: the member that leads, which must be {@code primary}; no member may be
     *     paused or restarting, nor Patroni in maintenance mode (a member's stop would then kill
     *     its server). When no member runs at all (a hand-over that stopped halfway, a stopped
     *     cluster), {@code primary}: {@code ha: none}'s own checks compare the nodes' WAL before
     *     anything is discarded.</li>
     * </ul>
     *
     * @param label the {@code pg-cluster.ha-member} label of this mode's nodes ("" for none)
     */
    public static Optional<List<String>> check(ClusterConfig config, ClusterProbe probe, String label, Consumer<String> info) {
        Map<String, String> members = probe.haMembers(config);
        List<String> other = members.entrySet().stream().filter(e -> !e.getValue().equals(label))
                .map(Map.Entry::getKey).toList();
        if (other.isEmpty()) {
            return Optional.empty();
        }
        boolean toPatroni = !label.isEmpty();
        String from = toPatroni ? "none" : "patroni";
        String to = config.ha().mode().configValue();
        String found = "pg-cluster:ha = \"" + to + "\", and the nodes " + String.join(", ", other) + " run ha: " + from;
        String nothing = " Nothing was changed.";
        List<String> extra = probe.stackNodes(config).stream().filter(n -> !config.nodeNames().contains(n)).toList();
        if (!extra.isEmpty()) {
            throw new ClusterStateException(found + ", and the stack runs " + String.join(", ", extra) + " too, which config"
                    + " no longer names: a switch of modes keeps the nodes the stack has (a node left out would go on"
                    + " running ha: " + from + "). Switch with pg-cluster:replicas as it runs, then scale in a run of its own."
                    + nothing);
        }
        if (toPatroni) {
            // etcd volumes kept from an earlier ha: patroni (retainVolumesOnDelete) hold that DCS's
            // state: its leader and member keys, its configuration, a pause. Without a container
            // of theirs they are not this switch's.
            List<String> kept = probe.existingVolumes(config, config.ha().dcsMemberNames().stream()
                    .map(m -> config.containerName(m) + "-data").toList());
            boolean dcsRuns = probe.fileOfMember(config, EtcdMember.HA_LABEL,
                    PatroniFiles.ETCD_CONF_DIR + "/" + PatroniFiles.ETCD_CONFIG_FILE).isPresent();
            if (!kept.isEmpty() && !dcsRuns) {
                throw new ClusterStateException(found + ", and the volumes " + String.join(", ", kept) + " hold the DCS of an"
                        + " earlier ha: patroni (kept by pg-cluster:retainVolumesOnDelete): its state is stale, and a new"
                        + " DCS must start empty. Remove them (docker volume rm " + String.join(" ", kept) + ") first."
                        + nothing);
            }
        }
        List<NodeState> states = probe.observe(config);
        List<String> writable = states.stream().filter(NodeState::writable).map(NodeState::node).toList();
        List<String> first = toPatroni ? startOfPatroni(config, found, other, states, writable)
                : startOfNone(config, probe, found, other, states, writable);
        info.accept("pg-cluster: switching from ha: " + from + " to ha: " + to + " on the same data, from "
                + String.join(", ", first) + " (README: Switching modes)");
        return Optional.of(first);
    }

    private static List<String> startOfPatroni(ClusterConfig config, String found, List<String> plain, List<NodeState> states,
                                               List<String> writable) {
        List<String> reached = config.nodeNames().stream().filter(n -> !plain.contains(n)).toList();
        if (writable.size() == 1) {
            String primary = writable.get(0);
            for (NodeState state : states) {
                if (!plain.contains(state.node()) || state.node().equals(primary)) {
                    continue;
                }
                boolean follows = state.standby() && state.server().map(s -> s.follows().equals(config.containerName(primary))
                        || s.follows().equals(primary)).orElse(false);
                if (!follows) {
                    throw new ClusterStateException(found + ": " + state.node() + " is " + describe(state) + ", not a running"
                            + " standby of " + primary + ". A switch starts from a cluster ha: none has converged: a stopped"
                            + " or diverged node may hold commits " + primary + " lacks, which Patroni would rewind away."
                            + " Start it and run pulumi up with ha: none first (README: Switching modes). Nothing was changed.");
                }
            }
            return List.of(primary);
        }
        if (writable.isEmpty() && !reached.isEmpty()) {
            return reached;
        }
        throw new ClusterStateException(found + ": a switch starts from the one node that accepts writes, and "
                + (writable.isEmpty() ? "none does" : String.join(" and ", writable) + " do")
                + ". Make one node the primary in ha: none first (README: Switching modes). Nothing was changed.");
    }

    private static List<String> startOfNone(ClusterConfig config, ClusterProbe probe, String found, List<String> patroni,
                                            List<NodeState> states, List<String> writable) {
        String primary = config.primary().name();
        for (NodeState state : states) {
            if (patroni.contains(state.node()) && state.exists() && !state.running() && !state.container().equals("exited")
                    && !state.container().equals("created")) {
                throw new ClusterStateException(found + ": " + state.node() + "'s container is " + state.container()
                        + ": stopping it would kill its server. Start or unpause it, and let Patroni settle, first."
                        + " Nothing was changed.");
            }
        }
        if (writable.size() == 1) {
            String leader = writable.get(0);
            if (!leader.equals(primary)) {
                throw new ClusterStateException(found + ": " + leader + " leads, and the switch to ha: none keeps the leader as"
                        + " the primary, but pg-cluster:primary is " + primary + ". Run: pulumi config set pg-cluster:primary "
                        + leader + ". Nothing was changed.");
            }
            boolean paused = probe.exec(config, leader, "patronictl", "-c", PatroniFiles.CONFIG_DIR, "show-config")
                    .map(text -> text.lines().anyMatch(l -> l.strip().equals("pause: true"))).orElse(false);
            if (paused) {
                throw new ClusterStateException(found + ": Patroni is in maintenance mode (paused), and a paused member's stop"
                        + " kills its server. Resume it first: docker exec " + config.containerName(leader) + " patronictl -c "
                        + PatroniFiles.CONFIG_DIR + " resume. Nothing was changed.");
            }
            return List.of(leader);
        }
        boolean anyRuns = states.stream().anyMatch(s -> patroni.contains(s.node()) && s.running());
        if (writable.isEmpty() && !anyRuns) {
            return List.of(primary);
        }
        throw new ClusterStateException(found + ": a switch starts from the one member that leads, and "
                + (writable.isEmpty() ? "none does" : String.join(" and ", writable) + " do")
                + ". Let Patroni elect one (patronictl list), set pg-cluster:primary to it and run pulumi up again."
                + " Nothing was changed.");
    }

    private static String describe(NodeState state) {
        if (!state.exists()) {
            return "missing";
        }
        if (!state.running()) {
            return state.container();
        }
        return state.server().map(s -> s.inRecovery() ? "a standby of " + (s.follows().isEmpty() ? "no one" : s.follows())
                : "writable").orElse("not answering");
    }

    /**
     * {@code ha: none}'s hand-over steps (init/patroni/handover.sh), one per node, declared in every
     * run: a step does something only while its node's container is a Patroni member. The
     * replicas' steps stop their members, then the primary's step stops the leader; every node's
     * volume waits for the primary's step, which this returns.
     */
    public static Resource handover(ClusterParts parts) {
        ClusterConfig config = parts.config();
        String primary = config.primary().name();
        var replicas = new ArrayList<Resource>();
        for (NodeSpec node : config.replicas()) {
            replicas.add(handoverStep(parts, node, "replica", List.of()));
        }
        return handoverStep(parts, config.primary(), "primary", replicas);
    }

    private static Command handoverStep(ClusterParts parts, NodeSpec node, String role, List<Resource> after) {
        ClusterConfig config = parts.config();
        String name = config.namePrefix() + "-" + node.name();
        Placement placement = parts.placements().get(node.name());
        return new Command(name + "-handover", CommandArgs.builder()
                .create(InitScripts.read(InitScripts.HANDOVER))
                // The image on the node's host: its one-off container runs there.
                .environment(parts.imageOn().apply(placement).applyValue(image -> {
                    var env = new LinkedHashMap<String, String>();
                    env.put("PGC_STEP", "handover");
                    env.put("PGC_NODE", node.name());
                    env.put("PGC_CONTAINER", config.containerName(node.name()));
                    env.put("PGC_ROLE", role);
                    env.put("PGC_VOLUME", name + "-data");
                    env.put("PGC_IMAGE", image);
                    env.put("PGC_MEMBER_LABEL", Labels.HA_MEMBER + "=" + PatroniMember.HA_LABEL);
                    env.put("PGC_CLEAN_SCRIPT", InitScripts.read(InitScripts.HANDOVER_IN_CONTAINER));
                    env.put("PGC_PROJECT", config.project());
                    env.put("PGC_STACK", config.stack());
                    env.put("PGC_NAME_PREFIX", config.namePrefix());
                    env.putAll(placement.commandEnvironment());
                    return (Map<String, String>) env;
                }))
                .logging(Logging.STDOUT_AND_STDERR)
                .build(),
                CustomResourceOptions.builder().parent(parts.cluster()).dependsOn(after)
                        .ignoreChanges(placement.ignoring(List.of())).build());
    }
}
