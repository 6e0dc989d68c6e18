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
     * is changed) and returns the node that accepts writes, which the new mode starts from; empty
     * when no node runs another mode.
     *
     * @param label the {@code pg-cluster.ha-member} label of this mode's nodes ("" for none)
     */
    public static Optional<String> check(ClusterConfig config, ClusterProbe probe, String label, Consumer<String> info) {
        Map<String, String> members = probe.haMembers(config);
        List<String> other = members.entrySet().stream().filter(e -> !e.getValue().equals(label))
                .map(Map.Entry::getKey).toList();
        if (other.isEmpty()) {
            return Optional.empty();
        }
        String from = label.isEmpty() ? "patroni" : "none";
        String to = config.ha().mode().configValue();
        String found = "pg-cluster:ha = \"" + to + "\", and the nodes " + String.join(", ", other) + " run ha: " + from;
        List<String> missing = config.nodeNames().stream().filter(n -> !members.containsKey(n)).toList();
        if (!missing.isEmpty()) {
            throw new ClusterStateException(found + ", but " + String.join(", ", missing)
                    + " has no container: a switch of modes keeps the nodes the stack has. Switch with"
                    + " pg-cluster:replicas as it runs, then scale in a run of its own. Nothing was changed.");
        }
        List<String> writable = probe.observe(config).stream().filter(NodeState::writable).map(NodeState::node).toList();
        if (writable.size() != 1) {
            throw new ClusterStateException(found + ": a switch starts from the one node that accepts writes, and "
                    + (writable.isEmpty() ? "none does" : String.join(" and ", writable) + " do")
                    + ". Make one node the primary in ha: " + from + " first (README: Switching modes). Nothing was changed.");
        }
        String leader = writable.get(0);
        if (label.isEmpty() && !config.primary().name().equals(leader)) {
            throw new ClusterStateException(found + ": " + leader + " leads, and the switch to ha: none keeps the leader as"
                    + " the primary, but pg-cluster:primary is " + config.primary().name() + ". Run: pulumi config set"
                    + " pg-cluster:primary " + leader + ". Nothing was changed.");
        }
        info.accept("pg-cluster: switching from ha: " + from + " to ha: " + to + " on the same data, from " + leader
                + ", the node that accepts writes (README: Switching modes)");
        return Optional.of(leader);
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
                .environment(parts.image().applyValue(image -> {
                    var env = new LinkedHashMap<String, String>();
                    env.put("PGC_STEP", "handover");
                    env.put("PGC_NODE", node.name());
                    env.put("PGC_CONTAINER", config.containerName(node.name()));
                    env.put("PGC_ROLE", role);
                    env.put("PGC_VOLUME", name + "-data");
                    env.put("PGC_IMAGE", image);
                    env.put("PGC_MEMBER_LABEL", Labels.HA_MEMBER + "=" + PatroniMember.HA_LABEL);
                    env.put("PGC_PATRONI_FILES", String.join(" ", PatroniFiles.onlyPatroniUses()));
                    env.put("PGC_CLEAN_SCRIPT", InitScripts.read(InitScripts.HANDOVER_IN_CONTAINER));
                    env.put("PGC_PROJECT", config.project());
                    env.put("PGC_STACK", config.stack());
                    env.put("PGC_NAME_PREFIX", config.namePrefix());
                    env.putAll(placement.commandEnvironment());
                    return (Map<String, String>) env;
                }))
                .logging(Logging.STDOUT_AND_STDERR)
                .build(),
                CustomResourceOptions.builder().parent(parts.cluster()).dependsOn(after).build());
    }
}
