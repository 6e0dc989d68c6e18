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
import dev.pgcluster.command.Command;
import dev.pgcluster.command.CommandArgs;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.NodeSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
     * @param extraLabels labels computed by other resources; a changed label replaces the container
     * @param options     options with parent, provider and dependencies set
     */
    static Container container(String name, ClusterConfig config, NodeSpec node, Output<String> image,
                               Output<String> networkName, Output<String> volumeName, String healthcheck,
                               List<String> envs, Output<List<ContainerUploadArgs>> uploads,
                               Map<String, Output<String>> extraLabels, CustomResourceOptions options) {
        var labels = new ArrayList<ContainerLabelArgs>();
        Labels.container(config, node.name(), node.role().label()).forEach((k, v) ->
                labels.add(ContainerLabelArgs.builder().label(k).value(v).build()));
        extraLabels.forEach((k, v) -> labels.add(ContainerLabelArgs.builder().label(k).value(v).build()));
        var args = ContainerArgs.builder()
                .name(name)
                .hostname(node.name())
                .image(image)
                .command(ServerSettings.serverArguments(config, node))
                .envs(envs)
                .labels(labels)
                // Said explicitly because Docker reads it back: left unset, 20.10 reports "default"
                // and 26+ "bridge", and the provider replaces a container whose (force-new)
                // network mode reads back differently. The container is taken off this default
                // bridge right after creation and joins only the cluster network below.
                .networkMode("bridge")
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
                        // Durations as Go prints them ("1m0s", not "60s"): the provider compares
                        // them with what Docker reads back.
                        .startPeriod("1m0s")
                        .build())
                // Health is awaited by the node's own readiness step, not the provider's
                // `wait`: a timed-out wait leaves the container in state and a rerun would go on
                // without waiting; a failed step is not recorded and waits again on the rerun.
                .wait_(false)
                // A stopped node stays in state, stopped: a `docker stop` (for example before a
                // manual failover) followed by `pulumi refresh` must not make the provider remove
                // the container and `pulumi up` start it again as a second primary.
                .mustRun(false)
                .restart("unless-stopped")
                // A clean shutdown writes a checkpoint; give it time before SIGKILL.
                .stopTimeout(60)
                .destroyGraceSeconds(60)
                .logDriver("json-file")
                .logOpts(Map.<String, Object>of("max-size", "10m", "max-file", "5"))
                .shmSize(config.limits().shmSizeMb());
        config.limits().memoryMb().ifPresent(memory -> {
            args.memory(memory);
            // Docker's own default (twice the memory), said explicitly: Docker reads it back
            // and the provider would otherwise plan an update on every run.
            args.memorySwap(2 * memory);
        });
        config.limits().cpuShares().ifPresent(args::cpuShares);
        if (uploads != null) {
            args.uploads(uploads);
        }
        return new Container(name, args.build(), options);
    }

    /**
     * The node's readiness step: waits until Docker reports the container healthy, for at most
     * {@code healthTimeoutSeconds}. Dependents wait for this step. A new container (another ID)
     * replaces the step, so it waits again.
     */
    static Command readiness(String name, ClusterConfig config, Container container, Placement placement,
                             Resource parent) {
        return new Command(name, CommandArgs.builder()
                .create(InitScripts.read(InitScripts.AWAIT_HEALTHY))
                .environment(Output.tuple(container.name(), container.id()).applyValue(t -> {
                    var env = new LinkedHashMap<String, String>();
                    env.put("PGC_STEP", "ready");
                    env.put("PGC_CONTAINER", t.t1);
                    env.put("PGC_CONTAINER_ID", t.t2);
                    env.put("PGC_TIMEOUT_SECONDS", String.valueOf(config.healthTimeoutSeconds()));
                    env.putAll(placement.commandEnvironment());
                    return (Map<String, String>) env;
                }))
                .triggers(container.id().applyValue(id -> List.<Object>of(id)))
                .build(),
                CustomResourceOptions.builder().parent(parent).dependsOn(container).build());
    }

    static String pgIsReady() {
        return "pg_isready --host=127.0.0.1 --port=" + POSTGRES_PORT + " --username=postgres --dbname=postgres --quiet";
    }

    static Map<String, String> baseEnvironment() {
        return Map.of("PGDATA", PGDATA);
    }
}
