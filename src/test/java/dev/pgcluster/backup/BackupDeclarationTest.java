package dev.pgcluster.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.cluster.Labels;
import dev.pgcluster.command.Command;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.testing.DeclaredResource;
import dev.pgcluster.testing.DeclaredStack;
import dev.pgcluster.testing.TestConfigs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code backup: true} declares (README: Backups and recovery), without Docker. */
class BackupDeclarationTest {
    private static final String CONTAINER = "docker:index/container:Container";
    private static final String VOLUME = "docker:index/volume:Volume";
    private static final String PASSPHRASE = "backup-passphrase-for-tests-0123456789";

    private static ClusterConfig config(String... extra) {
        var values = new java.util.ArrayList<>(List.of("replicas", "1", "pullImage", "false",
                "image", "pg-cluster-test/postgres:17", "backup", "true", "backupPassphrase", PASSPHRASE));
        values.addAll(List.of(extra));
        return TestConfigs.config("test", values.toArray(String[]::new));
    }

    private static DeclaredResource named(DeclaredStack stack, String type, String name) {
        return stack.find(r -> r.type().equals(type) && r.name().equals(name), "no " + type + " " + name);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> labels(DeclaredResource container) {
        var labels = new LinkedHashMap<String, String>();
        ((List<Map<String, Object>>) container.input("labels")).forEach(l ->
                labels.put((String) l.get("label"), (String) l.get("value")));
        return labels;
    }

    @SuppressWarnings("unchecked")
    private static List<String> list(DeclaredResource resource, String input) {
        return (List<String>) resource.input(input);
    }

    @Test
    void aRepositoryOnItsOwnRetainedVolumesASidecarPerNodeAndTheStanzaStepAfterTheNodes() {
        ClusterConfig config = config();
        DeclaredStack stack = DeclaredStack.of(config);
        for (String volume : List.of("pg-cluster-test-backup-repo", "pg-cluster-test-backup-conf")) {
            DeclaredResource declared = named(stack, VOLUME, volume);
            assertTrue(declared.retainOnDelete(), volume + " is kept on destroy");
            assertEquals(volume, declared.input("name"));
        }
        DeclaredResource repository = named(stack, CONTAINER, "pg-cluster-test-backup");
        assertEquals("postgres", repository.input("user"));
        assertEquals(true, repository.input("readOnly"));
        assertEquals(List.of("sh"), list(repository, "entrypoints"));
        assertTrue(list(repository, "envs").contains("PGC_STANZA=pg-cluster-test"));
        assertTrue(list(repository, "envs").contains("PGC_FULL_SECONDS=" + 168 * 3600));
        for (String node : List.of("pg0", "pg1")) {
            DeclaredResource sidecar = named(stack, CONTAINER, "pg-cluster-test-" + node + "-backup");
            assertEquals("postgres", sidecar.input("user"));
            assertEquals(true, sidecar.input("readOnly"));
            assertEquals(List.of("--config-path=" + BackupFiles.NODE_CONFIG_PATH, "server"), list(sidecar, "command"));
            // Not a node: the probe, converge.sh and ops/status.sh list nodes by these labels.
            assertFalse(labels(sidecar).containsKey(Labels.NODE), "a sidecar carries no node label");
            assertFalse(labels(sidecar).containsKey(Labels.SEED), "a sidecar carries no seed label");
            assertEquals(node, labels(sidecar).get(BackupFiles.LABEL_SERVES));
            @SuppressWarnings("unchecked")
            var volumes = (List<Map<String, Object>>) sidecar.input("volumes");
            assertEquals("pg-cluster-test-" + node + "-data", volumes.get(0).get("volumeName"));
            assertTrue(sidecar.dependsOn().contains("pg-cluster-test-backup-" + node + "-files"), sidecar.dependsOn().toString());
        }
        DeclaredResource stanza = named(stack, Command.TYPE, "pg-cluster-test-backup-stanza");
        for (String after : List.of("pg-cluster-test-backup", "pg-cluster-test-pg0-backup", "pg-cluster-test-pg1-backup",
                "pg-cluster-test-passwords", "pg-cluster-test-pg0-ready", "pg-cluster-test-pg1-ready")) {
            assertTrue(stanza.dependsOn().contains(after), "the stanza step waits for " + after + ": " + stanza.dependsOn());
        }
        assertEquals(BackupFiles.backupCommand(config, "full"), stack.outputValue("backupCommand"));
        assertEquals("docker exec pg-cluster-test-backup pgbackrest --config-path=/var/lib/pgbackrest-conf "
                + "--stanza=pg-cluster-test backup --type=full", stack.outputValue("backupCommand"));
    }

    @Test
    void everyNodeArchivesThroughPgBackRestAndOffersItsSocketOnTheVolume() {
        DeclaredStack stack = DeclaredStack.of(config("archiveTimeoutSeconds", "30"));
        for (String node : List.of("pg0", "pg1")) {
            List<String> command = list(named(stack, CONTAINER, "pg-cluster-test-" + node), "command");
            assertTrue(command.contains("archive_mode=on"), command.toString());
            assertTrue(command.contains("archive_command=pgbackrest --config-path=/var/lib/postgresql/data/conf/pgbackrest "
                    + "--stanza=pg-cluster-test archive-push %p"), command.toString());
            assertTrue(command.contains("archive_timeout=30s"), command.toString());
            assertTrue(command.contains("unix_socket_directories=/var/run/postgresql,/var/lib/postgresql/data/conf"),
                    command.toString());
        }
    }

    @Test
    void withBackupsOffNothingOfThemIsDeclaredAndNothingArchives() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "1"));
        assertTrue(stack.names().stream().noneMatch(n -> n.contains("backup")), stack.names().toString());
        List<String> command = list(named(stack, CONTAINER, "pg-cluster-test-pg0"), "command");
        assertTrue(command.stream().noneMatch(a -> a.startsWith("archive_")), command.toString());
        assertFalse(stack.hasOutput("backupPassphrase"));
    }

    @Test
    void thePassphraseTravelsOnlyAsASecretAndOnlyToTheRepository() {
        DeclaredStack stack = DeclaredStack.of(config());
        for (DeclaredResource resource : stack.resources()) {
            for (String plain : resource.stringsOutsideSecrets()) {
                assertFalse(plain.contains(PASSPHRASE), resource.name() + " has the passphrase outside a secret");
            }
        }
        assertTrue(stack.outputIsSecret("backupPassphrase"));
        assertEquals(PASSPHRASE, stack.outputValue("backupPassphrase"));
        DeclaredResource repositoryFiles = named(stack, Command.TYPE, "pg-cluster-test-backup-files");
        assertTrue(repositoryFiles.inputIsSecret("stdin"));
        assertTrue(((String) repositoryFiles.input("stdin")).startsWith(PASSPHRASE + "\n"));
        for (String node : List.of("pg0", "pg1")) {
            DeclaredResource files = named(stack, Command.TYPE, "pg-cluster-test-backup-" + node + "-files");
            assertFalse(((String) files.input("stdin")).contains(PASSPHRASE), "a node never gets the passphrase");
        }
    }

    @Test
    void nodesHoldNoCipherSettingAndTheRepositoryAuthorizesEachNodeForTheStanzaOnly() {
        ClusterConfig config = config("replicas", "2");
        String node = BackupFiles.nodeConfig(config, "pg1");
        assertTrue(node.lines().filter(l -> !l.startsWith("#")).noneMatch(l -> l.contains("cipher")), node);
        assertTrue(node.contains("\ntls-server-auth=pg-cluster-test-backup=pg-cluster-test\n"), node);
        assertTrue(node.contains("\nrepo1-host-config-path=/var/lib/pgbackrest-conf\n"), node);
        String repository = BackupFiles.repositoryConfig(config);
        for (String name : List.of("pg0", "pg1", "pg2")) {
            assertTrue(repository.contains("\ntls-server-auth=pg-cluster-test-" + name + "=pg-cluster-test\n"), repository);
        }
        assertTrue(repository.contains("\npg3-host=pg-cluster-test-pg2-backup\n"), repository);
        assertTrue(repository.contains("\nbackup-standby=prefer\n"), repository);
        assertTrue(repository.contains("\nrepo1-cipher-type=aes-256-cbc\n"), repository);
        assertFalse(repository.contains("cipher-pass"), "the passphrase is in conf.d/secrets.conf only");
        assertTrue(BackupFiles.repositoryConfig(config("replicas", "0")).contains("\nbackup-standby=n\n"));
    }

    /**
     * Destroy order (README: Destroy): every node's container starts after the repository
     * container, so it stops first; the final-archive step goes before the nodes, their sidecars
     * and the repository, and its environment names the repository literally (an output of it
     * would make a repository replaced during an up replace the step, and run its delete).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"none", "patroni"})
    void theNodesStopBeforeTheRepositoryAndTheFinalArchiveGoesFirst(String ha) {
        DeclaredStack stack = DeclaredStack.of(ha.equals("none") ? config()
                : config("ha", "patroni", "etcdImage", "pg-cluster-test/postgres:17"));
        for (String node : List.of("pg0", "pg1")) {
            assertTrue(named(stack, CONTAINER, "pg-cluster-test-" + node).dependsOn().contains("pg-cluster-test-backup"),
                    node + "'s container starts after the repository (" + ha + ")");
        }
        DeclaredResource last = named(stack, Command.TYPE, "pg-cluster-test-backup-final-archive");
        for (String before : List.of("pg-cluster-test-backup", "pg-cluster-test-pg0-backup", "pg-cluster-test-pg1-backup")) {
            assertTrue(last.dependsOn().contains(before), "the final archive goes before " + before + ": " + last.dependsOn());
        }
        assertTrue(last.dependsOn().stream().anyMatch(d -> d.startsWith("pg-cluster-test-pg0") && d.endsWith("-ready")),
                last.dependsOn().toString());
        @SuppressWarnings("unchecked")
        var env = (Map<String, Object>) last.input("environment");
        assertEquals("pg-cluster-test-backup", env.get("PGC_REPOSITORY_CONTAINER"));
        assertEquals(List.of(), last.secretInputs(), "nothing secret reaches it");
        assertTrue(((String) last.input("delete")).contains("check"), "its delete archives the last WAL");
    }

    private static final String S3_KEY = "AKIATESTKEY000000000";
    private static final String S3_SECRET = "s3-secret-key-for-tests/0123456789abcdef";
    private static final String S3_CA = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----";

    private static ClusterConfig s3Config(String... extra) {
        var values = new java.util.ArrayList<>(List.of("backupStorage", "s3", "backupS3Endpoint", "minio.internal:9000",
                "backupS3Bucket", "acme-backups", "backupS3UriStyle", "path", "backupS3AccessKey", S3_KEY,
                "backupS3SecretKey", S3_SECRET));
        values.addAll(List.of(extra));
        return config(values.toArray(String[]::new));
    }

    @Test
    void anS3RepositoryHasNoRepositoryVolumeAndItsSettingsInTheRepositoryConfig() {
        ClusterConfig config = s3Config("backupS3CaCertificate", S3_CA, "backupS3Path", "/clusters/prod");
        DeclaredStack stack = DeclaredStack.of(config);
        assertTrue(stack.names().stream().noneMatch(n -> n.equals("pg-cluster-test-backup-repo")), stack.names().toString());
        DeclaredResource configVolume = named(stack, VOLUME, "pg-cluster-test-backup-conf");
        assertTrue(configVolume.retainOnDelete(), "the config volume (passphrase, keys) is kept on destroy");
        @SuppressWarnings("unchecked")
        var mounts = (List<Map<String, Object>>) named(stack, CONTAINER, "pg-cluster-test-backup").input("volumes");
        assertEquals(List.of(BackupFiles.REPOSITORY_CONFIG_PATH), mounts.stream().map(m -> m.get("containerPath")).toList());
        String repository = BackupFiles.repositoryConfig(config);
        for (String line : List.of("repo1-type=s3", "repo1-path=/clusters/prod", "repo1-s3-endpoint=minio.internal",
                "repo1-storage-port=9000", "repo1-s3-bucket=acme-backups", "repo1-s3-region=us-east-1",
                "repo1-s3-uri-style=path", "repo1-storage-verify-tls=y", "repo1-storage-ca-file=" + BackupFiles.S3_CA,
                "repo1-cipher-type=aes-256-cbc")) {
            assertTrue(repository.contains("\n" + line + "\n"), line + " in\n" + repository);
        }
        assertFalse(repository.contains(BackupFiles.REPOSITORY_PATH + "/repo1"), repository);
        @SuppressWarnings("unchecked")
        var env = (Map<String, Object>) named(stack, Command.TYPE, "pg-cluster-test-backup-files").input("environment");
        assertEquals(S3_CA, env.get("PGC_S3_CA"));
        assertFalse(env.containsKey("PGC_REPOSITORY_VOLUME"), env.keySet().toString());
        assertFalse(BackupFiles.repositoryConfig(s3Config()).contains("repo1-storage-ca-file"),
                "without a CA certificate: the image's system CAs");
    }

    @Test
    void theS3KeysTravelOnlyAsSecretsAndOnlyToTheRepository() {
        DeclaredStack stack = DeclaredStack.of(s3Config());
        for (DeclaredResource resource : stack.resources()) {
            for (String plain : resource.stringsOutsideSecrets()) {
                assertFalse(plain.contains(S3_SECRET) || plain.contains(S3_KEY), resource.name() + " has an S3 key outside a secret");
            }
        }
        DeclaredResource repositoryFiles = named(stack, Command.TYPE, "pg-cluster-test-backup-files");
        assertTrue(repositoryFiles.inputIsSecret("stdin"));
        assertTrue(((String) repositoryFiles.input("stdin")).startsWith(PASSPHRASE + "\n" + S3_KEY + "\n" + S3_SECRET + "\n"));
        for (String node : List.of("pg0", "pg1")) {
            String stdin = (String) named(stack, Command.TYPE, "pg-cluster-test-backup-" + node + "-files").input("stdin");
            assertTrue(stdin.startsWith("\n\n\n-----BEGIN"), "a node gets no repository secret");
        }
        assertTrue(BackupFiles.nodeConfig(s3Config(), "pg0").lines().noneMatch(l -> l.startsWith("repo1-s3")),
                "the nodes reach the store only through the repository");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "2026-01-07 09:00:00+00|2026-01-07 09:00:00.000000+00",
            "2026-01-07T09:00:00Z|2026-01-07 09:00:00.000000+00",
            "2026-01-07T09:00:00+05:30|2026-01-07 03:30:00.000000+00",
            "2026-01-07 04:00:00-05|2026-01-07 09:00:00.000000+00",
            "2026-01-07 09:00:00.123456+00|2026-01-07 09:00:00.123456+00"})
    void aTimeTargetIsGivenToPgBackRestInUtcWithMicroseconds(String given, String utc) {
        ClusterConfig config = TestConfigs.config("test", "replicas", "1", "restoreFrom", "pg-cluster-prod",
                "restoreTarget", given);
        assertEquals(new dev.pgcluster.config.RestoreSettings("pg-cluster-prod", "time", utc), config.restore().orElseThrow());
    }

    @Test
    void aRestoreFillsOnlyThePrimarysSeedFromTheSourcesVolumes() {
        DeclaredStack stack = DeclaredStack.of(TestConfigs.config("test", "replicas", "1", "restoreFrom", "pg-cluster-prod",
                "restoreTarget", "name:before-migration"));
        @SuppressWarnings("unchecked")
        var primary = (Map<String, Object>) named(stack, Command.TYPE, "pg-cluster-test-pg0-seed").input("environment");
        assertEquals("pg-cluster-prod-backup-repo", primary.get("PGC_RESTORE_REPOSITORY_VOLUME"));
        assertEquals("pg-cluster-prod-backup-conf", primary.get("PGC_RESTORE_CONFIG_VOLUME"));
        assertEquals("pg-cluster-prod", primary.get("PGC_RESTORE_STANZA"));
        assertEquals("name", primary.get("PGC_RESTORE_TYPE"));
        assertEquals("before-migration", primary.get("PGC_RESTORE_TARGET"));
        @SuppressWarnings("unchecked")
        var standby = (Map<String, Object>) named(stack, Command.TYPE, "pg-cluster-test-pg1-seed").input("environment");
        assertTrue(standby.keySet().stream().noneMatch(k -> k.startsWith("PGC_RESTORE_")), standby.keySet().toString());
        assertEquals(java.util.Optional.empty(), TestConfigs.config("test", "replicas", "1").restore());
        assertEquals(new dev.pgcluster.config.RestoreSettings("pg-cluster-prod", "default", ""), TestConfigs.config("test",
                "replicas", "1", "restoreFrom", "pg-cluster-prod").restore().orElseThrow());
    }
}
