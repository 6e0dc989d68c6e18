package dev.pgcluster.mode;

import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.Resource;
import dev.pgcluster.cluster.ClusterNetwork;
import dev.pgcluster.cluster.ClusterSecrets;
import dev.pgcluster.cluster.ClusterTls;
import dev.pgcluster.cluster.Placement;
import dev.pgcluster.config.ClusterConfig;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * What the cluster made for every mode, handed to {@link HaMode#declare}.
 *
 * @param config     the validated config
 * @param cluster    the cluster component: the parent of everything the mode declares
 * @param image      the cluster image's ID
 * @param network    the cluster network
 * @param secrets    the roles' passwords and verifiers
 * @param tls        the cluster's CAs; empty without TLS
 * @param placements node name → its Docker host
 * @param found      what the program found on Docker that differs from config (see
 *                   {@link dev.pgcluster.topology.Topology}); empty when the cluster is as configured
 * @param images     an image reference → its ID on the primary's host (the cluster image's own when
 *                   the reference is the cluster's)
 * @param imageOn    a node's placement → the cluster image's ID on its host (the same ID on every
 *                   host; a node on a host waits for the image there)
 * @param dcsPlacements with ha: patroni, etcd member → its Docker host
 * @param imagesOn   an image reference and a placement → its ID on that host
 * @param nodesAfter what every node's container starts after (and so outlives it on destroy):
 *                   with backups, the repository container; empty otherwise
 */
public record ClusterParts(ClusterConfig config, ComponentResource cluster, Output<String> image,
                           ClusterNetwork network, ClusterSecrets secrets, Optional<ClusterTls> tls,
                           Map<String, Placement> placements, Optional<String> found,
                           Function<String, Output<String>> images, Function<Placement, Output<String>> imageOn,
                           Map<String, Placement> dcsPlacements, BiFunction<String, Placement, Output<String>> imagesOn,
                           List<Resource> nodesAfter) {
    public ClusterParts {
        Objects.requireNonNull(config);
        Objects.requireNonNull(cluster);
        placements = Map.copyOf(placements);
        dcsPlacements = Map.copyOf(dcsPlacements);
        nodesAfter = List.copyOf(nodesAfter);
    }
}
