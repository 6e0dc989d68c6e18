package dev.pgcluster.cluster;

import com.pulumi.core.Alias;
import com.pulumi.core.Output;
import dev.pgcluster.config.ClusterConfig;
import java.util.List;

/**
 * The node component of each {@code ha} mode, and aliases across them. A node's data volume, its
 * container and its replication slot step have the same name in every mode, under that mode's
 * node component; each mode gives the other modes' URNs as aliases, so that switching a stack's
 * mode updates or replaces them in place. Without them the engine would create the new mode's
 * volume beside the old one (Docker hands back the same volume), then delete the old one, data
 * and all; start a container whose name is taken; and run the old slot step's delete, which
 * drops a slot the new mode uses.
 */
public final class ModeUrns {
    /** {@code ha: none}'s node (PostgreSQL as the container's process). */
    public static final String NONE_NODE = PostgresNode.TYPE;
    /** {@code ha: patroni}'s node (Patroni as the container's process). */
    public static final String PATRONI_MEMBER = "pgcluster:index:PatroniMember";
    static final List<String> NODE_COMPONENTS = List.of(NONE_NODE, PATRONI_MEMBER);

    private ModeUrns() {
    }

    /**
     * Aliases for the resource of {@code type} named {@code name} under the node components of
     * every mode but {@code ownComponent}.
     */
    public static List<Output<Alias>> underOtherModes(ClusterConfig config, String ownComponent, String type, String name) {
        if (!NODE_COMPONENTS.contains(ownComponent)) {
            throw new IllegalArgumentException("not a node component of a mode: " + ownComponent);
        }
        return NODE_COMPONENTS.stream().filter(c -> !c.equals(ownComponent))
                .map(c -> Output.of(Alias.withUrn(LegacyUrns.urn(config, List.of(LegacyUrns.CLUSTER, c, type), name))))
                .toList();
    }
}
