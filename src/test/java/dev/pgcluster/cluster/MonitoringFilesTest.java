package dev.pgcluster.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.mode.patroni.PatroniFiles;
import dev.pgcluster.testing.TestConfigs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The monitoring files the program renders from the templates under monitoring/. */
class MonitoringFilesTest {

    /** monitoring/defaults.env (render.sh, the promtool tests) and config's defaults are one set. */
    @Test
    void configDefaultsAreTheTemplatesDefaults() throws IOException {
        var defaults = new LinkedHashMap<String, String>();
        for (String line : Files.readAllLines(Path.of("monitoring", "defaults.env"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                defaults.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        assertEquals(defaults, MonitoringFiles.values(TestConfigs.config("test", "monitoring", "true")));
    }

    @Test
    void thresholdsFromConfigReachTheRules() {
        ClusterConfig config = TestConfigs.config("test", "replicas", "2", "synchronous", "any 1", "monitoring", "true",
                "alertForSeconds", "12", "alertLagForSeconds", "40", "alertReplayLagSeconds", "7", "alertBytesBehind", "16MB",
                "alertSlotRetainedPercent", "55", "scrapeIntervalSeconds", "2");
        String rules = MonitoringFiles.rules(config);
        assertFalse(rules.matches("(?s).*\\{\\{[A-Z][A-Z0-9_]*}}.*"), "no placeholder left");
        assertTrue(rules.contains("for: 12s"), "DOWN_FOR");
        assertTrue(rules.contains("for: 40s"), "LAG_FOR");
        assertTrue(rules.contains("> 7"), "replay lag");
        assertTrue(rules.contains(String.valueOf(16L << 20)), "bytes behind");
        assertTrue(rules.contains("55"), "slot percent");
        assertTrue(rules.contains("< 1"), "ANY 1: fewer than one synchronous standby alerts");
        assertTrue(rules.contains("{{ $labels.node }}"), "Prometheus's own templates stay");
        assertTrue(MonitoringFiles.prometheusConfig(config).contains("scrape_interval: 2s"));
    }

    @Test
    void anAsynchronousClusterCanNeverMissASynchronousStandby() {
        assertEquals("0", MonitoringFiles.values(TestConfigs.config("test", "replicas", "2", "monitoring", "true")).get("SYNC_STANDBYS"));
    }

    @Test
    void prometheusFindsEveryNodesExporterByItsAliasWithClusterAndNodeLabels() {
        var targets = JsonParser.parseString(MonitoringFiles.targets(TestConfigs.config("test", "replicas", "2"))).getAsJsonArray();
        assertEquals(3, targets.size());
        for (int i = 0; i < 3; i++) {
            var entry = targets.get(i).getAsJsonObject();
            assertEquals("pg" + i + "-exporter:9187", entry.getAsJsonArray("targets").get(0).getAsString());
            assertEquals("pg-cluster-test", entry.getAsJsonObject("labels").get("cluster").getAsString());
            assertEquals("pg" + i, entry.getAsJsonObject("labels").get("node").getAsString());
        }
    }

    @Test
    void prometheusFindsEveryEtcdMemberWithClusterAndMemberLabels() {
        ClusterConfig config = TestConfigs.read("test", Map.of("replicas", "2", "ha", "patroni", "dcsMembers", "5",
                "image", "pg-cluster-test/postgres:17", "monitoring", "true"));
        var targets = JsonParser.parseString(MonitoringFiles.etcdTargets(config,
                PatroniFiles.etcdMetricsAddresses(config))).getAsJsonArray();
        assertEquals(5, targets.size());
        for (int i = 0; i < 5; i++) {
            var entry = targets.get(i).getAsJsonObject();
            assertEquals("etcd" + i + ":2381", entry.getAsJsonArray("targets").get(0).getAsString());
            assertEquals("pg-cluster-test", entry.getAsJsonObject("labels").get("cluster").getAsString());
            assertEquals("etcd" + i, entry.getAsJsonObject("labels").get("member").getAsString());
        }
    }

    /** ha: none: the etcd job stays in prometheus.yml with no target, so its alert can never fire. */
    @Test
    void withoutADcsTheEtcdTargetsAreAnEmptyList() {
        assertEquals("[]\n", MonitoringFiles.etcdTargets(TestConfigs.config("test", "monitoring", "true"), Map.of()));
    }

    /** Every job the rules name is a job of prometheus.yml, reading a file the program writes. */
    @Test
    void theJobsTheRulesNameAreThoseThePrometheusConfigScrapes() {
        ClusterConfig config = TestConfigs.config("test", "replicas", "2", "monitoring", "true");
        String prometheus = MonitoringFiles.prometheusConfig(config);
        Matcher jobs = Pattern.compile("job=\"([^\"]+)\"").matcher(MonitoringFiles.rules(config));
        var named = new TreeSet<String>();
        while (jobs.find()) {
            named.add(jobs.group(1));
        }
        assertEquals(Set.of("pg-cluster-exporter", "pg-cluster-etcd"), named);
        for (String job : named) {
            assertTrue(prometheus.contains("- job_name: " + job + "\n"), job);
        }
        for (String file : List.of(MonitoringFiles.TARGETS, MonitoringFiles.ETCD_TARGETS)) {
            assertTrue(prometheus.contains("          - " + file + "\n"), file);
        }
    }

    @Test
    void aPlaceholderWithoutAValueIsABugNotASilentBlank() {
        var e = assertThrows(IllegalStateException.class, () -> MonitoringFiles.render("for: {{NOPE}}", Map.of()));
        assertTrue(e.getMessage().contains("{{NOPE}}"));
        assertEquals("{{ $labels.node }} 5s", MonitoringFiles.render("{{ $labels.node }} {{X}}", Map.of("X", "5s")));
    }
}
