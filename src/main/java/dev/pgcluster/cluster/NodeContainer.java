package dev.pgcluster.cluster;

import com.pulumi.core.Output;
import com.pulumi.docker.Container;
import com.pulumi.docker.ContainerArgs;
import com.pulumi.docker.Volume;
import com.pulumi.docker.VolumeArgs;
import com.pulumi.docker.inputs.ContainerHealthcheckArgs;
import com.pulumi.docker.inputs.ContainerLabelArgs;
import com.pulumi.docker.inputs.ContainerNetworksAdvancedArgs;
import com.pulumi.docker.inputs.ContainerPortArgs;
import com.pulumi.docker.inputs.ContainerUploadArgs;
import com.pulumi.docker.inputs.ContainerVolumeArgs;
import com.pulumi.docker.inputs.VolumeLabelArgs;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.NodeSpec;
import java.util.List;
import java.util.Map;

/** What every database node has in common: its data volume and its container. */
final class NodeContainer {
    /** Where the official image mounts data; PGDATA is a directory below it, as its docs advise. */
    static final String VOLUME_PATH = "/var/lib/postgresql/data";
    static final String PGDATA = VOLUME_PATH + "/pgdata";
    static final int POSTGRES_PORT = 5432;

    private NodeContainer() {
    }

    /** The node's named data volume; retained on delete where the config says so. */
    static Volume volume(String name, ClusterConfig config, NodeSpec node, Placement placement, Resource parent) {
        return new Volume(name, VolumeArgs.builder()
                .name(name)
                .labels(Labels.volume(config, node.name()).entrySet().stream()
                        .map(e -> VolumeLabelArgs.builder().label(e.getKey()).value(e.getValue()).build())
                        .toList())
                .build(),
                placement.dockerOptions(parent)
                        .retainOnDelete(config.retainVolumes())
                        .deleteBeforeReplace(true)
                        // Docker cannot change a volume's labels; a changed label must never
                        // replace (empty) a data volume.
                        .ignoreChanges(List.of("labels"))
                        .build());
    }

    /**
     * The node's container.
     *
     * @param healthcheck shell condition that holds when the node is ready for its role
     * @param envs        environment, none of it secret
     * @param uploads     files copied in before the first start (may carry secrets), or null
     * @param options     options with parent, provider and dependencies set
     */
    static Container container(String name, ClusterConfig config, NodeSpec node, Output<String> image,
                               Output<String> networkName, Output<String> volumeName, String healthcheck,
                               List<String> envs, Output<List<ContainerUploadArgs>> uploads,
                               CustomResourceOptions options) {
        var args = ContainerArgs.builder()
                .name(name)
                .hostname(node.name())
                .image(image)
                .command(ServerSettings.serverArguments(config, node))
                .envs(envs)
                .labels(Labels.container(config, node.name(), node.role().label()).entrySet().stream()
                        .map(e -> ContainerLabelArgs.builder().label(e.getKey()).value(e.getValue()).build())
                        .toList())
                .networksAdvanced(ContainerNetworksAdvancedArgs.builder()
                        .name(networkName)
                        .aliases(node.name())
                        .build())
                .volumes(ContainerVolumeArgs.builder()
                        .volumeName(volumeName)
                        .containerPath(VOLUME_PATH)
                        .build())
                .ports(ContainerPortArgs.builder()
                        .internal(POSTGRES_PORT)
                        .external(node.hostPort())
                        .ip(config.publishAddress())
                        .build())
                .healthcheck(ContainerHealthcheckArgs.builder()
                        .tests("CMD-SHELL", healthcheck)
                        .interval("2s")
                        .timeout("5s")
                        .retries(5)
                        .startPeriod("60s")
                        .build())
                // Pulumi goes on with dependents only once the node is healthy.
                .wait_(true)
                .waitTimeout(config.healthTimeoutSeconds())
                .restart("unless-stopped")
                // A clean shutdown writes a checkpoint; give it time before SIGKILL.
                .stopTimeout(60)
                .destroyGraceSeconds(60)
                .logDriver("json-file")
                .logOpts(Map.<String, Object>of("max-size", "10m", "max-file", "5"))
                .shmSize(config.limits().shmSizeMb());
        config.limits().memoryMb().ifPresent(args::memory);
        config.limits().cpuShares().ifPresent(args::cpuShares);
        if (uploads != null) {
            args.uploads(uploads);
        }
        return new Container(name, args.build(), options);
    }

    static String pgIsReady() {
        return "pg_isready --host=127.0.0.1 --port=" + POSTGRES_PORT + " --username=postgres --dbname=postgres --quiet";
    }

    static Map<String, String> baseEnvironment() {
        return Map.of("PGDATA", PGDATA);
    }
}
