package dev.pgcluster.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import dev.pgcluster.config.ClusterConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The scripts under {@code init/}, which Maven copies onto the classpath. */
public final class InitScripts {
    /** Shell functions every script gets in front of it. */
    public static final String COMMON = "lib/common.sh";
    /** pg-cluster's schema on the primary (the exporters' certificate expiry function), shared by the modes. */
    public static final String CLUSTER_SCHEMA = "lib/cluster-schema.sh";
    /** Functions for nodes on several Docker hosts; in front of the scripts that use them. */
    public static final String HOSTS = "lib/hosts.sh";
    public static final String PG_HBA_TEMPLATE = "node/pg_hba.conf.template";
    public static final String CREATE_SLOT = "replica/create-slot.sh";
    public static final String DROP_SLOT = "replica/drop-slot.sh";
    public static final String SEED = "node/seed.sh";
    public static final String SEED_UPDATE = "node/seed-update.sh";
    public static final String INIT_IN_CONTAINER = "node/init-in-container.sh";
    public static final String BASE_BACKUP_IN_CONTAINER = "node/base-backup-in-container.sh";
    public static final String CONVERGE = "cluster/converge.sh";
    public static final String COPY_IMAGE = "host/copy-image.sh";
    public static final String REJOIN_IN_CONTAINER = "cluster/rejoin-in-container.sh";
    public static final String GENERATE_PASSWORD = "generate-password.sh";
    public static final String AWAIT_HEALTHY = "node/await-healthy.sh";
    public static final String SYNC_PASSWORDS = "primary/sync-passwords.sh";
    public static final String SYNC_CONNINFO = "replica/sync-conninfo.sh";
    public static final String MAKE_CA = "tls/make-ca.sh";
    public static final String CA_IN_CONTAINER = "tls/ca-in-container.sh";
    public static final String SYNC_CONF = "node/sync-conf.sh";
    public static final String CONF_IN_CONTAINER = "node/conf-in-container.sh";

    public static final String BACKUP_FILES = "backup/files.sh";
    public static final String BACKUP_FILES_IN_CONTAINER = "backup/files-in-container.sh";
    public static final String BACKUP_REPOSITORY_IN_CONTAINER = "backup/repository-in-container.sh";
    public static final String BACKUP_STANZA = "backup/stanza.sh";
    public static final String BACKUP_FINAL_ARCHIVE = "backup/final-archive.sh";
    public static final String BACKUP_PASSPHRASE = "backup/passphrase.sh";
    public static final String RESTORE_IN_CONTAINER = "backup/restore-in-container.sh";

    public static final String MEMBER_CONF = "patroni/member-conf.sh";
    public static final String MEMBER_CONF_IN_CONTAINER = "patroni/member-conf-in-container.sh";
    public static final String DCS_CONFIG = "patroni/dcs-config.sh";
    public static final String PATCH_CONFIG = "patroni/patch-config.py";
    public static final String ON_LEADER = "patroni/on-leader.sh";
    public static final String LEADER = "patroni/leader.sh";
    public static final String SWITCHOVER = "patroni/switchover.py";
    public static final String HANDOVER = "patroni/handover.sh";
    public static final String HANDOVER_IN_CONTAINER = "patroni/handover-in-container.sh";

    private InitScripts() {
    }

    /**
     * Shell scripts run one after the other in one shell, {@code init/lib/common.sh} once in front:
     * a prelude that sets what the next one reads.
     */
    public static String readJoined(String... paths) {
        var body = new StringBuilder();
        for (String path : paths) {
            body.append("\n").append(raw(path));
        }
        return raw(COMMON) + (HOST_FUNCTIONS.matcher(body).find() ? "\n" + raw(HOSTS) : "") + body;
    }

    /**
     * The text of {@code init/<path>}; a shell script ({@code .sh}) comes with
     * {@code init/lib/common.sh} in front of it, so it can run on its own anywhere.
     */
    public static String read(String path) {
        String text = raw(path);
        if (!path.endsWith(".sh") || path.equals(COMMON)) {
            return text;
        }
        return path.equals(HOSTS) ? raw(COMMON) + "\n" + text : prelude(text) + text;
    }

    /**
     * What goes in front of a script: {@code init/lib/common.sh}, and {@code init/lib/hosts.sh}
     * when the script uses one of its functions (only there: a step's script text is its input,
     * and the others need not change).
     */
    private static String prelude(String text) {
        return raw(COMMON) + "\n" + (HOST_FUNCTIONS.matcher(text).find() ? raw(HOSTS) + "\n" : "");
    }

    /**
     * The functions init/lib/hosts.sh defines (each line {@code name() {}), as a script calls them:
     * the file is their one owner.
     */
    private static final java.util.regex.Pattern HOST_FUNCTIONS = java.util.regex.Pattern.compile("\\b("
            + String.join("|", java.util.regex.Pattern.compile("(?m)^(pgc_[a-z_]+)\\(\\) \\{$").matcher(raw(HOSTS))
                    .results().map(m -> m.group(1)).toList())
            + ")\\b");

    private static String raw(String path) {
        try (InputStream in = InitScripts.class.getResourceAsStream("/init/" + path)) {
            if (in == null) {
                throw new IllegalStateException("init/" + path + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code init/node/pg_hba.conf.template} with the cluster's subnet, gateway and roles filled in.
     * With TLS every network line is {@code hostssl} and a network login without TLS is rejected
     * before any password is asked for; without it, the lines are {@code host}.
     */
    public static String pgHba(String subnet, String gateway, String replicationUser, boolean tls) {
        return pgHba(subnet, gateway, replicationUser, tls, false);
    }

    /**
     * {@link #pgHba(String, String, String, boolean)}, with {@code loopbackReplication}: the
     * replication role may also connect over the node's own loopback (ha: patroni asks its own
     * server where its WAL ends before a rewind; a process inside the container can read the
     * replication password file anyway). Replication stays refused from anywhere else.
     */
    public static String pgHba(String subnet, String gateway, String replicationUser, boolean tls,
                               boolean loopbackReplication) {
        return pgHba(subnet, gateway, replicationUser, tls, loopbackReplication, List.of());
    }

    /**
     * {@link #pgHba(String, String, String, boolean, boolean)}, with {@code peers}: the addresses of
     * the other Docker hosts of a cluster on several hosts, whose nodes stream and rewind from
     * this one (over TLS only: several hosts require it) — and nothing else from there.
     */
    public static String pgHba(String subnet, String gateway, String replicationUser, boolean tls,
                               boolean loopbackReplication, List<String> peers) {
        var peerLines = new StringBuilder();
        if (!peers.isEmpty()) {
            peerLines.append("# The other Docker hosts' nodes stream and rewind from here, from their host's address.\n");
            for (String peer : peers) {
                peerLines.append("{{HOST}} replication  {{REPLICATION_USER}}     ").append(String.format("%-20s", peer + "/32"))
                        .append(" scram-sha-256\n");
            }
        }
        var peerPostgres = new StringBuilder();
        for (String peer : peers) {
            peerPostgres.append("{{HOST}} postgres     {{REPLICATION_USER}}     ").append(String.format("%-20s", peer + "/32"))
                    .append(" scram-sha-256\n");
        }
        return read(PG_HBA_TEMPLATE)
                .replace("{{PEER_REPLICATION}}", peerLines.toString())
                .replace("{{PEER_POSTGRES}}", peerPostgres.toString())
                .replace("{{LOOPBACK_REPLICATION}}", loopbackReplication
                        ? "# Patroni asks its own server over loopback where its WAL ends (before a rewind).\n"
                        + "{{HOST}} replication  {{REPLICATION_USER}}     127.0.0.1/32         scram-sha-256\n"
                        : "")
                .replace("{{OVER_TLS}}", tls ? ", over TLS" : "")
                .replace("{{REJECT_PLAIN}}", tls
                        ? "# Without TLS no network login gets as far as a password.\n"
                        + "hostnossl all          all                      all                  reject\n"
                        + "hostnossl replication  all                      all                  reject\n"
                        : "")
                .replace("{{HOST}} ", tls ? "hostssl " : "host    ")
                .replace("{{SUBNET}}", subnet)
                .replace("{{GATEWAY}}", gateway)
                .replace("{{SUPERUSER}}", ClusterConfig.SUPERUSER)
                .replace("{{REPLICATION_USER}}", replicationUser);
    }
}
