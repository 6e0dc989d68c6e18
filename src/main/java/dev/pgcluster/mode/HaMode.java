package dev.pgcluster.mode;

import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.HaSettings;
import dev.pgcluster.topology.ClusterProbe;
import java.util.Optional;
import java.util.function.Consumer;
import dev.pgcluster.mode.none.DeclaredFailover;
import dev.pgcluster.mode.patroni.PatroniMode;

/**
 * How the cluster's nodes are run and who decides which one leads. What every mode shares
 * (network, passwords, TLS authorities, image, monitoring, connection strings, placement) is made
 * by {@link dev.pgcluster.cluster.PostgresCluster} and handed to the mode in {@link ClusterParts};
 * the mode declares the nodes and its own steps and says, in {@link DeclaredNodes}, what the
 * shared parts need back.
 */
public interface HaMode {

    /**
     * Compares what runs on Docker with config before anything is declared: throws
     * {@link dev.pgcluster.topology.ClusterStateException} when the program must not go on, logs
     * warnings, and returns what differs that the mode's steps resolve (empty when the cluster is
     * as configured).
     */
    Optional<String> check(ClusterConfig config, ClusterProbe probe, Consumer<String> warn, Consumer<String> info);

    /** Declares the nodes and the mode's steps, each a child of {@code parts.cluster()}. */
    DeclaredNodes declare(ClusterParts parts);

    /** The mode the {@code ha} key names. */
    static HaMode of(HaSettings ha) {
        return switch (ha.mode()) {
            case NONE -> new DeclaredFailover();
            case PATRONI -> new PatroniMode();
        };
    }
}
