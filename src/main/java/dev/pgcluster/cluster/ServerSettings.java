package dev.pgcluster.cluster;

import dev.pgcluster.config.ClusterConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The PostgreSQL server settings of every node, derived from config and passed as server arguments. */
public final class ServerSettings {
    /** {@code log_line_prefix}: when, which process, and for a session who, on which database, from where. */
    static final String LOG_LINE_PREFIX = "%m [%p] %q%u@%d from %h app=%a ";

    private ServerSettings() {
    }

    /**
     * {@code max_replication_slots}: a slot per replica (ha: none's slot steps, Patroni's
     * {@code use_slots}) and four spare ones, at least 10. Under Patroni each base backup also
     * holds a temporary slot while it runs (pg_basebackup -X stream without a slot of its own):
     * a new cluster's replicas start in groups that fill the spare ones at most (PatroniMode), so
     * at that peak a manual base backup of the leader finds no free slot.
     */
    public static int maxReplicationSlots(ClusterConfig config) {
        return Math.max(10, config.replicas().size() + 4);
    }

    /**
     * Settings every node gets. Standbys need max_wal_senders, max_replication_slots and friends
     * at least as high as the primary's, and a switchover promotes any of them, so all nodes share
     * the same settings: the role is data, not configuration.
     */
    public static Map<String, String> forNode(ClusterConfig config) {
        int replicas = config.replicas().size();
        var settings = new LinkedHashMap<String, String>();
        settings.put("listen_addresses", "*");
        settings.put("wal_level", "replica");
        // pg_basebackup -X stream holds two senders per replica while it runs, and replicas are
        // seeded in parallel; keep spare ones for a manual backup or a rejoining node.
        settings.put("max_wal_senders", String.valueOf(Math.max(10, 2 * replicas + 2)));
        settings.put("max_replication_slots", String.valueOf(maxReplicationSlots(config)));
        settings.put("wal_keep_size", config.wal().walKeepSize());
        settings.put("max_slot_wal_keep_size", config.wal().maxSlotWalKeepSize());
        settings.put("hot_standby", "on");
        settings.put("hot_standby_feedback", "on");
        // Needed by pg_rewind when a failed primary rejoins as a standby.
        settings.put("wal_log_hints", "on");
        settings.put("password_encryption", "scram-sha-256");
        // Beside the data directory, written by each node's conf step: base backups do not copy
        // them, and a changed rule or certificate reaches every node with a reload.
        settings.put("hba_file", PostgresNode.CONF_DIR + "/pg_hba.conf");
        // Who came from where, for every attempt (refused ones too): the trail an incident needs.
        settings.put("log_connections", "on");
        // Time and PID on every line; user, database, client address and application on lines of
        // a session (%q ends the prefix for background processes). One argument, no shell: the
        // spaces need no quoting.
        settings.put("log_line_prefix", LOG_LINE_PREFIX);
        if (config.tls().enabled()) {
            settings.put("ssl", "on");
            settings.put("ssl_cert_file", PostgresNode.CONF_DIR + "/server.crt");
            settings.put("ssl_key_file", PostgresNode.CONF_DIR + "/server.key");
            // Every client here speaks TLS 1.3 (libpq, JDBC on Java 11+, the exporter's Go); 1.2
            // would serve only older clients, with its weaker cipher suites.
            settings.put("ssl_min_protocol_version", "TLSv1.3");
        }
        // Every node carries the cluster's synchronous settings, naming every node: whichever node
        // is primary applies them (a primary is never its own standby), so a switchover or a
        // failover never leaves the cluster silently asynchronous. A standby ignores them.
        config.sync().standbyNames(config.nodeNames()).ifPresent(names -> {
            settings.put("synchronous_standby_names", names);
            settings.put("synchronous_commit", config.sync().synchronousCommit());
        });
        // WAL archiving and the socket pgBackRest reaches the server by (README: Backups and recovery).
        settings.putAll(dev.pgcluster.backup.BackupFiles.serverSettings(config));
        return settings;
    }

    /** {@code postgres -c key=value …}: the command of the node's container. */
    public static List<String> serverArguments(ClusterConfig config) {
        var args = new ArrayList<String>();
        args.add("postgres");
        forNode(config).forEach((key, value) -> {
            args.add("-c");
            args.add(key + "=" + value);
        });
        return args;
    }
}
