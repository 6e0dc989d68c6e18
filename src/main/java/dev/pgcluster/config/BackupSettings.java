package dev.pgcluster.config;

import java.util.Optional;

/**
 * Continuous WAL archiving and backups with pgBackRest (README: Backups and recovery): a
 * repository container on its own volumes, a pgBackRest TLS server beside each node, and
 * {@code archive_command} on every node (only the primary archives).
 *
 * @param enabled              declare them at all (off: nothing of it exists, nothing is archived)
 * @param passphrase           the repository's cipher passphrase from secret config; empty to have one
 *                             generated (kept in state, exported as {@code backupPassphrase})
 * @param retentionFull        full backups kept (each with the WAL it needs); older ones expire
 * @param retentionDiff        differential backups kept
 * @param archiveTimeoutSeconds PostgreSQL's {@code archive_timeout}: a WAL segment is switched and
 *                             archived at least this often while anything is written, which bounds
 *                             what the archive alone can lose
 * @param fullIntervalHours    a full backup is taken when the last one is older than this
 * @param diffIntervalHours    a differential backup is taken when the last backup is older than this
 * @param retainRepository     keep the repository's volumes when the stack is destroyed
 * @param s3                   the repository in an S3-compatible store ({@code backupStorage: s3});
 *                             empty for the repository volume
 */
public record BackupSettings(boolean enabled, Optional<Secret> passphrase, int retentionFull, int retentionDiff,
                             int archiveTimeoutSeconds, int fullIntervalHours, int diffIntervalHours,
                             boolean retainRepository, Optional<S3Settings> s3) {
    public static final int DEFAULT_RETENTION_FULL = 2;
    public static final int DEFAULT_RETENTION_DIFF = 6;
    public static final int DEFAULT_ARCHIVE_TIMEOUT_SECONDS = 60;
    public static final int DEFAULT_FULL_INTERVAL_HOURS = 168;
    public static final int DEFAULT_DIFF_INTERVAL_HOURS = 24;

    /** Backups off, as by default. */
    public static final BackupSettings OFF = new BackupSettings(false, Optional.empty(), DEFAULT_RETENTION_FULL,
            DEFAULT_RETENTION_DIFF, DEFAULT_ARCHIVE_TIMEOUT_SECONDS, DEFAULT_FULL_INTERVAL_HOURS,
            DEFAULT_DIFF_INTERVAL_HOURS, true, Optional.empty());
}
