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
     * What each of {@code containers} (name → its Docker host) publishes, from its configuration
     * (running or not), as {@link DockerProbe#PUBLISHED_FORMAT} prints it; a container that does
     * not exist, or cannot be asked, is left out. The default knows nothing.
     */
    default Map<String, String> published(Map<String, String> containers) {
        return Map.of();
    }

    /** For declarations that never meet Docker (unit tests): every node missing, as on a new stack. */
    ClusterProbe NONE = config -> config.nodeNames().stream().map(NodeState::missing).toList();
}
