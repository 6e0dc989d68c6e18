#!/bin/sh
# pg-cluster step "backup-final-archive", on delete (README: Backups and recovery): runs before
# the nodes, their sidecars and the repository container go (pulumi destroy); nothing else deletes
# it but backups turned off, when the nodes already run without archiving and it only warns (it
# takes only names, no output of theirs, so a repository container replaced during an up leaves
# it alone). A clean shutdown archives only finished WAL
# segments: what the primary wrote since its last switch would be in no archive, so a restore of
# the destroyed cluster would end before it. pgBackRest's check makes the primary switch and waits
# until that segment is in the repository. Best effort: a cluster whose archiving is broken is
# still destroyed, with a warning that says what may be missing.
#   PGC_REPOSITORY_CONTAINER, PGC_CONFIG_PATH, PGC_STANZA   as for init/backup/stanza.sh
#   PGC_FINAL_ARCHIVE_SECONDS   how long the check may wait for the segment, or for a node
set -u

pgc_require PGC_REPOSITORY_CONTAINER PGC_CONFIG_PATH PGC_STANZA PGC_FINAL_ARCHIVE_SECONDS
if [ "$(docker inspect --format '{{.State.Running}}' "$PGC_REPOSITORY_CONTAINER" 2>/dev/null)" != true ]; then
    echo "pg-cluster: warning: the repository container $PGC_REPOSITORY_CONTAINER is not running: the WAL written since" \
        "the last archived segment of $PGC_STANZA may be in no archive" >&2
    exit 0
fi
# Bounded everywhere: a node that is paused or does not answer must not hold the destroy up for
# pgBackRest's default timeouts (half an hour for a database session).
limit=$PGC_FINAL_ARCHIVE_SECONDS
if out=$(docker exec -u postgres "$PGC_REPOSITORY_CONTAINER" pgbackrest "--config-path=$PGC_CONFIG_PATH" \
    "--stanza=$PGC_STANZA" "--archive-timeout=$limit" "--db-timeout=$limit" "--io-timeout=$limit" \
    "--protocol-timeout=$((limit * 2))" --log-level-console=warn check 2>&1); then
    echo "pg-cluster: stanza $PGC_STANZA: the WAL written until now is archived" >&2
else
    echo "pg-cluster: warning: the WAL written since the last archived segment of $PGC_STANZA may be in no archive" \
        "(pgBackRest's check failed); pgBackRest said:" >&2
    printf '%s\n' "$out" >&2
fi
exit 0
