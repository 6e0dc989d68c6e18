package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.backup.BackupFiles;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * README, "Backups and recovery" (issue 23, tests 1 and 3 for {@code ha: none}): with
 * {@code backup: true} a real cluster archives from its first minute into an encrypted
 * pgBackRest repository of its own, the repository container takes the first full backup by
 * itself, the documented command takes more, and after a switchover the new primary archives into
 * the same stanza with no gap. One stack for every assertion.
 */
@RequiresDocker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackupDockerTest {
    private RealCluster cluster;
    private final List<String> repositoryVolumes = new ArrayList<>();

    @BeforeAll
    void up() {
        cluster = RealCluster.up("backup", RealCluster.testConfig(1, "backup", "true", "archiveTimeoutSeconds", "10",
                "monitoring", "true"));
        repositoryVolumes.add(BackupFiles.repositoryVolume(cluster.config()));
        repositoryVolumes.add(BackupFiles.repositoryConfigVolume(cluster.config()));
    }

    @AfterAll
    void down() {
        try {
            if (cluster != null) {
                cluster.close();
                // Kept on destroy (backupRetainRepository defaults to true): the test made them.
                for (String volume : repositoryVolumes) {
                    assertTrue(Docker.exists("volume", volume), volume + " survives destroy");
                }
            }
        } finally {
            repositoryVolumes.forEach(v -> Docker.run("volume", "rm", "-f", v));
        }
    }

    private String repository() {
        return BackupFiles.repositoryContainer(cluster.config());
    }

    /** pgBackRest in the repository container, as README's commands run it. */
    private Shell.Result pgbackrest(String... args) {
        var all = new ArrayList<>(List.of("exec", repository(), "pgbackrest",
                "--config-path=" + BackupFiles.REPOSITORY_CONFIG_PATH, "--stanza=" + BackupFiles.stanza(cluster.config())));
        all.addAll(List.of(args));
        return Docker.run(Duration.ofMinutes(5), null, all.toArray(String[]::new));
    }

    private String info() {
        var info = pgbackrest("info");
        assertEquals(0, info.exitCode(), info.stdout() + info.stderr());
        return info.stdout();
    }

    /** Labels of the backups in the repository, oldest first, e.g. "20261207-090000F". */
    private List<String> backups() {
        return Docker.lines(info()).stream().map(String::strip)
                .filter(l -> l.matches("(full|diff|incr) backup: .*"))
                .map(l -> l.replaceAll("^.* backup: ", "")).toList();
    }

    @Test
    @Order(1)
    void archivesFromTheStartAndTakesTheFirstFullBackupByItself() {
        String stanzaStep = cluster.command(cluster.config().namePrefix() + "-backup-stanza").outputs()
                .get("stdout").getAsString();
        assertTrue(stanzaStep.startsWith("stanza " + BackupFiles.stanza(cluster.config()) + ": archiving checked"),
                stanzaStep);
        String primary = cluster.container("pg0");
        assertTrue(Long.parseLong(Docker.psql(primary, "SELECT archived_count FROM pg_stat_archiver")) > 0,
                "the primary archived WAL");
        // The schedule's first full backup: there is none yet, so it is due at once.
        Sql.awaitResult(() -> String.join(",", backups()), l -> l.matches(".*F"), Duration.ofMinutes(3));
        String text = info();
        assertTrue(text.contains("status: ok"), text);
        assertTrue(text.contains("cipher: aes-256-cbc"), text);
        // Every file of the repository is encrypted (OpenSSL's salted format).
        String heads = Docker.ok("exec", repository(), "sh", "-c",
                "find " + BackupFiles.REPOSITORY_PATH + "/repo1 -type f -name '*.info' -o -type f -name '*.zst' | head -n 20 |"
                        + " while read -r f; do head -c 8 \"$f\"; echo; done");
        assertFalse(heads.isBlank(), "the repository has files");
        Docker.lines(heads).forEach(head -> assertEquals("Salted__", head, "an encrypted repository file"));
    }

    @Test
    @Order(2)
    void theDocumentedCommandTakesADifferentialBackupFromTheStandby() {
        Sql.execute(cluster.output("primaryJdbcUrl"), "CREATE TABLE kept AS SELECT g AS id FROM generate_series(1, 1000) g");
        int before = backups().size();
        String command = cluster.output("backupCommand").replace("--type=full", "--type=diff");
        var run = Shell.run(List.of("sh", "-c", command), Map.of("PATH", System.getenv("PATH")), null, Duration.ofMinutes(5));
        assertEquals(0, run.exitCode(), run.stdout() + run.stderr());
        List<String> after = backups();
        assertEquals(before + 1, after.size(), String.join(",", after));
        assertTrue(after.get(after.size() - 1).endsWith("D"), "a differential backup: " + after);
        // From the standby: pgBackRest waits for the standby to replay to this backup's start.
        assertTrue(run.stdout().contains("replay on the standby reached"), "this backup copied its files from the standby:\n"
                + run.stdout());
        var check = pgbackrest("check");
        assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    @Test
    @Order(3)
    void theRepositoryPassphraseIsInNoContainerSettingAndNoNodeFile() {
        String passphrase = cluster.output("backupPassphrase");
        assertTrue(passphrase.length() >= 32, "a generated passphrase");
        var containers = Docker.lines(Docker.ok("ps", "-aq", "--filter", "label=pg-cluster.stack=" + cluster.config().stack()));
        for (String id : containers) {
            String inspect = Docker.ok("inspect", id);
            assertFalse(inspect.contains(passphrase), "the passphrase is not in docker inspect of " + id);
        }
        for (String node : List.of("pg0", "pg1")) {
            var grep = Docker.run("exec", "-u", "postgres", cluster.container(node), "grep", "-rF", passphrase,
                    dev.pgcluster.cluster.PostgresNode.CONF_DIR);
            assertEquals(1, grep.exitCode(), "no file of " + node + "'s conf holds it");
        }
        for (String id : containers) {
            var logs = Docker.run("logs", id);
            assertFalse((logs.stdout() + logs.stderr()).contains(passphrase), "the passphrase is not in docker logs of " + id);
        }
        var logFiles = Docker.run("exec", repository(), "grep", "-rF", passphrase, BackupFiles.REPOSITORY_CONFIG_PATH + "/log");
        assertEquals(1, logFiles.exitCode(), "no log file of pgBackRest holds it");
        String mode = Docker.ok("exec", repository(), "stat", "-c", "%a %U",
                BackupFiles.REPOSITORY_CONFIG_PATH + "/conf.d/secrets.conf");
        assertEquals("600 postgres", mode);
    }

    @Test
    @Order(4)
    void afterASwitchoverTheNewPrimaryArchivesIntoTheSameStanza() {
        var anonymous = ClusterChecks.danglingAnonymousVolumes();
        cluster.stack().setConfig(Map.of("primary", "pg1"));
        cluster.stack().up();
        var left = ClusterChecks.danglingAnonymousVolumes();
        left.removeAll(anonymous);
        // The switchover's run holds its lock as a container of the cluster's image, which declares
        // a volume: removed with it, not left behind on every such run.
        assertEquals(java.util.Set.of(), left, "the switchover left anonymous volumes behind");
        String primary = cluster.container("pg1");
        assertEquals("f", Docker.psql(primary, "SELECT pg_is_in_recovery()"));
        Sql.execute(cluster.anyPrimaryJdbcUrl(), "INSERT INTO kept SELECT g FROM generate_series(1001, 2000) g");
        String segment = Docker.psql(primary, "SELECT pg_walfile_name(pg_current_wal_lsn())");
        Docker.psql(primary, "SELECT pg_switch_wal()");
        Sql.awaitPsql(primary, "SELECT last_archived_wal >= '" + segment + "' FROM pg_stat_archiver", "t"::equals,
                Duration.ofSeconds(60));
        var check = pgbackrest("check");
        assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
        var backup = pgbackrest("backup", "--type=diff");
        assertEquals(0, backup.exitCode(), backup.stdout() + backup.stderr());
        // The archive has every segment from the first to the new timeline's: nothing missing.
        var verify = pgbackrest("verify");
        assertEquals(0, verify.exitCode(), verify.stdout() + verify.stderr());
        ClusterChecks.assertIdempotent(cluster.stack());
    }

    /**
     * Point in time, after the switchover (timeline 2): rows acknowledged, a time taken, the table
     * dropped. A stack with restoreFrom and that time as its target has every row acknowledged
     * before it and none of what came after; its standby streams from it; the source is not
     * touched. A target before the first backup is refused before anything is created.
     */
    @Test
    @Order(5)
    void aRestoreStackRecoversToAPointInTimeAndLeavesTheSourceAsItWas() {
        String source = cluster.container("pg1");
        Sql.execute(cluster.anyPrimaryJdbcUrl(), "INSERT INTO kept SELECT g FROM generate_series(2001, 2500) g");
        String point = "before-drop-" + System.currentTimeMillis();
        Docker.psql(source, "SELECT pg_create_restore_point('" + point + "')");
        String target = Docker.psql(source, "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', "
                + "'YYYY-MM-DD HH24:MI:SS.US') || '+00'");
        Docker.sleep(Duration.ofSeconds(1));
        Sql.execute(cluster.anyPrimaryJdbcUrl(), "DROP TABLE kept");
        String segment = Docker.psql(source, "SELECT pg_walfile_name(pg_current_wal_lsn())");
        Docker.psql(source, "SELECT pg_switch_wal()");
        Sql.awaitPsql(source, "SELECT last_archived_wal >= '" + segment + "' FROM pg_stat_archiver", "t"::equals,
                Duration.ofSeconds(60));
        // A backup after the restore point: a restore by name must go back to an older backup.
        var later = pgbackrest("backup", "--type=diff");
        assertEquals(0, later.exitCode(), later.stdout() + later.stderr());
        String prefix = cluster.config().namePrefix();

        var early = EngineStack.create(Docker.TEST_STACK_PREFIX + "restore-early", RealCluster.testConfig(1,
                "restoreFrom", prefix, "restoreTarget", "2020-01-01 00:00:00+00"), Map.of());
        try {
            var failure = org.junit.jupiter.api.Assertions.assertThrows(EngineStack.EngineFailure.class, early::up);
            assertTrue(failure.getMessage().contains("pg-cluster:restoreTarget = \"2020-01-01 00:00:00.000000+00\" is before "
                    + "the first backup of stanza " + prefix + " ended"), failure.getMessage());
            assertEquals(List.of(), Docker.objectsOfStack(early.name()), "nothing may be created");
        } finally {
            early.close();
        }

        try (var restored = RealCluster.up("restored", RealCluster.testConfig(1, "restoreFrom", prefix,
                "restoreTarget", target))) {
            String primary = restored.container("pg0");
            String seeded = restored.command(restored.step("pg0", "seed")).outputs().get("stdout").getAsString();
            assertTrue(seeded.startsWith("pg0 restored "), seeded);
            assertEquals("2500 2500", Docker.psql(primary, "SELECT count(*) || ' ' || max(id) FROM kept"),
                    "every row acknowledged before the target, none after it (the drop)");
            assertTrue(Integer.parseInt(Docker.psql(primary, "SELECT timeline_id FROM pg_control_checkpoint()")) >= 3,
                    "a new timeline after the source's second");
            assertEquals("", Docker.psql(primary, "SELECT string_agg(name || '=' || setting, ',') FROM pg_settings "
                    + "WHERE name IN ('restore_command', 'recovery_target_time') AND setting <> ''"),
                    "no recovery setting is left behind");
            ClusterChecks.awaitAllStreaming(restored, Duration.ofSeconds(60));
            Sql.awaitPsql(restored.container("pg1"), "SELECT count(*) FROM kept", "2500"::equals, Duration.ofSeconds(30));
            ClusterChecks.assertIdempotent(restored.stack());
        }
        try (var named = RealCluster.up("restored-name", RealCluster.testConfig(0, "restoreFrom", prefix,
                "restoreTarget", "name:" + point))) {
            assertEquals("2500 2500", Docker.psql(named.container("pg0"), "SELECT count(*) || ' ' || max(id) FROM kept"),
                    "the restore point's rows, from the backup before it");
        }
        // The source is as it was: its primary, no table, and no history of the restored
        // cluster's timeline in its archive.
        String history = Docker.ok("exec", repository(), "sh", "-c", "find " + BackupFiles.REPOSITORY_PATH
                + "/repo1/archive -name '00000003.history*' | wc -l");
        assertEquals("0", history, "the restore wrote nothing into the source's repository");
        assertEquals("f", Docker.psql(source, "SELECT pg_is_in_recovery()"));
        assertEquals("", Docker.psql(source, "SELECT to_regclass('kept')"));
    }

    private double metric(String query) {
        String url = cluster.output("prometheusUrl") + "/api/v1/query?query="
                + java.net.URLEncoder.encode(query, java.nio.charset.StandardCharsets.UTF_8);
        var result = com.google.gson.JsonParser.parseString(PrometheusApi.get(url)).getAsJsonObject()
                .getAsJsonObject("data").getAsJsonArray("result");
        return result.isEmpty() ? Double.NaN : result.get(0).getAsJsonObject().getAsJsonArray("value").get(1).getAsDouble();
    }

    /**
     * Archiving broken (issue 23, test 5): the repository refuses writes (its archive made
     * read-only, as a full or read-only disk would). The primary keeps serving, WAL waits in
     * pg_wal, PgClusterArchivingFailing fires; once the repository takes writes again everything
     * waiting is archived and pgBackRest's verify finds nothing missing. Also: Prometheus knows
     * when the last backup ended (the one after the switchover, on the new primary).
     */
    @Test
    @Order(6)
    void aRepositoryThatRefusesWritesFiresTheAlertAndLosesNothingOnceItTakesThemAgain() {
        String primary = cluster.container("pg1");
        String prometheus = cluster.output("prometheusUrl");
        Sql.awaitResult(() -> String.valueOf(metric("pg_cluster_archiver_last_backup_seconds{node=\"pg1\"}")),
                v -> !v.equals("NaN") && Double.parseDouble(v) > 0, Duration.ofSeconds(60));
        String archive = BackupFiles.REPOSITORY_PATH + "/repo1/archive";
        String volume = BackupFiles.repositoryVolume(cluster.config());
        long failedBefore = Long.parseLong(Docker.psql(primary, "SELECT failed_count FROM pg_stat_archiver"));
        Docker.ok("run", "--rm", "--label", Docker.TEST_LABEL, "--user", "0", "--network", "none",
                "--volume", volume + ":" + BackupFiles.REPOSITORY_PATH, "--entrypoint", "chmod", TestImage.reference(),
                "-R", "a-w", archive);
        try {
            Sql.execute(cluster.anyPrimaryJdbcUrl(), "CREATE TABLE during AS SELECT g AS id FROM generate_series(1, 1000) g");
            for (int i = 0; i < 3; i++) {
                Sql.execute(cluster.anyPrimaryJdbcUrl(), "INSERT INTO during SELECT g FROM generate_series(1, 100) g");
                Docker.psql(primary, "SELECT pg_switch_wal()");
            }
            assertEquals("1300", Sql.query(cluster.anyPrimaryJdbcUrl(), "SELECT count(*) FROM during"),
                    "the primary keeps serving");
            Sql.awaitPsql(primary, "SELECT failed_count > " + failedBefore + " FROM pg_stat_archiver", "t"::equals,
                    Duration.ofSeconds(30));
            assertTrue(Integer.parseInt(Docker.psql(primary,
                    "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'")) >= 3, "WAL waits in pg_wal");
            Sql.awaitResult(() -> String.valueOf(PrometheusApi.alert(prometheus, "PgClusterArchivingFailing", "node", "pg1",
                    "firing")), "true"::equals, Duration.ofSeconds(120));
        } finally {
            Docker.ok("run", "--rm", "--label", Docker.TEST_LABEL, "--user", "0", "--network", "none",
                    "--volume", volume + ":" + BackupFiles.REPOSITORY_PATH, "--entrypoint", "chmod", TestImage.reference(),
                    "-R", "u+w", archive);
        }
        Sql.awaitPsql(primary, "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'", "0"::equals,
                Duration.ofSeconds(60));
        var check = pgbackrest("check");
        assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
        var verify = pgbackrest("verify");
        assertEquals(0, verify.exitCode(), verify.stdout() + verify.stderr());
        Sql.awaitResult(() -> String.valueOf(PrometheusApi.alert(prometheus, "PgClusterArchivingFailing", "node", "pg1",
                "firing")), "false"::equals, Duration.ofSeconds(60));
        assertFalse(PrometheusApi.anyAlert(prometheus, "PgClusterBackupTooOld"));
    }

    /**
     * ha: patroni (issue 23, test 3): the leader archives into the repository from the start and
     * the schedule takes the first full backup; after Patroni fails over by itself (the leader
     * killed) the new leader archives into the same stanza, pgBackRest's check passes and a
     * backup succeeds, with nothing changed by pg-cluster.
     */
    @Test
    @Order(7)
    void withPatroniTheLeaderAfterAnAutomaticFailoverArchivesIntoTheSameStanza() {
        var volumes = new ArrayList<String>();
        try (var patroni = RealCluster.up("backup-patroni", RealCluster.testConfig(1, "ha", "patroni",
                "etcdImage", TestImage.reference(), "backup", "true", "archiveTimeoutSeconds", "10"))) {
            volumes.add(BackupFiles.repositoryVolume(patroni.config()));
            volumes.add(BackupFiles.repositoryConfigVolume(patroni.config()));
            String repository = BackupFiles.repositoryContainer(patroni.config());
            java.util.function.Function<String[], Shell.Result> br = args -> {
                var all = new ArrayList<>(List.of("exec", repository, "pgbackrest",
                        "--config-path=" + BackupFiles.REPOSITORY_CONFIG_PATH, "--stanza=" + BackupFiles.stanza(patroni.config())));
                all.addAll(List.of(args));
                return Docker.run(Duration.ofMinutes(5), null, all.toArray(String[]::new));
            };
            List<String> members = List.of(patroni.container("pg0"), patroni.container("pg1"));
            String leader = Sql.awaitResult(() -> String.valueOf(ClusterChecks.patroniLeader(members)),
                    l -> !l.equals("null"), Duration.ofSeconds(60));
            Sql.awaitPsql(leader, "SELECT archived_count > 0 FROM pg_stat_archiver", "t"::equals, Duration.ofSeconds(60));
            Sql.awaitResult(() -> br.apply(new String[] {"info"}).stdout(), out -> out.contains("full backup: "),
                    Duration.ofMinutes(3));

            Docker.ok("kill", "--signal", "KILL", leader);
            String next = Sql.awaitResult(() -> String.valueOf(ClusterChecks.patroniLeader(members)),
                    l -> !l.equals("null") && !l.equals(leader), Duration.ofSeconds(90));
            // patronictl names the leader once it holds the key; its PostgreSQL is promoted a moment
            // later (until then the write string finds no primary: a clean-clone CI run wrote too soon).
            Sql.awaitPsql(next, "SELECT pg_is_in_recovery()", "f"::equals, Duration.ofSeconds(60));
            Sql.execute(patroni.output("primaryJdbcUrl"),
                    "CREATE TABLE after_failover AS SELECT g AS id FROM generate_series(1, 100) g");
            String segment = Docker.psql(next, "SELECT pg_walfile_name(pg_current_wal_lsn())");
            Docker.psql(next, "SELECT pg_switch_wal()");
            Sql.awaitPsql(next, "SELECT last_archived_wal >= '" + segment + "' FROM pg_stat_archiver", "t"::equals,
                    Duration.ofSeconds(60));
            var check = br.apply(new String[] {"check"});
            assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
            var backup = br.apply(new String[] {"backup", "--type=diff"});
            assertEquals(0, backup.exitCode(), backup.stdout() + backup.stderr());
            Docker.ok("start", leader);
        } finally {
            volumes.forEach(v -> Docker.run("volume", "rm", "-f", v));
        }
    }
}
