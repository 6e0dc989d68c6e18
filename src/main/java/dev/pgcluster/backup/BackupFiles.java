package dev.pgcluster.backup;

import dev.pgcluster.cluster.PostgresNode;
import dev.pgcluster.config.BackupSettings;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.NodeSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The names, paths and pgBackRest configuration of the cluster's backups: the one owner of each
 * (the scripts under init/backup/ get them in their environment). No secret is in any of them:
 * the repository's cipher passphrase is only in {@code conf.d/secrets.conf} on the repository's
 * config volume, and the nodes never hold it (the repository sends the cipher settings to the
 * process that asks).
 */
public final class BackupFiles {
    /** pgBackRest's TLS server port, on the repository and on each node's sidecar (its default). */
    public static final int TLS_PORT = 8432;
    /** The repository volume, in the repository container. */
    public static final String REPOSITORY_PATH = "/var/lib/pgbackrest";
    /** The repository's config volume, in the repository container: config, key, certificates, secrets, logs. */
    public static final String REPOSITORY_CONFIG_PATH = "/var/lib/pgbackrest-conf";
    /**
     * pgBackRest's config on a node's volume, beside the node's other files that are not data
     * (base backups never copy it): read by {@code archive-push} in the node's container and by
     * the node's sidecar.
     */
    public static final String NODE_CONFIG_PATH = PostgresNode.CONF_DIR + "/pgbackrest";
    /**
     * The second directory of the node's Unix socket, on its volume: pgBackRest reaches PostgreSQL
     * only over a socket, and the sidecar shares the volume, not the container's
     * {@code /var/run/postgresql}. The directory is the node's conf directory (0700, postgres's).
     */
    public static final String NODE_SOCKET_PATH = PostgresNode.CONF_DIR;
    /** The key and certificate a node's pgBackRest uses (client to the repository, server to it). */
    public static final String NODE_KEY = NODE_CONFIG_PATH + "/backup.key";
    public static final String NODE_CERTIFICATE = NODE_CONFIG_PATH + "/backup.crt";
    /** The CA certificates the node trusts, written by the node's conf step. */
    public static final String NODE_CA = PostgresNode.CONF_DIR + "/ca.crt";
    static final String REPOSITORY_KEY = REPOSITORY_CONFIG_PATH + "/backup.key";
    static final String REPOSITORY_CERTIFICATE = REPOSITORY_CONFIG_PATH + "/backup.crt";
    static final String REPOSITORY_CA = REPOSITORY_CONFIG_PATH + "/ca.crt";
    /** With {@code backupStorage: s3} and {@code backupS3CaCertificate}: what the store's certificate is verified with. */
    static final String S3_CA = REPOSITORY_CONFIG_PATH + "/s3-ca.crt";
    /** The label that tells backup containers from nodes: {@code repository} or {@code sidecar}. */
    public static final String LABEL = "pg-cluster.backup";
    /** On a sidecar: the node whose volume it serves. */
    public static final String LABEL_SERVES = "pg-cluster.backup.serves";

    private BackupFiles() {
    }

    /** The stanza: the cluster's name prefix ({@code <project>-<stack>}). */
    public static String stanza(ClusterConfig config) {
        return config.namePrefix();
    }

    /** The repository container, {@code <prefix>-backup}: also its certificate's CN and its name on the network. */
    public static String repositoryContainer(ClusterConfig config) {
        return config.namePrefix() + "-backup";
    }

    public static String repositoryVolume(ClusterConfig config) {
        return config.namePrefix() + "-backup-repo";
    }

    public static String repositoryConfigVolume(ClusterConfig config) {
        return config.namePrefix() + "-backup-conf";
    }

    /** A node's sidecar, {@code <prefix>-<node>-backup}: its name on the network and its certificate's DNS name. */
    public static String sidecar(ClusterConfig config, String node) {
        return config.containerName(node) + "-backup";
    }

    /** The CN of a node's pgBackRest certificate (what the repository authorizes): the node's container name. */
    public static String nodeCommonName(ClusterConfig config, String node) {
        return config.containerName(node);
    }

    /** Every node's {@code archive_command}: the same on every node; only the primary archives. */
    public static String archiveCommand(ClusterConfig config) {
        return "pgbackrest --config-path=" + NODE_CONFIG_PATH + " --stanza=" + stanza(config) + " archive-push %p";
    }

    /** The server settings every node gets with backups on. */
    public static Map<String, String> serverSettings(ClusterConfig config) {
        var settings = new LinkedHashMap<String, String>();
        if (!config.backup().enabled()) {
            return settings;
        }
        settings.put("unix_socket_directories", "/var/run/postgresql," + NODE_SOCKET_PATH);
        // On every node: a standby does not archive, a promoted one does at once, with nothing changed.
        settings.put("archive_mode", "on");
        settings.put("archive_command", archiveCommand(config));
        settings.put("archive_timeout", config.backup().archiveTimeoutSeconds() + "s");
        return settings;
    }

    /** The command a user (or the schedule) runs for a backup in the repository container. */
    public static String backupCommand(ClusterConfig config, String type) {
        return "docker exec " + repositoryContainer(config) + " pgbackrest --config-path=" + REPOSITORY_CONFIG_PATH
                + " --stanza=" + stanza(config) + " backup --type=" + type;
    }

    /** pgBackRest's config on node {@code node} (no secret in it). */
    public static String nodeConfig(ClusterConfig config, String node) {
        String repository = repositoryContainer(config);
        return String.join("\n",
                "# pg-cluster: pgBackRest on node " + node + " (archive-push in the node, the TLS server in "
                        + sidecar(config, node) + ").",
                "# No secret here: the repository sends the cipher settings; the key beside it is 0600.",
                "[global]",
                "repo1-host=" + repository,
                "repo1-host-type=tls",
                "repo1-host-port=" + TLS_PORT,
                // The repository's process reads the config the client names (the package's
                // /etc/pgbackrest.conf when unset: another path, no encryption).
                "repo1-host-config-path=" + REPOSITORY_CONFIG_PATH,
                "repo1-host-ca-file=" + NODE_CA,
                "repo1-host-cert-file=" + NODE_CERTIFICATE,
                "repo1-host-key-file=" + NODE_KEY,
                // archive-push compresses (and encrypts) here, before it sends.
                "compress-type=zst",
                "compress-level=3",
                // The read-only root has no log directory: archive_command's stderr goes to the
                // server log, the sidecar's to docker logs.
                "log-level-file=off",
                "log-level-console=warn",
                "log-level-stderr=warn",
                "tls-server-address=*",
                "tls-server-port=" + TLS_PORT,
                "tls-server-ca-file=" + NODE_CA,
                "tls-server-cert-file=" + NODE_CERTIFICATE,
                "tls-server-key-file=" + NODE_KEY,
                // Only the repository's certificate, for this stanza only.
                "tls-server-auth=" + repository + "=" + stanza(config),
                "",
                "[" + stanza(config) + "]",
                "pg1-path=" + PostgresNode.PGDATA,
                "pg1-socket-path=" + NODE_SOCKET_PATH,
                "");
    }

    /** pgBackRest's config in the repository container (no secret in it: see {@code conf.d/secrets.conf}). */
    public static String repositoryConfig(ClusterConfig config) {
        BackupSettings backup = config.backup();
        var lines = new java.util.ArrayList<String>();
        lines.add("# pg-cluster: the backup repository of " + config.namePrefix() + ". The cipher passphrase is in");
        lines.add("# conf.d/secrets.conf (0600), not here.");
        lines.add("[global]");
        // A restore reads the repo1-* lines of [global] (init/backup/restore-in-container.sh).
        backup.s3().ifPresentOrElse(s3 -> {
            lines.add("repo1-type=s3");
            lines.add("repo1-path=" + s3.path());
            lines.add("repo1-s3-endpoint=" + s3.endpoint());
            lines.add("repo1-storage-port=" + s3.port());
            lines.add("repo1-s3-bucket=" + s3.bucket());
            lines.add("repo1-s3-region=" + s3.region());
            lines.add("repo1-s3-uri-style=" + s3.uriStyle());
            // The keys are in conf.d/secrets.conf; the store's certificate is always verified.
            lines.add("repo1-storage-verify-tls=y");
            s3.caCertificate().ifPresent(ca -> lines.add("repo1-storage-ca-file=" + S3_CA));
        }, () -> lines.add("repo1-path=" + REPOSITORY_PATH + "/repo1"));
        lines.add("repo1-cipher-type=aes-256-cbc");
        lines.add("repo1-retention-full-type=count");
        lines.add("repo1-retention-full=" + backup.retentionFull());
        lines.add("repo1-retention-diff=" + backup.retentionDiff());
        lines.add("start-fast=y");
        // From a standby when one streams; the primary then only marks the backup's start and end.
        lines.add("backup-standby=" + (config.replicas().isEmpty() ? "n" : "prefer"));
        lines.add("process-max=2");
        lines.add("compress-type=zst");
        lines.add("compress-level=3");
        lines.add("log-path=" + REPOSITORY_CONFIG_PATH + "/log");
        lines.add("log-level-file=info");
        lines.add("log-level-console=info");
        lines.add("tls-server-address=*");
        lines.add("tls-server-port=" + TLS_PORT);
        lines.add("tls-server-ca-file=" + REPOSITORY_CA);
        lines.add("tls-server-cert-file=" + REPOSITORY_CERTIFICATE);
        lines.add("tls-server-key-file=" + REPOSITORY_KEY);
        for (NodeSpec node : config.nodes()) {
            lines.add("tls-server-auth=" + nodeCommonName(config, node.name()) + "=" + stanza(config));
        }
        lines.add("");
        lines.add("[" + stanza(config) + "]");
        // pgBackRest finds the primary among them itself: nothing changes here on a switchover.
        for (int i = 0; i < config.nodes().size(); i++) {
            String node = config.nodes().get(i).name();
            String pg = "pg" + (i + 1) + "-";
            lines.add(pg + "host=" + sidecar(config, node));
            lines.add(pg + "host-type=tls");
            lines.add(pg + "host-port=" + TLS_PORT);
            lines.add(pg + "host-ca-file=" + REPOSITORY_CA);
            lines.add(pg + "host-cert-file=" + REPOSITORY_CERTIFICATE);
            lines.add(pg + "host-key-file=" + REPOSITORY_KEY);
            lines.add(pg + "host-config-path=" + NODE_CONFIG_PATH);
            lines.add(pg + "path=" + PostgresNode.PGDATA);
            lines.add(pg + "socket-path=" + NODE_SOCKET_PATH);
        }
        lines.add("");
        return String.join("\n", lines);
    }
}
