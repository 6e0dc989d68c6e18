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

    /** For declarations that never meet Docker (unit tests): every node missing, as on a new stack. */
    ClusterProbe NONE = config -> config.nodeNames().stream().map(NodeState::missing).toList();
}
