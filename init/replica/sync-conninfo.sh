#!/bin/sh
# pg-cluster step "conninfo": points a running replica at its primary with the replication
# password the stack holds now, so a changed replicationPassword (applied to the primary by its
# passwords step) reaches the replicas too. PostgreSQL re-reads primary_conninfo on reload and
# restarts its WAL receiver with it; nothing is restarted.
#
# Runs where Pulumi runs, through the docker CLI and the replica's Unix socket (peer
# authentication). The password arrives on stdin and goes to psql on its stdin: never in an argv.
#   PGC_REPLICA_CONTAINER      the replica's container name
#   PGC_NODE, PGC_SLOT         its node name (application_name) and slot
#   PGC_PRIMARY_HOST/PORT      where the primary listens on the cluster network
#   PGC_REPLICATION_USER       the replication role
#   PGC_TLS                    on: over TLS, checking the primary's certificate against the cluster's CA
set -eu

pgc_require PGC_TLS PGC_REPLICA_CONTAINER PGC_NODE PGC_SLOT PGC_PRIMARY_HOST PGC_PRIMARY_PORT PGC_REPLICATION_USER

IFS= read -r password || true
if [ -z "$password" ]; then
    echo "pg-cluster: no replication password on stdin" >&2
    exit 2
fi

# A stopped standby keeps what the primary step wrote into its data (the same settings); it
# streams from the primary when it is started.
state=$(docker container inspect --format '{{.State.Status}}' "$PGC_REPLICA_CONTAINER" 2>/dev/null) || state=missing
if [ "$state" != running ]; then
    echo "pg-cluster: $PGC_REPLICA_CONTAINER is ${state:-missing}; the primary step configured its data to stream from $PGC_PRIMARY_HOST once it is started"
    exit 0
fi
# Only a standby has a primary to follow.
if [ "$(docker exec -i -u postgres "$PGC_REPLICA_CONTAINER" psql -X -q -At -d postgres -c 'SELECT pg_is_in_recovery()')" != t ]; then
    echo "pg-cluster: $PGC_REPLICA_CONTAINER is not a standby; it cannot stream from $PGC_PRIMARY_HOST" >&2
    exit 1
fi
{
    echo "ALTER SYSTEM SET primary_conninfo = $(pgc_literal "$(pgc_primary_conninfo "$PGC_NODE" "$password")");"
    echo "ALTER SYSTEM SET primary_slot_name = $(pgc_literal "$PGC_SLOT");"
    echo "SELECT pg_reload_conf();"
} | docker exec -i -u postgres "$PGC_REPLICA_CONTAINER" psql -X -q -At -v ON_ERROR_STOP=1 -d postgres >/dev/null
echo "pg-cluster: $PGC_REPLICA_CONTAINER streams from $PGC_PRIMARY_HOST as $PGC_REPLICATION_USER with the stack's password"
