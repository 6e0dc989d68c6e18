package dev.pgcluster.config;

import java.util.Objects;

/**
 * A cluster whose primary starts from a backup (README: Backups and recovery, "Restore"): the
 * primary's empty volume is filled by {@code pgbackrest restore} from another stack's retained
 * repository (or this stack's, after a destroy), recovered to the target and promoted; the
 * standbys are seeded from it as usual. The source's volumes are only read.
 *
 * @param source the source stack's name prefix ({@code <project>-<stack>}): its stanza, and its
 *               volumes {@code <source>-backup-repo} and {@code <source>-backup-conf} on the first
 *               node's Docker host
 * @param type   {@code default} (the end of the archive), {@code time} or {@code name}
 * @param target for {@code time} the UTC time ({@code 2026-12-07 09:00:00.000000+00}), for
 *               {@code name} the restore point; empty for {@code default}
 */
public record RestoreSettings(String source, String type, String target) {
    public RestoreSettings {
        Objects.requireNonNull(source);
        Objects.requireNonNull(type);
        Objects.requireNonNull(target);
    }

    public String repositoryVolume() {
        return source + "-backup-repo";
    }

    public String configVolume() {
        return source + "-backup-conf";
    }
}
