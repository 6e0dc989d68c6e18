package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Assertions over a running cluster, through SQL on each node. */
public final class ClusterChecks {
    private ClusterChecks() {
    }

    /** Waits until every replica of {@code cluster} streams from the primary. */
    /**
     * When the base backup a node's data came from started, from the data itself: pg_basebackup
     * writes backup_label, which the server renames to backup_label.old once it has read it on
     * its first start. A fresh base backup gives a new time.
     */
    public static String baseBackupStart(String container) {
        String label = Docker.ok("exec", "-u", "postgres", container, "cat", "/var/lib/postgresql/data/pgdata/backup_label.old");
        return Docker.lines(label).stream().filter(l -> l.startsWith("START TIME: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no START TIME in the backup label of " + container + ":\n" + label));
    }

    /** The container's seed label and its seed step's ID in state: the label must name the step that seeded it. */
    public static void assertSeedLabelNamesItsSeedStep(RealCluster cluster, String node) {
        assertEquals(cluster.command(cluster.step(node, "seed")).id(),
                Docker.inspect(cluster.container(node), "{{index .Config.Labels \"pg-cluster.seed\"}}"), node);
    }

    public static void awaitAllStreaming(RealCluster cluster, Duration timeout) {
        int replicas = cluster.replicas().size();
        Sql.awaitPsql(cluster.primary(),
                "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'",
                n -> Integer.parseInt(n) == replicas, timeout);
    }

    /** Waits until every replica has replayed everything the primary has written so far. */
    public static void awaitCaughtUp(RealCluster cluster, Duration timeout) {
        String target = Docker.psql(cluster.primary(), "SELECT pg_current_wal_lsn()");
        for (String replica : cluster.replicas()) {
            Sql.awaitPsql(replica, "SELECT pg_last_wal_replay_lsn() >= '" + target + "'::pg_lsn", "t"::equals, timeout);
        }
    }

    /** {@code count|md5 of the ids in order} of table ack on a node. */
    public static String ackFingerprint(String container) {
        return Docker.psql(container, "SELECT count(*) || '|' || coalesce(md5(string_agg(id::text, ',' ORDER BY id)), '') FROM ack");
    }

    /** Node → {@link #ackFingerprint} of table ack, for nodes that must hold the same rows. */
    public static Map<String, String> fingerprints(List<String> containers) {
        Map<String, String> fingerprints = new TreeMap<>();
        containers.forEach(c -> fingerprints.put(c, ackFingerprint(c)));
        return fingerprints;
    }

    /**
     * Every acknowledged id is on every node, and all nodes hold the same rows (count and checksum),
     * once the replicas have caught up.
     */
    public static void assertNoAcknowledgedCommitLost(RealCluster cluster, List<Long> acknowledged, List<String> nodes) {
        awaitCaughtUp(cluster, Duration.ofMinutes(2));
        Map<String, String> fingerprints = new TreeMap<>();
        for (String node : nodes) {
            fingerprints.put(node, ackFingerprint(node));
            String ids = acknowledged.stream().map(String::valueOf).reduce((a, b) -> a + "," + b).orElse("0");
            String missing = Docker.psql(node, "SELECT count(*) FROM unnest('{" + ids + "}'::bigint[]) AS a(id) "
                    + "WHERE NOT EXISTS (SELECT 1 FROM ack WHERE ack.id = a.id)");
            assertEquals("0", missing, node + " lacks acknowledged ids");
        }
        assertEquals(1, fingerprints.values().stream().distinct().count(), "nodes differ: " + fingerprints);
        assertTrue(acknowledged.size() > 0);
        System.out.println("  checked " + acknowledged.size() + " acknowledged ids on " + nodes.size()
                + " nodes: " + fingerprints.values().iterator().next());
    }

    /**
     * The second run, as a user makes it: another {@code pulumi up} changes nothing,
     * {@code pulumi preview --expect-no-changes} passes, and so it does after {@code pulumi refresh}.
     */
    public static void assertIdempotent(EngineStack stack) {
        var again = stack.up();
        assertEquals(List.of(), again.changed(), "a second pulumi up of " + stack.name() + " changes nothing");
        stack.preview(true);
        var refresh = stack.refresh();
        assertEquals(Map.of(), refresh.changeCounts(), "pulumi refresh of " + stack.name() + " finds no drift:\n"
                + refresh.stdout());
        stack.preview(true);
    }

    /**
     * The anonymous volumes on the default engine that no container uses: what a container of an
     * image that declares a volume (the official postgres image does) leaves when it is removed
     * without {@code -v}.
     */
    public static java.util.Set<String> danglingAnonymousVolumes() {
        return Docker.lines(Docker.ok("volume", "ls", "-q", "--filter", "dangling=true")).stream()
                .filter(v -> v.matches("[0-9a-f]{64}")).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
    }

    /** Kills the container's main process from outside, as a crash would: the restart policy applies. */
    public static void crash(String container) {
        String pid = Docker.inspect(container, "{{.State.Pid}}");
        Shell.run(List.of("kill", "-9", pid), Map.of(), null, Duration.ofSeconds(10)).orThrow("kill -9 " + pid);
    }

    /**
     * The Patroni member that leads and runs, as Patroni says (patronictl on the first member that
     * answers), or null when none does.
     */
    public static String patroniLeader(List<String> members) {
        for (String member : members) {
            var out = Docker.run("exec", member, "patronictl", "-c", dev.pgcluster.mode.patroni.PatroniFiles.CONFIG_DIR, "list",
                    "-f", "json");
            if (!out.ok()) {
                continue;
            }
            var m = java.util.regex.Pattern.compile("\"Member\": \"(pg\\d+)\"[^}]*\"Role\": \"Leader\"[^}]*\"State\": \"running\"")
                    .matcher(out.stdout());
            if (m.find()) {
                String prefix = member.substring(0, member.lastIndexOf('-') + 1);
                return prefix + m.group(1);
            }
        }
        return null;
    }
}
