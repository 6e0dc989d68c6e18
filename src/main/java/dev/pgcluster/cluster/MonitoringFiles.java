package dev.pgcluster.cluster;

import com.google.gson.Gson;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.MonitoringSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files of the monitoring containers, from the templates under {@code monitoring/} (which
 * Maven copies onto the classpath): the exporter's queries, and Prometheus's config, alert rules
 * and targets (the exporters, and the DCS members when the mode has a DCS) for this stack. A
 * placeholder is {@code {{NAME}}}; Prometheus's own templates ({@code {{ $labels.node }}}) have
 * spaces and stay. monitoring/README.md is the contract.
 */
public final class MonitoringFiles {
    public static final String QUERIES = "queries.yml";
    public static final String RULES = "alerts.rules.yml";
    public static final String PROMETHEUS = "prometheus.yml";
    public static final String TARGETS = "targets.json";
    /** The DCS members' metrics endpoints (job pg-cluster-etcd): an empty list when the mode has no DCS. */
    public static final String ETCD_TARGETS = "targets-etcd.json";
    /** Where the containers get them. */
    public static final String DIRECTORY = "/etc/pg-cluster";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Z][A-Z0-9_]*)}}");

    private MonitoringFiles() {
    }

    /** The values of every placeholder for this stack (monitoring/defaults.env names them all). */
    public static Map<String, String> values(ClusterConfig config) {
        MonitoringSettings m = config.monitoring();
        var values = new LinkedHashMap<String, String>();
        values.put("SCRAPE_INTERVAL", m.scrapeIntervalSeconds() + "s");
        values.put("DOWN_FOR", m.alertForSeconds() + "s");
        values.put("LAG_FOR", m.alertLagForSeconds() + "s");
        values.put("REPLAY_LAG_SECONDS", String.valueOf(m.replayLagSeconds()));
        values.put("BYTES_BEHIND", String.valueOf(m.bytesBehind()));
        values.put("SLOT_RETAINED_PERCENT", String.valueOf(m.slotRetainedPercent()));
        // Asynchronous: 0, and the rule can never fire (a count is never below 0).
        values.put("SYNC_STANDBYS", String.valueOf(config.sync().enabled() ? config.sync().count() : 0));
        // Backups (the archive rules look only at a node with archive_mode on): twice
        // archive_timeout and a minute; the differential interval and an hour.
        var backup = config.backup();
        values.put("ARCHIVE_MAX_AGE_SECONDS", String.valueOf(2 * backup.archiveTimeoutSeconds() + 60));
        values.put("BACKUP_MAX_AGE_SECONDS", String.valueOf(backup.diffIntervalHours() * 3600L + 3600));
        return values;
    }

    public static String rules(ClusterConfig config) {
        return render(read(RULES), values(config));
    }

    public static String prometheusConfig(ClusterConfig config) {
        return render(read(PROMETHEUS), values(config));
    }

    public static String queries() {
        return read(QUERIES);
    }

    /** Prometheus's file-based targets: each node's exporter by its alias on the cluster network. */
    public static String targets(ClusterConfig config) {
        var targets = new ArrayList<Map<String, Object>>();
        for (int i = 0; i < config.nodes().size(); i++) {
            String node = config.nodes().get(i).name();
            var labels = new LinkedHashMap<String, String>();
            labels.put("cluster", config.namePrefix());
            labels.put("node", node);
            // On one host or a swarm overlay, by its alias on the cluster network; across hosts
            // otherwise, where its host publishes it (Prometheus runs on the first node's host).
            targets.add(target(config.peersByAddress()
                    ? config.nodes().get(i).hostAddress().orElseThrow() + ":" + config.monitoring().exporterPort(i)
                    : exporterAlias(node) + ":" + MonitoringSettings.EXPORTER_PORT, labels));
        }
        return new Gson().toJson(targets) + "\n";
    }

    /**
     * Prometheus's file-based targets for the DCS: each etcd member's metrics endpoint with the
     * labels {@code cluster} and {@code member}. With no member (a mode without a DCS) an empty
     * list: the job stays in prometheus.yml with no target, so one template serves every mode.
     *
     * @param dcsMetrics DCS member → {@code host:port} of its metrics on the cluster network
     */
    public static String etcdTargets(ClusterConfig config, Map<String, String> dcsMetrics) {
        var targets = new ArrayList<Map<String, Object>>();
        dcsMetrics.forEach((member, address) -> {
            var labels = new LinkedHashMap<String, String>();
            labels.put("cluster", config.namePrefix());
            labels.put("member", member);
            targets.add(target(address, labels));
        });
        return new Gson().toJson(targets) + "\n";
    }

    /** One entry of a file_sd file: one target and its labels. */
    private static Map<String, Object> target(String address, Map<String, String> labels) {
        var entry = new LinkedHashMap<String, Object>();
        entry.put("targets", List.of(address));
        entry.put("labels", labels);
        return entry;
    }

    /** A node's exporter on the cluster network. */
    public static String exporterAlias(String node) {
        return node + "-exporter";
    }

    /** Every placeholder replaced; one without a value is a bug here, not a user's error. */
    static String render(String template, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(template);
        var out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw new IllegalStateException("monitoring template placeholder {{" + m.group(1) + "}} has no value");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    static String read(String name) {
        try (InputStream in = MonitoringFiles.class.getResourceAsStream("/monitoring/" + name)) {
            if (in == null) {
                throw new IllegalStateException("monitoring/" + name + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
