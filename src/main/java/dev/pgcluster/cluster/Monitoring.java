package dev.pgcluster.cluster;

import com.pulumi.core.Output;
import com.pulumi.docker.Container;
import com.pulumi.docker.ContainerArgs;
import com.pulumi.docker.Volume;
import com.pulumi.docker.VolumeArgs;
import com.pulumi.docker.inputs.ContainerLabelArgs;
import com.pulumi.docker.inputs.ContainerNetworksAdvancedArgs;
import com.pulumi.docker.inputs.ContainerUploadArgs;
import com.pulumi.docker.inputs.ContainerVolumeArgs;
import com.pulumi.docker.inputs.VolumeLabelArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.MonitoringSettings;
import dev.pgcluster.config.NodeSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Metrics and alerts for the cluster: per node a postgres_exporter ({@code <prefix>-pgN-exporter})
 * that logs in to its node as the monitoring role ({@code pg_monitor} only) over TLS checked with
 * {@code verify-full}, and one Prometheus ({@code <prefix>-prometheus}, its data on the volume
 * {@code <prefix>-prometheus-data}) that scrapes them, and the DCS members' metrics when the mode
 * has a DCS, on the cluster network and evaluates pg-cluster's alert rules
 * (monitoring/alerts.rules.yml with the stack's thresholds).
 *
 * <p>The exporter reads the monitoring password from a file uploaded into its container (not in
 * its environment or argv, so {@code docker inspect} shows none); a new password, CA or query
 * file gives it a new container, as the exporter reads them only at its start. New thresholds or
 * nodes give Prometheus a new container on the same data volume.
 */
public final class Monitoring extends ComponentResource {
    public static final String TYPE = "pgcluster:index:Monitoring";
    /** The label that tells monitoring containers from nodes: {@code exporter} or {@code prometheus}. */
    public static final String LABEL = "pg-cluster.monitoring";
    /** On an exporter: the node it watches. */
    public static final String LABEL_MONITORS = "pg-cluster.monitors";

    private final Map<String, Container> exporters = new LinkedHashMap<>();
    private final Container prometheus;

    /**
     * What monitoring needs from the cluster.
     *
     * @param exporterImage   the exporter image's ID
     * @param prometheusImage Prometheus's image ID
     * @param networkName     the cluster network on a node's host
     * @param caCertificates  the CA certificates the nodes' certificates verify against (empty without TLS)
     * @param password        the monitoring role's password (secret)
     * @param roles           the step that makes the monitoring role exist with that password
     * @param placements      node name → its Docker host
     * @param dcsMetrics      DCS member → its metrics endpoint on the cluster network (empty without a DCS)
     */
    public record Inputs(Function<Placement, Output<String>> exporterImage, Output<String> prometheusImage,
                         Function<Placement, Output<String>> networkName,
                         Output<String> caCertificates, Output<String> password, Resource roles,
                         Map<String, Placement> placements, Map<String, String> dcsMetrics) {
    }


    public Monitoring(String name, ClusterConfig config, Inputs inputs, ComponentResourceOptions options) {
        super(TYPE, name, options);
        MonitoringSettings settings = config.monitoring();
        for (int i = 0; i < config.nodes().size(); i++) {
            NodeSpec node = config.nodes().get(i);
            exporters.put(node.name(), exporter(name + "-" + node.name() + "-exporter", config, node,
                    settings.exporterPort(i), inputs));
        }
        // On the first node's host: the primary may move to another.
        Placement home = inputs.placements().get(config.nodes().get(0).name());
        // Metrics history is kept like the nodes' data: retained on destroy where they are.
        var volumeLabels = Labels.stack(config);
        volumeLabels.put(LABEL, "prometheus");
        volumeLabels.put(Labels.RETAIN_ON_DELETE, String.valueOf(config.retainVolumes()));
        var data = new Volume(name + "-prometheus-data", VolumeArgs.builder()
                .name(name + "-prometheus-data")
                .labels(volumeLabels.entrySet().stream()
                        .map(e -> VolumeLabelArgs.builder().label(e.getKey()).value(e.getValue()).build()).toList())
                .build(),
                home.dockerOptions(this).retainOnDelete(config.retainVolumes()).deleteBeforeReplace(true)
                        .ignoreChanges(home.ignoring(List.of("labels"))).build());
        var uploads = List.of(
                upload(MonitoringFiles.PROMETHEUS, Output.of(MonitoringFiles.prometheusConfig(config))),
                upload(MonitoringFiles.RULES, Output.of(MonitoringFiles.rules(config))),
                upload(MonitoringFiles.TARGETS, Output.of(MonitoringFiles.targets(config))),
                upload(MonitoringFiles.ETCD_TARGETS, Output.of(MonitoringFiles.etcdTargets(config, inputs.dcsMetrics()))));
        String prometheusName = name + "-prometheus";
        var prometheusPort = new PublishedPort(config.publishAddress(config.nodes().get(0)), settings.port(),
                MonitoringSettings.PROMETHEUS_PORT);
        this.prometheus = new Container(prometheusName, common(config, published(labels(config, "prometheus"),
                prometheusPort))
                .name(prometheusName)
                .hostname("prometheus")
                .image(inputs.prometheusImage())
                .entrypoints("/bin/prometheus")
                .command(List.of(
                        "--config.file=" + MonitoringFiles.DIRECTORY + "/" + MonitoringFiles.PROMETHEUS,
                        "--storage.tsdb.path=/prometheus",
                        "--storage.tsdb.retention.time=15d",
                        "--web.listen-address=:" + MonitoringSettings.PROMETHEUS_PORT))
                .networksAdvanced(ContainerNetworksAdvancedArgs.builder()
                        .name(inputs.networkName().apply(home)).aliases("prometheus").build())
                .volumes(ContainerVolumeArgs.builder().volumeName(data.name()).containerPath("/prometheus").build())
                .ports(prometheusPort.args())
                .uploads(uploads)
                .build(),
                // As for the nodes: ports never from a refresh, a changed port through the label.
                home.dockerOptions(this).deleteBeforeReplace(true).ignoreChanges(home.ignoring(List.of("ports"))).build());
        registerOutputs(Map.of("prometheusName", prometheus.name()));
    }

    private Container exporter(String name, ClusterConfig config, NodeSpec node, int hostPort, Inputs inputs) {
        String file = MonitoringFiles.DIRECTORY + "/";
        String ssl = config.tls().enabled()
                ? "sslmode=verify-full&sslrootcert=" + file + "ca.crt"
                : "sslmode=disable";
        var uploads = new ArrayList<ContainerUploadArgs>();
        uploads.add(upload(MonitoringFiles.QUERIES, Output.of(MonitoringFiles.queries())));
        uploads.add(upload("monitoring-password", inputs.password()));
        if (config.tls().enabled()) {
            uploads.add(upload("ca.crt", inputs.caCertificates()));
        }
        var labels = labels(config, "exporter");
        labels.put(LABEL_MONITORS, node.name());
        Placement placement = inputs.placements().get(node.name());
        var port = new PublishedPort(config.publishAddress(node), hostPort, MonitoringSettings.EXPORTER_PORT);
        return new Container(name, common(config, published(labels, port))
                .name(name)
                .hostname(MonitoringFiles.exporterAlias(node.name()))
                .image(inputs.exporterImage().apply(placement))
                .entrypoints("/bin/postgres_exporter")
                .command(List.of("--web.listen-address=:" + MonitoringSettings.EXPORTER_PORT,
                        "--extend.query-path=" + file + MonitoringFiles.QUERIES))
                // The exporter builds postgresql://USER:PASSWORD@ + URI itself; the password
                // comes from the file, so it is in no environment and no argv.
                .envs(List.of(
                        "DATA_SOURCE_URI=" + node.name() + ":" + PostgresNode.POSTGRES_PORT + "/postgres?" + ssl,
                        "DATA_SOURCE_USER=" + config.clientRoles().monitoringUser(),
                        "DATA_SOURCE_PASS_FILE=" + file + "monitoring-password"))
                .networksAdvanced(ContainerNetworksAdvancedArgs.builder()
                        .name(inputs.networkName().apply(placement)).aliases(MonitoringFiles.exporterAlias(node.name())).build())
                .ports(port.args())
                .uploads(uploads)
                .build(),
                placement.dockerOptions(this).deleteBeforeReplace(true).dependsOn(inputs.roles())
                        .ignoreChanges(placement.ignoring(List.of("ports"))).build());
    }

    private static ContainerArgs.Builder common(ClusterConfig config, Map<String, String> labels) {
        // Both programs run as one user (nobody in the official images). Their root filesystem
        // stays writable: the provider uploads every file by extracting an archive at "/", which
        // Docker refuses on a read-only root even when the file's directory is a volume.
        return Hardening.service(labelArgs(labels));
    }

    /** {@code labels} with the published port's label: a changed port forces a new container. */
    private static Map<String, String> published(Map<String, String> labels, PublishedPort port) {
        var all = new LinkedHashMap<>(labels);
        all.put(Labels.PUBLISHED, port.spec());
        return all;
    }

    private static Map<String, String> labels(ClusterConfig config, String kind) {
        var labels = Labels.stack(config);
        labels.put(Labels.ENVIRONMENT, config.environment().configValue());
        labels.put(LABEL, kind);
        return labels;
    }

    private static List<ContainerLabelArgs> labelArgs(Map<String, String> labels) {
        return labels.entrySet().stream()
                .map(e -> ContainerLabelArgs.builder().label(e.getKey()).value(e.getValue()).build()).toList();
    }

    private static ContainerUploadArgs upload(String name, Output<String> content) {
        return ContainerUploadArgs.builder().file(MonitoringFiles.DIRECTORY + "/" + name).content(content).build();
    }

    /** Node name → its exporter's URL on the Docker host. */
    public static Map<String, String> exporterEndpoints(ClusterConfig config) {
        var endpoints = new LinkedHashMap<String, String>();
        for (int i = 0; i < config.nodes().size(); i++) {
            NodeSpec node = config.nodes().get(i);
            endpoints.put(node.name(), "http://" + ConnectionStrings.clientHost(config, node)
                    + ":" + config.monitoring().exporterPort(i) + "/metrics");
        }
        return endpoints;
    }

    /** Prometheus's UI and API on the Docker host. */
    public static String prometheusUrl(ClusterConfig config) {
        return "http://" + ConnectionStrings.clientHost(config, config.nodes().get(0))
                + ":" + config.monitoring().port();
    }

    public Map<String, Container> exporters() {
        return exporters;
    }

    public Container prometheus() {
        return prometheus;
    }

    /** Monitoring is declared only when config turns it on. */
    public static Optional<Monitoring> declare(String name, ClusterConfig config, Supplier<Inputs> inputs,
                                               ComponentResourceOptions options) {
        return config.monitoring().enabled() ? Optional.of(new Monitoring(name, config, inputs.get(), options)) : Optional.empty();
    }
}
