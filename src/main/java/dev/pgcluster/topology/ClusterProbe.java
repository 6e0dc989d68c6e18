package dev.pgcluster.topology;

import dev.pgcluster.config.ClusterConfig;
import java.util.List;
import java.util.Map;

/** Looks at the stack's nodes on Docker before anything is declared. */
@FunctionalInterface
public interface ClusterProbe {
    /** One state per node of {@code config}, in node order. */
    List<NodeState> observe(ClusterConfig config);

    /**
     * Node → the {@code pg-cluster.ha-member} label of its container ("" when it has none: a node
     * of {@code ha: none}), for the nodes whose container exists.
     */
    default Map<String, String> haMembers(ClusterConfig config) {
        return Map.of();
    }

    /**
     * The text of a file in one of the stack's containers whose {@code pg-cluster.ha-member} label
     * is {@code haMember} (the first one found, running or not), on the primary's Docker host;
     * empty when the stack has no such container or the file is not there.
     */
    default java.util.Optional<String> fileOfMember(ClusterConfig config, String haMember, String path) {
        return java.util.Optional.empty();
    }

    /**
     * The {@code pg-cluster.node} names of the stack's running containers whose
     * {@code pg-cluster.ha-member} label is {@code haMember}, on the primary's Docker host, sorted.
     */
    default List<String> runningMembers(ClusterConfig config, String haMember) {
        return List.of();
    }

    /**
     * The nodes ({@code pg0}, {@code pg1}, …) whose containers the stack has on the configured
     * nodes' Docker hosts, configured or not (a node config no longer names is still there until
     * a run removes it), sorted.
     */
    default List<String> stackNodes(ClusterConfig config) {
        return config.nodeNames().stream().sorted().toList();
    }

    /** Those of {@code names} that exist as volumes on the primary's Docker host. */
    default List<String> existingVolumes(ClusterConfig config, List<String> names) {
        return List.of();
    }

    /**
     * True when every configured node's Docker host answered that it holds no volume of the stack:
     * none named as a node's data volume, none with the stack's project and stack labels. False
     * when one holds such a volume, a host did not answer or is lost, or the probe cannot tell.
     */
    default boolean noStackVolumes(ClusterConfig config) {
        return false;
    }

    /** {@code docker exec} of {@code command} in {@code node}'s container: its stdout when it exits 0, empty otherwise. */
    default java.util.Optional<String> exec(ClusterConfig config, String node, String... command) {
        return java.util.Optional.empty();
    }

    /**
     * For nodes on hosts of {@code dockerHosts}: one line per Docker host that does not answer,
     * naming it, why and the nodes it runs. Empty when every host answers.
     */
    default List<String> unreachableHosts(ClusterConfig config) {
        return List.of();
    }

    /**
     * For nodes on hosts of {@code dockerHosts}: one line per node (or etcd member) whose container
     * is on another Docker host than config puts it on. Empty when every one is where config says,
     * or not made yet.
     */
    default List<String> misplacedMembers(ClusterConfig config) {
        return List.of();
    }

    /**
     * The stack's published ports that a running container of something else holds on its host
     * ({@link PublishedPorts#conflicts}), each as a sentence; empty when none is, or a host could not
     * be asked (the provider says what is wrong with it).
     */
    default List<String> portConflicts(ClusterConfig config) {
        return List.of();
    }

    /**
     * One line per host of {@code lostHosts} that answers, naming it: a run must not go on without
     * it. Empty when every lost host is silent.
     */
    default List<String> answeringLostHosts(ClusterConfig config) {
        return List.of();
    }

    /**
     * For nodes on several hosts: one line per reason the cluster network cannot be what config
     * says — with {@code swarmOverlay}, a host that is not in the first node's host's swarm, or a
     * first node's host that is no swarm manager; either way, a cluster network that exists with
     * the other driver. Empty when it can.
     */
    default List<String> networkProblems(ClusterConfig config) {
        return List.of();
    }

    /**
     * With {@code restoreFrom}, on a cluster whose primary has no volume yet: one line per reason the
     * restore cannot be done (the source's volumes missing, no stanza or no backup there, a time
     * target before the first backup ended). Empty when it can, or when there is nothing to restore into.
     */
    default List<String> restoreProblems(ClusterConfig config) {
        return List.of();
    }

    /**
     * With {@code backup} on: one line per reason backups cannot work as configured (an image
     * without pgBackRest; a retained repository of an earlier cluster of this name while this
     * stack's primary has no data and nothing is restored). Empty when they can.
     */
    default List<String> backupProblems(ClusterConfig config) {
        return List.of();
    }

    /** The image ID {@code node}'s container runs (its host asked), empty when there is none. */
    default java.util.Optional<String> imageOf(ClusterConfig config, String node) {
        return java.util.Optional.empty();
    }

    /** For declarations that never meet Docker (unit tests): every node missing, as on a new stack. */
    ClusterProbe NONE = config -> config.nodeNames().stream().map(NodeState::missing).toList();
}
