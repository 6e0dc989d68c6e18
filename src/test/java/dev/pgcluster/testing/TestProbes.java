package dev.pgcluster.testing;

import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.topology.ClusterProbe;
import dev.pgcluster.topology.NodeState;
import java.util.List;
import java.util.Optional;

/** Probes for declaration tests: what the program would find on the Docker hosts. */
public final class TestProbes {
    private TestProbes() {
    }

    /**
     * Every node missing but pg0 (running, writable) when {@code pg0Runs}; {@code noVolumes} is what
     * the hosts say of the stack's volumes. Both true and false: a new cluster.
     */
    public static ClusterProbe newCluster(boolean noVolumes, boolean pg0Runs) {
        return new ClusterProbe() {
            @Override
            public List<NodeState> observe(ClusterConfig config) {
                return config.nodeNames().stream().map(n -> pg0Runs && n.equals("pg0")
                        ? new NodeState(n, "running", Optional.of(new NodeState.Server(false, 1, "")))
                        : NodeState.missing(n)).toList();
            }

            @Override
            public boolean noStackVolumes(ClusterConfig config) {
                return noVolumes;
            }
        };
    }
}
