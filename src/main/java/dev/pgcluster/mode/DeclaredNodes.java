package dev.pgcluster.mode;

import com.pulumi.core.Output;
import com.pulumi.resources.Resource;
import dev.pgcluster.config.NodeSpec;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a mode declared that the shared parts need.
 *
 * @param containerNames node name → its container's name, in node order
 * @param roles          done once the application and monitoring roles exist with the stack's passwords
 * @param writeNodes     the nodes a writing client is pointed at: the one primary, or every node when
 *                       the leader moves by itself (then the strings ask for a read-write session)
 * @param followsLeader  whether the write strings list every node with {@code target_session_attrs=read-write}
 * @param dcsMetrics     DCS member → its metrics endpoint ({@code host:port}) on the cluster network, for
 *                       Prometheus; empty when the mode has no DCS
 * @param volumes        node name → its data volume's name (the volume's output: what mounts it is
 *                       replaced with it), in node order
 * @param ready          node name → what is done once the node runs and is healthy, in node order
 */
public record DeclaredNodes(Map<String, Output<String>> containerNames, Resource roles, List<NodeSpec> writeNodes,
                            boolean followsLeader, Map<String, String> dcsMetrics, Map<String, Output<String>> volumes,
                            Map<String, Resource> ready) {
    public DeclaredNodes {
        volumes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(volumes));
        ready = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(ready));
        containerNames = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(containerNames));
        Objects.requireNonNull(roles);
        writeNodes = List.copyOf(writeNodes);
        dcsMetrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(dcsMetrics));
    }
}
