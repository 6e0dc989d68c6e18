package dev.pgcluster.cluster;

import com.pulumi.core.Alias;
import com.pulumi.core.Output;
import dev.pgcluster.config.ClusterConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The URNs resources had before nodes became role-neutral (a {@code PrimaryNode} and
 * {@code ReplicaNode}s, the replicas' steps under a {@code ReplicaBootstrap}), given as aliases so
 * that a stack created then is updated, not replaced, resource by resource.
 */
public final class LegacyUrns {
    static final String CLUSTER = PostgresCluster.TYPE;
    public static final String PRIMARY_NODE = "pgcluster:index:PrimaryNode";
    static final String REPLICA_NODE = "pgcluster:index:ReplicaNode";
    static final String REPLICA_BOOTSTRAP = "pgcluster:index:ReplicaBootstrap";

    private LegacyUrns() {
    }

    public static String urn(ClusterConfig config, List<String> typeChain, String name) {
        return "urn:pulumi:" + config.stack() + "::" + config.project() + "::" + String.join("$", typeChain) + "::" + name;
    }

    /** Aliases for a resource of {@code type} named {@code name} that was a direct child of a node component. */
    static List<Output<Alias>> underNode(ClusterConfig config, String type, String name) {
        var aliases = new ArrayList<Output<Alias>>();
        for (String node : List.of(PRIMARY_NODE, REPLICA_NODE)) {
            aliases.add(Output.of(Alias.withUrn(urn(config, List.of(CLUSTER, node, type), name))));
        }
        return aliases;
    }

    /** Aliases for a replica step that was named {@code name} under the replica's bootstrap component. */
    static List<Output<Alias>> underBootstrap(ClusterConfig config, String type, String name) {
        return List.of(Output.of(Alias.withUrn(urn(config, List.of(CLUSTER, REPLICA_NODE, REPLICA_BOOTSTRAP, type), name))));
    }

    /** The node component's own aliases: it was a primary or a replica component. */
    static List<Output<Alias>> nodeComponent() {
        return List.of(Output.of(Alias.builder().type(PRIMARY_NODE).build()),
                Output.of(Alias.builder().type(REPLICA_NODE).build()));
    }
}
