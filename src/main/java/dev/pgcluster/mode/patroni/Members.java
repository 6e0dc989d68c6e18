package dev.pgcluster.mode.patroni;

import com.pulumi.core.Output;
import com.pulumi.docker.inputs.ContainerLabelArgs;
import com.pulumi.resources.Resource;
import dev.pgcluster.cluster.InitScripts;
import dev.pgcluster.cluster.Placement;
import dev.pgcluster.cluster.PublishedPort;
import dev.pgcluster.command.Command;
import dev.pgcluster.command.CommandArgs;
import dev.pgcluster.config.ClusterConfig;
import com.pulumi.resources.CustomResourceOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What Patroni and etcd members declare alike: the member-conf step, labels, readiness. */
final class Members {
    private Members() {
    }

    /** The files the member-conf step writes and where; see init/patroni/member-conf.sh. */
    record ConfFiles(String mount, String dir, String owner, String configFile, String config, String secretsFile,
                     String dataDir, boolean reloadOnHup) {
    }

    /**
     * The member-conf step: stdin is the secrets file (may be empty), the end marker, then the
     * control-plane CA's key and certificate. It runs again when a file's declared text changes,
     * and is replaced with the volume.
     */
    static Command conf(Resource parent, String name, ClusterConfig config, String member, Output<String> image,
                        Output<String> volumeName, Placement placement, String certNames, ConfFiles files,
                        Output<String> secrets, Output<String> signingAuthority, List<Resource> after) {
        return new Command(name, CommandArgs.builder()
                .create(InitScripts.read(InitScripts.MEMBER_CONF))
                .environment(Output.tuple(volumeName, image).applyValue(t -> {
                    var env = new LinkedHashMap<String, String>();
                    env.put("PGC_STEP", "member-conf");
                    env.put("PGC_NODE", member);
                    env.put("PGC_CONTAINER", config.containerName(member));
                    env.put("PGC_VOLUME", t.t1);
                    env.put("PGC_MOUNT", files.mount());
                    env.put("PGC_IMAGE", t.t2);
                    env.put("PGC_DIR", files.dir());
                    env.put("PGC_OWNER", files.owner());
                    env.put("PGC_CERT_NAMES", certNames);
                    env.put("PGC_CERT_GENERATION", String.valueOf(config.tls().certificateGeneration()));
                    env.put("PGC_CONFIG_FILE", files.configFile());
                    env.put("PGC_CONFIG", files.config());
                    if (files.secretsFile() != null) {
                        env.put("PGC_SECRETS_FILE", files.secretsFile());
                    }
                    if (files.dataDir() != null) {
                        env.put("PGC_DATA_DIR", files.dataDir());
                    }
                    if (files.reloadOnHup()) {
                        env.put("PGC_RELOAD", "hup");
                    }
                    env.put("PGC_CONF_SCRIPT", InitScripts.read(InitScripts.MEMBER_CONF_IN_CONTAINER));
                    env.put("PGC_PROJECT", config.project());
                    env.put("PGC_STACK", config.stack());
                    env.put("PGC_NAME_PREFIX", config.namePrefix());
                    env.putAll(placement.commandEnvironment());
                    return (Map<String, String>) env;
                }))
                .stdin(Output.tuple(secrets, signingAuthority)
                        .applyValue(t -> t.t1 + "# pg-cluster: end of secrets\n" + t.t2).asSecret())
                .triggers(volumeName.applyValue(v -> List.<Object>of(v)))
                .build(),
                CustomResourceOptions.builder().parent(parent).dependsOn(after)
                        .additionalSecretOutputs(List.of("stderr"))
                        .build());
    }

    /**
     * Every name the member is reached by on the cluster network, and from inside itself; across
     * hosts also its host's address, where the others reach it.
     */
    static String certNames(ClusterConfig config, String member, java.util.Optional<String> hostAddress) {
        return "DNS:" + member + ",DNS:" + config.containerName(member) + ",DNS:localhost,IP:127.0.0.1"
                + (config.peersByAddress() ? hostAddress.map(a -> ",IP:" + a).orElse("") : "");
    }

    /**
     * Ports a member publishes on its host's address when the members are on several hosts (the
     * others reach it there); none on one host. Their label says what was declared.
     */
    static List<PublishedPort> crossHostPorts(ClusterConfig config, java.util.Optional<String> hostAddress,
                                              Map<Integer, Integer> hostToContainer) {
        if (!config.peersByAddress()) {
            return List.of();
        }
        return hostToContainer.entrySet().stream()
                .map(p -> new PublishedPort(hostAddress.orElseThrow(), p.getKey(), p.getValue())).toList();
    }

    static List<ContainerLabelArgs> labels(Map<String, String> labels) {
        var args = new ArrayList<ContainerLabelArgs>();
        labels.forEach((k, v) -> args.add(ContainerLabelArgs.builder().label(k).value(v).build()));
        return args;
    }

    /** Waits until the container passes its health check (init/node/await-healthy.sh). */
    static Command readiness(Resource parent, String name, ClusterConfig config, Output<String> containerName,
                             Output<String> containerId, String healthcheck, Placement placement, Resource container) {
        return new Command(name, CommandArgs.builder()
                .create(InitScripts.read(InitScripts.AWAIT_HEALTHY))
                .environment(Output.tuple(containerName, containerId).applyValue(t -> {
                    var env = new LinkedHashMap<String, String>();
                    env.put("PGC_STEP", "ready");
                    env.put("PGC_CONTAINER", t.t1);
                    env.put("PGC_CONTAINER_ID", t.t2);
                    env.put("PGC_TIMEOUT_SECONDS", String.valueOf(config.healthTimeoutSeconds()));
                    env.put("PGC_HEALTHCHECK", healthcheck);
                    env.putAll(placement.commandEnvironment());
                    return (Map<String, String>) env;
                }))
                .triggers(containerId.applyValue(id -> List.<Object>of(id)))
                .build(),
                CustomResourceOptions.builder().parent(parent).dependsOn(container).build());
    }
}
