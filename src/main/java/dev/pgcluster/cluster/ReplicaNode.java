package dev.pgcluster.cluster;

import com.pulumi.core.Output;
import com.pulumi.docker.Container;
import com.pulumi.docker.Volume;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import dev.pgcluster.command.Command;
import dev.pgcluster.command.CommandArgs;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.NodeSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
    private final Command conninfo;

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
        this.conninfo = new Command(name + "-conninfo", CommandArgs.builder()
                .create(InitScripts.read(InitScripts.SYNC_CONNINFO))
                .environment(Output.tuple(container.name(), primary.containerName()).applyValue(t -> {
                    var env = new LinkedHashMap<String, String>();
                    env.put("PGC_STEP", "conninfo");
                    env.put("PGC_REPLICA_CONTAINER", t.t1);
                    env.put("PGC_NODE", node.name());
                    env.put("PGC_SLOT", node.name());
                    env.put("PGC_PRIMARY_HOST", t.t2);
                    env.put("PGC_PRIMARY_PORT", String.valueOf(NodeContainer.POSTGRES_PORT));
                    env.put("PGC_REPLICATION_USER", config.replicationUser());
                    env.putAll(placement.commandEnvironment());
                    return (Map<String, String>) env;
                }))
                .stdin(secrets.replicationPassword().applyValue(password -> password + "\n").asSecret())
                .build(),
                CustomResourceOptions.builder()
                        .parent(this)
                        .dependsOn(List.of(readiness, primary.passwords()))
                        .additionalSecretOutputs(List.of("stdout", "stderr"))
                        .build());
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

    /** Done once the replica connects to the primary with the stack's replication password. */
    public Command conninfo() {
        return conninfo;
    }

    public ReplicaBootstrap bootstrap() {
        return bootstrap;
    }

    public Volume volume() {
        return volume;
    }
}
