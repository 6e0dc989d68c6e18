#!/bin/sh
# pg-cluster step "passwords": makes the primary's superuser and replication role use the
# passwords Pulumi holds (from secret config, or generated and kept in state).
#
# The image sets them only when it initializes an empty data directory; a primary started on
# data that already exists (a volume retained across `pulumi destroy`, then `pulumi up` with
# newly generated passwords) would otherwise keep old ones the stack's outputs no longer know.
# Runs after the primary is healthy, and again whenever a password changes.
#
# Reaches the server over its Unix socket as the postgres OS user (peer authentication). The
# passwords arrive on stdin, one per line, and go to psql on its stdin: never in an argv.
#   PGC_PRIMARY_CONTAINER  the primary's container name
#   PGC_SUPERUSER          the superuser role
#   PGC_REPLICATION_USER   the replication role
set -eu

pgc_require PGC_PRIMARY_CONTAINER PGC_SUPERUSER PGC_REPLICATION_USER

IFS= read -r superuser_password || true
IFS= read -r replication_password || true
if [ -z "$superuser_password" ] || [ -z "$replication_password" ]; then
    echo "pg-cluster: expected two passwords on stdin" >&2
    exit 2
fi

# synchronous_commit=local: with synchronous standbys configured but not yet streaming, the
# commit must not wait for them. Role names are validated identifiers.
{
    echo "SET synchronous_commit = local;"
    echo "ALTER ROLE \"$PGC_SUPERUSER\" PASSWORD $(pgc_literal "$superuser_password");"
    echo "ALTER ROLE \"$PGC_REPLICATION_USER\" PASSWORD $(pgc_literal "$replication_password");"
} | docker exec -i -u postgres "$PGC_PRIMARY_CONTAINER" psql -X -q -v ON_ERROR_STOP=1 -d postgres
echo "pg-cluster: passwords of $PGC_SUPERUSER and $PGC_REPLICATION_USER are set on $PGC_PRIMARY_CONTAINER"
