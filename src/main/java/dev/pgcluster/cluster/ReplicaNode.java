package dev.pgcluster.cluster;

import com.pulumi.core.Output;
import com.pulumi.docker.Container;
import com.pulumi.docker.Volume;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import dev.pgcluster.command.Command;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.NodeSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A streaming replica: its data volume, its bootstrap (slot and base backup) and its container,
 * a hot standby that is healthy only while it is up and in recovery.
 */
public final class ReplicaNode extends ComponentResource {
    public static final String TYPE = "pgcluster:index:ReplicaNode";

    /** Up and still a standby: the server removes standby.signal when it is promoted. */
    static final String HEALTHCHECK = NodeContainer.pgIsReady() + " && test -f \"$PGDATA/standby.signal\"";

    private final Volume volume;
    private final ReplicaBootstrap bootstrap;
    private final Container container;
    private final Command readiness;

    /**
     * @param name      the component's name; the volume is {@code <name>-data}, the container {@code <name>}
     * @param config    the cluster config
     * @param node      the replica's node spec
     * @param image     the image to run
     * @param primary   the primary it streams from
     * @param network   the cluster network
     * @param secrets   the cluster's passwords
     * @param placement the Docker host of the node
     * @param options   component options (parent)
     */
    public ReplicaNode(String name, ClusterConfig config, NodeSpec node, Output<String> image, PrimaryNode primary,
                       ClusterNetwork network, ClusterSecrets secrets, Placement placement,
                       ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.volume = NodeContainer.volume(name + "-data", config, node, placement, this);
        this.bootstrap = new ReplicaBootstrap(name + "-bootstrap", config, node, image, primary, network, volume,
                secrets, placement, ComponentResourceOptions.builder().parent(this).build());
        this.container = NodeContainer.container(name, config, node, image, network.networkName(), volume.name(),
                HEALTHCHECK, environment(), null,
                // A fresh base backup means fresh data: the label changes, and a changed label
                // replaces the container, so a fresh container starts on it.
                Map.of(Labels.BASE_BACKUP, bootstrap.backupLabel()),
                placement.dockerOptions(this)
                        .deleteBeforeReplace(true)
                        .dependsOn(bootstrap.baseBackup())
                        .build());
        this.readiness = NodeContainer.readiness(name + "-ready", config, container, placement, this);
        registerOutputs(Map.of("containerName", container.name(), "slotName", Output.of(node.name())));
    }

    /**
     * No password: should the volume ever be empty, the entrypoint refuses to initialize a new,
     * unrelated primary here instead of silently doing so.
     */
    static List<String> environment() {
        var envs = new ArrayList<String>();
        NodeContainer.baseEnvironment().forEach((k, v) -> envs.add(k + "=" + v));
        return envs;
    }

    public Container container() {
        return container;
    }

    /** Done once the replica is healthy: up and a standby. */
    public Command readiness() {
        return readiness;
    }

    public ReplicaBootstrap bootstrap() {
        return bootstrap;
    }

    public Volume volume() {
        return volume;
    }
}
