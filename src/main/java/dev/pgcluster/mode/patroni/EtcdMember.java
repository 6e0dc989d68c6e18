package dev.pgcluster.mode.patroni;

import com.pulumi.core.Output;
import com.pulumi.docker.Container;
import com.pulumi.docker.ContainerArgs;
import com.pulumi.docker.Volume;
import com.pulumi.docker.inputs.ContainerNetworksAdvancedArgs;
import com.pulumi.docker.inputs.ContainerVolumeArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.Resource;
import dev.pgcluster.cluster.Hardening;
import dev.pgcluster.cluster.HealthCheck;
import dev.pgcluster.cluster.Labels;
import dev.pgcluster.cluster.Placement;
import dev.pgcluster.cluster.PostgresNode;
import dev.pgcluster.cluster.PublishedPort;
import dev.pgcluster.command.Command;
import dev.pgcluster.config.ClusterConfig;
import java.util.List;
import java.util.Map;

/**
 * One etcd member of the DCS: its volume (configuration, key and certificates in {@code conf/},
 * data in {@code data/}), the step that writes its files, its container (etcd's own image,
 * pinned) and its readiness step. Static membership: every member knows the others from its
 * configuration. Clients and peers present a certificate the control-plane CA signed.
 */
public final class EtcdMember extends ComponentResource {
    public static final String TYPE = "pgcluster:index:EtcdMember";
    /** The value of {@link Labels#HA_MEMBER} on an etcd member's container. */
    public static final String HA_LABEL = "etcd";
    /**
     * etcd's own health endpoint through etcdctl, with the member's client certificate (the
     * endpoint requires one). Exec form: the official etcd image has no shell.
     */
    static final List<String> HEALTHCHECK = List.of("CMD", "etcdctl",
            "--endpoints=https://127.0.0.1:" + PatroniFiles.ETCD_CLIENT_PORT,
            "--cacert=" + PatroniFiles.ETCD_CONF_DIR + "/" + PatroniFiles.DCS_CA,
            "--cert=" + PatroniFiles.ETCD_CONF_DIR + "/" + PatroniFiles.MEMBER_CERT,
            "--key=" + PatroniFiles.ETCD_CONF_DIR + "/" + PatroniFiles.MEMBER_KEY,
            "--command-timeout=2s", "endpoint", "health");
    static final HealthCheck HEALTH = new HealthCheck(HEALTHCHECK, "1s", "3s", 3, "0s");
    static final Map<String, Object> TMPFS = Map.of("/tmp", "rw,noexec,nosuid,nodev,size=16m");

    private final Volume volume;
    private final Command conf;
    private final Container container;
    private final Command readiness;

    /**
     * @param after what the member's container waits for: the readiness of the member replaced
     *              before it, when the DCS runs (one member at a time keeps its quorum); nothing on
     *              a first bring-up (etcd's static bootstrap needs a quorum up before any member is healthy)
     */
    EtcdMember(String name, ClusterConfig config, String member, Output<String> etcdImage, Output<String> clusterImage,
               Output<String> networkName, Placement placement, Output<String> controlPlaneCa, List<Resource> after,
               ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.volume = PostgresNode.dataVolume(this, name + "-data", config, member, placement, List.of());
        String etcdConfig = PatroniFiles.etcdConfig(config, member);
        this.conf = Members.conf(this, name + "-conf", config, member, clusterImage, volume.name(), placement,
                Members.certNames(config, member, config.dcsHostOf(member).address()),
                new Members.ConfFiles(PatroniFiles.ETCD_VOLUME_PATH, PatroniFiles.ETCD_CONF_DIR, PatroniFiles.ETCD_USER,
                        PatroniFiles.ETCD_CONFIG_FILE, etcdConfig, null, PatroniFiles.ETCD_DATA_DIR, false),
                Output.of(""), controlPlaneCa, List.of());
        var labels = Labels.container(config, member);
        labels.put(Labels.HA_MEMBER, HA_LABEL);
        // A changed configuration (the members, their names) needs a new container: etcd reads it at start.
        labels.put(Labels.CONFIG, "sha256:" + Labels.sha256Prefix(etcdConfig));
        labels.put(Labels.HEALTHCHECK, HEALTH.label());
        labels.put(Labels.TMPFS, HealthCheck.tmpfsLabel(TMPFS));
        // Across hosts, clients, peers and Prometheus reach it on its host's address; on one host
        // it publishes nothing.
        var ports = Members.crossHostPorts(config, config.dcsHostOf(member).address(),
                etcdPorts(config.ha().controlPorts()));
        if (!ports.isEmpty()) {
            labels.put(Labels.PUBLISHED, String.join(",", ports.stream().map(PublishedPort::spec).toList()));
        }
        var args = ContainerArgs.builder()
                .name(name)
                .hostname(member)
                .image(etcdImage)
                .user(PatroniFiles.ETCD_USER)
                .entrypoints("etcd")
                .command(List.of("--config-file", PatroniFiles.ETCD_CONF_DIR + "/" + PatroniFiles.ETCD_CONFIG_FILE))
                .labels(Members.labels(labels))
                .networkMode("bridge")
                .networksAdvanced(ContainerNetworksAdvancedArgs.builder().name(networkName).aliases(member).build())
                .volumes(ContainerVolumeArgs.builder().volumeName(volume.name())
                        .containerPath(PatroniFiles.ETCD_VOLUME_PATH).build())
                .healthcheck(HEALTH.args())
                .wait_(false)
                .mustRun(false)
                .restart("unless-stopped")
                .stopSignal("SIGTERM")
                .stopTimeout(30)
                .destroyGraceSeconds(30)
                .logDriver("json-file")
                .logOpts(Map.<String, Object>of("max-size", "10m", "max-file", "5"))
                .capabilities(Hardening.capabilities(List.of()))
                .securityOpts(Hardening.NO_NEW_PRIVILEGES)
                .readOnly(true)
                .tmpfs(TMPFS);
        if (!ports.isEmpty()) {
            args.ports(ports.stream().map(PublishedPort::args).toList());
        }
        this.container = new Container(name, args.build(),
                // As for the nodes: ports never from a refresh, a changed port through the label.
                placement.dockerOptions(this).deleteBeforeReplace(true).dependsOn(dependencies(conf, after))
                        .ignoreChanges(List.of("ports")).build());
        this.readiness = Members.readiness(this, name + "-ready", config, container.name(), container.id(), "docker",
                placement, container);
        registerOutputs(Map.of("containerName", container.name()));
    }

    public Container container() {
        return container;
    }

    /** Done once the member passes etcd's health check. */
    public Command readiness() {
        return readiness;
    }

    /** The member's conf step, then {@code after}. */
    private static List<Resource> dependencies(Command conf, List<Resource> after) {
        var all = new java.util.ArrayList<Resource>(after);
        all.add(0, conf);
        return all;
    }

    /** etcd's published port → its port in the container: client, peer, metrics, in that order. */
    private static Map<Integer, Integer> etcdPorts(dev.pgcluster.config.ControlPorts ports) {
        var map = new java.util.LinkedHashMap<Integer, Integer>();
        map.put(ports.etcdClient(), PatroniFiles.ETCD_CLIENT_PORT);
        map.put(ports.etcdPeer(), PatroniFiles.ETCD_PEER_PORT);
        map.put(ports.etcdMetrics(), PatroniFiles.ETCD_METRICS_PORT);
        return map;
    }
}
