package dev.pgcluster.config;

import java.util.Objects;

/**
 * Metrics and alerts: one postgres_exporter per node, connecting as the monitoring role, and one
 * Prometheus scraping them with pg-cluster's alert rules (monitoring/ in the repository).
 *
 * @param enabled               declare them at all (off: nothing of it exists)
 * @param exporterImage         pinned image of postgres_exporter ({@code /bin/postgres_exporter})
 * @param prometheusImage       pinned image of Prometheus ({@code /bin/prometheus})
 * @param port                  host port of Prometheus's UI and API; node i's exporter gets port + 1 + i
 * @param scrapeIntervalSeconds how often Prometheus scrapes and evaluates the rules
 * @param alertForSeconds       how long a node down, a standby not streaming, a slot unreserved or lost,
 *                              missing synchronous standbys last before they alert
 * @param alertLagForSeconds    the same for the thresholds (replay lag, bytes behind, slot WAL)
 * @param replayLagSeconds      replay lag above which a standby is late
 * @param bytesBehind           WAL bytes a standby may be behind in replay
 * @param slotRetainedPercent   WAL a slot may hold, in percent of max_slot_wal_keep_size
 */
public record MonitoringSettings(boolean enabled, String exporterImage, String prometheusImage, int port,
                                 int scrapeIntervalSeconds, int alertForSeconds, int alertLagForSeconds,
                                 int replayLagSeconds, long bytesBehind, int slotRetainedPercent) {
    public static final String DEFAULT_EXPORTER_IMAGE = "quay.io/prometheuscommunity/postgres-exporter:v0.17.1";
    public static final String DEFAULT_PROMETHEUS_IMAGE = "quay.io/prometheus/prometheus:v2.53.3";
    public static final int DEFAULT_PORT = 9090;
    /** Where postgres_exporter listens in its container. */
    public static final int EXPORTER_PORT = 9187;
    /** Where Prometheus listens in its container. */
    public static final int PROMETHEUS_PORT = 9090;

    public MonitoringSettings {
        Objects.requireNonNull(exporterImage);
        Objects.requireNonNull(prometheusImage);
    }

    /** The host port of node {@code index}'s exporter ({@code pg0} is 0). */
    public int exporterPort(int index) {
        return port + 1 + index;
    }

    /** Monitoring off, as in development by default. */
    public static final MonitoringSettings OFF = new MonitoringSettings(false, DEFAULT_EXPORTER_IMAGE,
            DEFAULT_PROMETHEUS_IMAGE, DEFAULT_PORT, 5, 30, 60, 30, 64L << 20, 80);
}
