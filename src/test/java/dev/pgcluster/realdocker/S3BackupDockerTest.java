package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.backup.BackupFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * README, "Backups and recovery" (issue 23, test 4): {@code backupStorage: s3} against a real
 * S3-compatible server ({@link S3Server}, over TLS with a private CA): the cluster archives into
 * the bucket and the repository container takes its first full backup there, every object
 * encrypted; the keys reach no container setting, log or node; wrong keys stop the run with a
 * message that names them, and the right ones again bring the repository back; after a destroy
 * the same stack restores itself from the bucket and archives on into its stanza. One source stack
 * for every assertion.
 */
@RequiresDocker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class S3BackupDockerTest {
    private S3Server s3;
    private RealCluster cluster;
    private final List<String> volumes = new ArrayList<>();

    @BeforeAll
    void up() {
        s3 = S3Server.start("s3");
        // The longest archive_timeout: the rows written right before the destroy (test 4) reach the
        // archive only through the final archive, never through a timed switch.
        var values = new HashMap<>(RealCluster.testConfig(0, "backup", "true", "archiveTimeoutSeconds", "3600"));
        values.putAll(s3.stackConfig());
        cluster = RealCluster.up("s3backup", values);
        volumes.add(BackupFiles.repositoryConfigVolume(cluster.config()));
    }

    @AfterAll
    void down() {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            volumes.forEach(v -> Docker.run("volume", "rm", "-f", v));
            if (s3 != null) {
                s3.close();
            }
        }
    }

    private String repository() {
        return BackupFiles.repositoryContainer(cluster.config());
    }

    private String info() {
        var info = Docker.run(Duration.ofMinutes(2), null, "exec", repository(), "pgbackrest",
                "--config-path=" + BackupFiles.REPOSITORY_CONFIG_PATH, "--stanza=" + BackupFiles.stanza(cluster.config()),
                "info");
        assertEquals(0, info.exitCode(), info.stdout() + info.stderr());
        return info.stdout();
    }

    /** The files of the bucket below {@code part} (archive or backup) of the stanza. */
    private List<Path> objects(String part) {
        Path root = s3.bucket().resolve("pgbackrest").resolve(part).resolve(BackupFiles.stanza(cluster.config()));
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    @Order(1)
    void archivesIntoTheBucketAndTakesTheFirstFullBackupThere() throws IOException {
        String stanzaStep = cluster.command(cluster.config().namePrefix() + "-backup-stanza").outputs()
                .get("stdout").getAsString();
        assertTrue(stanzaStep.startsWith("stanza " + BackupFiles.stanza(cluster.config()) + ": archiving checked"),
                stanzaStep);
        assertFalse(Docker.exists("volume", BackupFiles.repositoryVolume(cluster.config())),
                "no repository volume: the repository is the bucket");
        Sql.awaitResult(() -> info(), text -> text.contains("full backup: "), Duration.ofMinutes(3));
        String text = info();
        assertTrue(text.contains("status: ok") && text.contains("cipher: aes-256-cbc"), text);
        List<Path> archived = objects("archive");
        List<Path> backedUp = objects("backup");
        assertTrue(archived.stream().anyMatch(p -> p.getFileName().toString().endsWith(".zst")), "WAL in the bucket: " + archived);
        assertTrue(backedUp.stream().anyMatch(p -> p.toString().contains("F/")), "a full backup in the bucket: " + backedUp);
        for (Path object : Stream.concat(archived.stream(), backedUp.stream()).toList()) {
            byte[] head = Files.readAllBytes(object);
            assertEquals("Salted__", new String(head, 0, Math.min(8, head.length), java.nio.charset.StandardCharsets.ISO_8859_1),
                    "an encrypted object: " + object);
        }
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    @Test
    @Order(2)
    void theKeysAreInNoContainerSettingLogOrNodeFile() {
        var containers = Docker.lines(Docker.ok("ps", "-aq", "--filter", "label=pg-cluster.stack=" + cluster.config().stack()));
        assertFalse(containers.isEmpty());
        for (String id : containers) {
            String inspect = Docker.ok("inspect", id);
            var logs = Docker.run("logs", id);
            for (String secret : List.of(s3.accessKey(), s3.secretKey())) {
                assertFalse(inspect.contains(secret), "an S3 key in docker inspect of " + id);
                assertFalse((logs.stdout() + logs.stderr()).contains(secret), "an S3 key in docker logs of " + id);
            }
        }
        var grep = Docker.run("exec", "-u", "postgres", cluster.container("pg0"), "grep", "-rF", s3.secretKey(),
                dev.pgcluster.cluster.PostgresNode.CONF_DIR);
        assertEquals(1, grep.exitCode(), "no file of the node's conf holds the secret key");
        var logFiles = Docker.run("exec", repository(), "grep", "-rF", s3.secretKey(), BackupFiles.REPOSITORY_CONFIG_PATH + "/log");
        assertEquals(1, logFiles.exitCode(), "no log file of pgBackRest holds it");
        assertEquals("600 postgres", Docker.ok("exec", repository(), "stat", "-c", "%a %U",
                BackupFiles.REPOSITORY_CONFIG_PATH + "/conf.d/secrets.conf").strip());
        assertFalse(cluster.stack().withoutSecrets().contains(s3.secretKey()), "the secret key is only a secret in state");
    }

    /**
     * Keys changed in config reach the repository (its container is replaced: pgBackRest read the
     * old ones): a wrong secret key stops the run at the stanza step, naming the keys; the right
     * one brings archiving back.
     */
    @Test
    @Order(3)
    void wrongKeysStopTheRunNamingThemAndTheRightOnesBringArchivingBack() {
        String before = Docker.inspect(repository(), "{{.Id}}");
        cluster.stack().setConfig(Map.of("backupS3SecretKey", s3.secretKey().substring(1) + "x"));
        var failure = assertThrows(EngineStack.EngineFailure.class, () -> cluster.stack().up());
        assertTrue(failure.getMessage().contains("pg-cluster:backupS3AccessKey"), failure.getMessage());
        assertNotEquals(before, Docker.inspect(repository(), "{{.Id}}"), "the repository container was replaced");
        cluster.stack().setConfig(Map.of("backupS3SecretKey", s3.secretKey()));
        cluster.stack().up();
        String primary = cluster.container("pg0");
        String segment = Docker.psql(primary, "SELECT pg_walfile_name(pg_current_wal_lsn())");
        Docker.psql(primary, "SELECT pg_switch_wal()");
        Sql.awaitPsql(primary, "SELECT last_archived_wal >= '" + segment + "' FROM pg_stat_archiver", "t"::equals,
                Duration.ofSeconds(60));
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * {@code pulumi destroy} of the source, then the same stack restored from what it leaves: the
     * bucket and the retained config volume (passphrase, keys). The rows written last were never in a
     * finished WAL segment: the final-archive step, deleted first, had the primary switch and waited for
     * the segment, so the restore has them.
     */
    @Test
    @Order(4)
    void afterADestroyTheSameStackRestoresEverythingFromTheBucketAndArchivesOn() {
        String prefix = cluster.config().namePrefix();
        Sql.execute(cluster.anyPrimaryJdbcUrl(), "CREATE TABLE kept AS SELECT g AS id FROM generate_series(1, 700) g");
        cluster.destroy();
        String destroyed = cluster.lastDestroy().stderr() + cluster.lastDestroy().stdout();
        assertTrue(destroyed.contains("stanza " + prefix + ": the WAL written until now is archived"), destroyed);
        assertTrue(Docker.exists("volume", BackupFiles.repositoryConfigVolume(cluster.config())), "the config volume is kept");
        // The same stack again (README: the same stack after destroy), a standby added, backups on:
        // it restores from its own retained config volume and bucket and goes on archiving into
        // the same stanza, on a new timeline.
        var values = new HashMap<>(RealCluster.testConfig(1, "backup", "true", "archiveTimeoutSeconds", "3600",
                "restoreFrom", prefix));
        values.putAll(s3.stackConfig());
        try (var restored = RealCluster.up("s3backup", values)) {
            String seeded = restored.command(restored.step("pg0", "seed")).outputs().get("stdout").getAsString();
            assertTrue(seeded.startsWith("pg0 restored "), seeded);
            assertEquals("700", Docker.psql(restored.container("pg0"), "SELECT count(*) FROM kept"),
                    "every row written before the destroy");
            ClusterChecks.awaitAllStreaming(restored, Duration.ofSeconds(60));
            String stanzaStep = restored.command(prefix + "-backup-stanza").outputs().get("stdout").getAsString();
            assertTrue(stanzaStep.startsWith("stanza " + BackupFiles.stanza(restored.config()) + ": archiving checked"),
                    "the restored cluster archives into the same stanza: " + stanzaStep);
            assertTrue(objects("archive").stream().anyMatch(p -> p.getFileName().toString().startsWith("00000002.history")),
                    "its new timeline's history is in the bucket");
        }
    }
}
