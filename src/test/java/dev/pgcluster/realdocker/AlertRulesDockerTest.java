package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.cluster.MonitoringFiles;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.mode.patroni.PatroniFiles;
import dev.pgcluster.testing.TestConfigs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The alert rules under promtool (from the test image): {@code promtool check rules} and
 * {@code promtool test rules} on recorded series (monitoring/tests/), on the files exactly as the
 * program renders them for a synchronous and an asynchronous stack, and {@code promtool check
 * config} on the Prometheus config and targets it writes (the etcd targets of an {@code ha: patroni}
 * stack, and the empty list of {@code ha: none}). Also monitoring/check-rules.sh, the
 * same checks on the shell renderer's output, as a user runs them.
 */
@RequiresDocker
class AlertRulesDockerTest {

    @Test
    void theRulesTheProgramRendersPassPromtoolsChecksAndTests() throws IOException {
        ClusterConfig sync = TestConfigs.config("test", "replicas", "2", "monitoring", "true", "synchronous", "any 1");
        ClusterConfig async = TestConfigs.config("test", "replicas", "2", "monitoring", "true");
        Path work = Files.createTempDirectory("pg-cluster-rules");
        Files.createDirectories(work.resolve("sync"));
        Files.createDirectories(work.resolve("async"));
        Files.createDirectories(work.resolve("config"));
        Files.writeString(work.resolve("sync/alerts.rules.yml"), MonitoringFiles.rules(sync));
        Files.copy(Path.of("monitoring/tests/alerts.test.yml"), work.resolve("sync/alerts.test.yml"));
        Files.writeString(work.resolve("async/alerts.rules.yml"), MonitoringFiles.rules(async));
        Files.copy(Path.of("monitoring/tests/alerts-async.test.yml"), work.resolve("async/alerts-async.test.yml"));
        Files.writeString(work.resolve("config/prometheus.yml"), MonitoringFiles.prometheusConfig(sync));
        Files.writeString(work.resolve("config/alerts.rules.yml"), MonitoringFiles.rules(sync));
        Files.writeString(work.resolve("config/targets.json"), MonitoringFiles.targets(sync));
        ClusterConfig patroni = TestConfigs.read("test", Map.of("replicas", "2", "ha", "patroni", "monitoring", "true",
                "synchronous", "any 1", "pullImage", "false", "image", "pg-cluster-test/postgres:17",
                "etcdImage", "pg-cluster-test/postgres:17"));
        Files.writeString(work.resolve("config/targets-etcd.json"),
                MonitoringFiles.etcdTargets(patroni, PatroniFiles.etcdMetricsAddresses(patroni)));
        // ha: none: the same config with an empty etcd target list.
        Files.createDirectories(work.resolve("config-none"));
        Files.writeString(work.resolve("config-none/prometheus.yml"), MonitoringFiles.prometheusConfig(async));
        Files.writeString(work.resolve("config-none/alerts.rules.yml"), MonitoringFiles.rules(async));
        Files.writeString(work.resolve("config-none/targets.json"), MonitoringFiles.targets(async));
        Files.writeString(work.resolve("config-none/targets-etcd.json"), MonitoringFiles.etcdTargets(async, Map.of()));
        try (var files = Files.walk(work)) {
            files.forEach(p -> {
                try {
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        Shell.Result result = Docker.run(Duration.ofMinutes(2), null, "run", "--rm", "--network", "none", "--user", "65534:65534",
                "--label", Docker.TEST_LABEL + "=1", "-v", work + ":/w:ro", "-w", "/w", "--entrypoint", "sh", TestImage.reference(), "-c",
                "set -eu; promtool check rules sync/alerts.rules.yml async/alerts.rules.yml; "
                        + "(cd sync && promtool test rules alerts.test.yml); (cd async && promtool test rules alerts-async.test.yml); "
                        + "promtool check config config/prometheus.yml; promtool check config config-none/prometheus.yml");
        System.out.println("promtool: " + result.stdout().strip().replace('\n', ' '));
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertTrue(result.stdout().contains("SUCCESS"), result.stdout());
    }

    @Test
    void checkRulesShPassesAsAUserRunsIt() {
        Shell.Result result = Shell.run(java.util.List.of("sh", "monitoring/check-rules.sh"),
                Map.of("PG_CLUSTER_TEST_IMAGE", TestImage.reference()), null, Duration.ofMinutes(2));
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertTrue(result.stderr().contains("all checks passed"), result.stderr());
    }
}
