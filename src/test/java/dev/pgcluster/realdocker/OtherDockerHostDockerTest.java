package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A second Docker engine, version 26 or newer as users run (Debian 12's is 20.10), named by
 * {@code PG_CLUSTER_DOCKER26_HOST} ({@code tools/docker26/start.sh} starts one; CI always does):
 * nodes placed there with {@code dockerHost} have their containers and their command steps on
 * that engine, and a second run changes nothing there either. And a docker context selected for
 * the CLI does not send the steps of a default-host stack to another engine than its containers.
 */
@RequiresDocker
class OtherDockerHostDockerTest {
    private static final String HOST = System.getenv("PG_CLUSTER_DOCKER26_HOST");

    @BeforeAll
    static void requireSecondEngine() {
        if (HOST == null || HOST.isBlank()) {
            String missing = "PG_CLUSTER_DOCKER26_HOST is not set: no Docker >= 26 engine to test against (start one:"
                    + " export PG_CLUSTER_DOCKER26_HOST=$(sh tools/docker26/start.sh | tail -n 1))";
            if (RequiresDocker.Gate.skipped()) {
                Assumptions.abort("real-engine tests SKIPPED (-D" + RequiresDocker.SKIP_PROPERTY + "=true): " + missing);
            }
            throw RequiresDocker.Gate.missing(missing);
        }
        int major = Integer.parseInt(Docker.okAt(HOST, "version", "--format", "{{.Server.Version}}").split("\\.")[0]);
        assertTrue(major >= 26, "the second engine is Docker " + major);
        if (!Docker.run("--host", HOST, "image", "inspect", TestImage.reference()).ok()) {
            Shell.run(List.of("sh", "-c", "docker save \"$IMAGE\" | docker --host \"$HOST\" load"),
                    Map.of("IMAGE", TestImage.reference(), "HOST", HOST), null, Duration.ofMinutes(5))
                    .orThrow("copying the test image to " + HOST);
        }
    }

    @Test
    void nodesAndTheirStepsLandOnTheConfiguredHostAndASecondRunChangesNothingThere() {
        try (var cluster = RealCluster.up("other-host", RealCluster.testConfig(1, "dockerHost", HOST))) {
            for (String container : List.of(cluster.primary(), cluster.replicas().get(0))) {
                assertEquals("running", Docker.okAt(HOST, "inspect", "--format", "{{.State.Status}}", container));
                assertFalse(Docker.exists("container", container), container + " is not on the default engine");
            }
            assertEquals("bridge", Docker.okAt(HOST, "inspect", "--format", "{{.HostConfig.NetworkMode}}", cluster.primary()),
                    "Docker 26+ reports the default network mode as bridge");
            Sql.execute(cluster.output("primaryJdbcUrl"), "CREATE TABLE here AS SELECT 1 AS one");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!"1".equals(Docker.run("--host", HOST, "exec", "-u", "postgres", cluster.replicas().get(0), "psql",
                    "-XAtc", "SELECT count(*) FROM here").stdout().strip())) {
                assertTrue(System.nanoTime() < deadline, "the replica on " + HOST + " never showed the row");
                Docker.sleep(Duration.ofMillis(250));
            }
            assertEquals("pg1:streaming", Docker.psqlAt(HOST, cluster.primary(),
                    "SELECT application_name || ':' || state FROM pg_stat_replication"));
            ClusterChecks.assertIdempotent(cluster.stack());
        }
    }

    @Test
    void aSelectedDockerContextDoesNotSendTheStepsToAnotherEngine() throws IOException {
        Path dockerConfig = Files.createTempDirectory("pg-cluster-docker-config");
        try {
            // `docker context use`, in a docker config directory of the test's own.
            Map<String, String> env = Map.of("DOCKER_CONFIG", dockerConfig.toString());
            Shell.run(List.of("docker", "context", "create", "second-engine", "--docker", "host=" + HOST), env, null,
                    Duration.ofSeconds(30)).orThrow("docker context create");
            Shell.run(List.of("docker", "context", "use", "second-engine"), env, null, Duration.ofSeconds(30))
                    .orThrow("docker context use");
            assertEquals(Docker.okAt(HOST, "info", "--format", "{{.ID}}"), Shell.run(List.of("docker", "info", "--format",
                    "{{.ID}}"), env, null, Duration.ofSeconds(30)).stdout().strip(), "the docker CLI now talks to the second engine");
            var values = RealCluster.testConfig(1);
            var stack = EngineStack.create(Docker.TEST_STACK_PREFIX + "context", values, env);
            try {
                stack.up();
                String primary = "pg-cluster-" + stack.name() + "-pg0";
                assertEquals("pg1:streaming", Docker.psql(primary,
                        "SELECT application_name || ':' || state FROM pg_stat_replication"));
                assertEquals("", Docker.okAt(HOST, "ps", "-aq", "--filter", "label=pg-cluster.stack=" + stack.name()),
                        "nothing of the stack on the context's engine");
            } finally {
                stack.close();
            }
        } finally {
            deleteRecursively(dockerConfig);
        }
    }

    private static void deleteRecursively(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
