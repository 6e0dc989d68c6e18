package dev.pgcluster.cluster;

import com.pulumi.core.Output;
import com.pulumi.docker.Volume;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import dev.pgcluster.command.Command;
import dev.pgcluster.command.CommandArgs;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.NodeSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Seeds one replica: a physical replication slot on the primary (dropped again when the replica
 * goes), then a base backup from that slot into the replica's empty volume.
 * Order: primary healthy → slot → base backup; the replica container waits for the backup.
 */
public final class ReplicaBootstrap extends ComponentResource {
    public static final String TYPE = "pgcluster:index:ReplicaBootstrap";

    private final Command slot;
    private final Command baseBackup;

    /**
     * @param name      the component's name; its steps are {@code <name>-slot} and {@code <name>-base-backup}
     * @param config    the cluster config
     * @param replica   the replica being seeded; its name is also its slot and application name
     * @param image     the image of the one-off backup container
     * @param primary   the primary to take the backup from
     * @param network   the cluster network the backup container joins
     * @param volume    the replica's data volume
     * @param secrets   the cluster's passwords (the replication one is handed over on stdin)
     * @param placement the Docker host of the replica
     * @param options   component options (parent)
     */
    public ReplicaBootstrap(String name, ClusterConfig config, NodeSpec replica, Output<String> image,
                            PrimaryNode primary, ClusterNetwork network, Volume volume, ClusterSecrets secrets,
                            Placement placement, ComponentResourceOptions options) {
        super(TYPE, name, options);

        this.slot = new Command(name + "-slot", CommandArgs.builder()
                .create(InitScripts.read(InitScripts.CREATE_SLOT))
                .delete(InitScripts.read(InitScripts.DROP_SLOT))
                .environment(primary.containerName().applyValue(container -> slotEnvironment(replica, container, config.retainVolumes(), placement)))
                .build(),
                CustomResourceOptions.builder()
                        .parent(this)
                        .dependsOn(primary.readiness())
                        .build());

        this.baseBackup = new Command(name + "-base-backup", CommandArgs.builder()
                .create(InitScripts.read(InitScripts.BASE_BACKUP))
                .update(InitScripts.read(InitScripts.BASE_BACKUP_UPDATE))
                .environment(Output.tuple(primary.containerName(), network.networkName(), volume.name(), image)
                        .applyValue(t -> baseBackupEnvironment(config, replica, t.t1, t.t2, t.t3, t.t4, placement)))
                .stdin(secrets.replicationPassword().applyValue(password -> password + "\n").asSecret())
                // A new volume (renamed, or replaced by `pulumi up --replace`: the engine then
                // replaces whatever depends on its name through a force-new input) is empty
                // and needs a fresh backup; the same volume never gets a second one.
                .triggers(volume.name().applyValue(volumeName -> List.<Object>of(volumeName)))
                .build(),
                CustomResourceOptions.builder()
                        .parent(this)
                        .dependsOn(List.of(slot, primary.passwords()))
                        .build());

        registerOutputs(Map.of("slotName", Output.of(replica.name())));
    }

    static Map<String, String> slotEnvironment(NodeSpec replica, String primaryContainer, boolean keepSlot,
                                               Placement placement) {
        var env = new LinkedHashMap<String, String>();
        env.put("PGC_STEP", "replication-slot");
        env.put("PGC_SLOT", replica.name());
        env.put("PGC_PRIMARY_CONTAINER", primaryContainer);
        env.put("PGC_KEEP_SLOT", String.valueOf(keepSlot));
        env.putAll(placement.commandEnvironment());
        return env;
    }

    static Map<String, String> baseBackupEnvironment(ClusterConfig config, NodeSpec replica, String primaryContainer,
                                                     String networkName, String volumeName, String image,
                                                     Placement placement) {
        var env = new LinkedHashMap<String, String>();
        env.put("PGC_STEP", "base-backup");
        env.put("PGC_NODE", replica.name());
        env.put("PGC_SLOT", replica.name());
        env.put("PGC_VOLUME", volumeName);
        env.put("PGC_NETWORK", networkName);
        env.put("PGC_IMAGE", image);
        env.put("PGC_PRIMARY_HOST", primaryContainer);
        env.put("PGC_PRIMARY_PORT", String.valueOf(NodeContainer.POSTGRES_PORT));
        env.put("PGC_REPLICATION_USER", config.replicationUser());
        env.put("PGC_ATTEMPTS", String.valueOf(config.baseBackupAttempts()));
        env.put("PGC_PROJECT", config.project());
        env.put("PGC_STACK", config.stack());
        env.put("PGC_NAME_PREFIX", config.namePrefix());
        env.put("PGC_BACKUP_SCRIPT", InitScripts.read(InitScripts.BASE_BACKUP_IN_CONTAINER));
        env.putAll(placement.commandEnvironment());
        return env;
    }

    public Command slot() {
        return slot;
    }

    public Command baseBackup() {
        return baseBackup;
    }

    /** Names the backup the replica's data came from; a new one means a new container. */
    public Output<String> backupLabel() {
        return baseBackup.stdout();
    }
}
