package dev.pgcluster.backup;

import dev.pgcluster.cluster.InitScripts;
import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.config.RestoreSettings;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A primary that starts from a backup ({@code restoreFrom}, README: Backups and recovery,
 * "Restore"): what the primary's seed step (init/node/seed.sh) needs to fill its empty volume with
 * {@code pgbackrest restore} and recovery in its one-off container
 * (init/backup/restore-in-container.sh) instead of initdb. The source's volumes are mounted
 * read-only (a source with an S3 repository has only its config volume, and the one-off container
 * reaches the store from the cluster network); the standbys are seeded from the restored primary
 * as from any primary.
 */
public final class Restore {
    /**
     * Where the source's repository volume is mounted in the one-off container: where its
     * repository container has it, so the source's {@code repo1-*} settings hold as they are.
     */
    public static final String REPOSITORY_MOUNT = BackupFiles.REPOSITORY_PATH;
    /** Where the source's repository config volume (its passphrase, any S3 keys) is mounted there: the same. */
    public static final String CONFIG_MOUNT = BackupFiles.REPOSITORY_CONFIG_PATH;

    private Restore() {
    }

    /** The seed step's environment for a restore; empty without {@code restoreFrom}. */
    public static Map<String, String> seedEnvironment(ClusterConfig config) {
        var env = new LinkedHashMap<String, String>();
        if (config.restore().isEmpty()) {
            return env;
        }
        RestoreSettings restore = config.restore().get();
        env.put("PGC_RESTORE_SCRIPT", InitScripts.read(InitScripts.RESTORE_IN_CONTAINER));
        env.put("PGC_RESTORE_REPOSITORY_VOLUME", restore.repositoryVolume());
        env.put("PGC_RESTORE_CONFIG_VOLUME", restore.configVolume());
        env.put("PGC_RESTORE_REPOSITORY", REPOSITORY_MOUNT);
        env.put("PGC_RESTORE_CONFIG", CONFIG_MOUNT);
        env.put("PGC_RESTORE_STANZA", restore.source());
        env.put("PGC_RESTORE_TYPE", restore.type());
        env.put("PGC_RESTORE_TARGET", restore.target());
        env.put("PGC_TIMEOUT_SECONDS", String.valueOf(config.healthTimeoutSeconds()));
        return env;
    }
}
