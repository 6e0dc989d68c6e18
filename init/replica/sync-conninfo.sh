#!/bin/sh
# pg-cluster step "conninfo": points a running replica at its primary the way the stack says
# (host, slot, TLS), its password read from the replication password file its conf step keeps on
# the volume: a changed replicationPassword reaches the standbys through that file, and
# primary_conninfo, which pg_read_all_settings (pg_monitor) can read and the server logs on every
# change, holds none. PostgreSQL re-reads primary_conninfo on reload and restarts its WAL receiver
# with it; nothing is restarted.
#
# Runs where Pulumi runs, through the docker CLI and the replica's Unix socket (peer
# authentication, a hardened session).
#   PGC_REPLICA_CONTAINER      the replica's container name
#   PGC_NODE, PGC_SLOT         its node name (application_name) and slot
#   PGC_PRIMARY_HOST/PORT      where the primary listens on the cluster network
#   PGC_REPLICATION_USER       the replication role
#   PGC_TLS                    on: over TLS, checking the primary's certificate against the cluster's CA
set -eu

pgc_require PGC_TLS PGC_REPLICA_CONTAINER PGC_NODE PGC_SLOT PGC_PRIMARY_HOST PGC_PRIMARY_PORT PGC_REPLICATION_USER

# A stopped standby keeps what the primary step wrote into its data (the same settings); it
# streams from the primary when it is started.
state=$(pgc_container_state "$PGC_REPLICA_CONTAINER")
if [ "$state" = unknown ]; then
    echo "pg-cluster: cannot ask ${DOCKER_HOST:-the Docker host} about $PGC_REPLICA_CONTAINER; nothing was changed there. Run pulumi up again once it answers" >&2
    exit 1
fi
if [ "$state" != running ]; then
    echo "pg-cluster: $PGC_REPLICA_CONTAINER is ${state:-missing}; the primary step configured its data to stream from $PGC_PRIMARY_HOST once it is started"
    exit 0
fi
# Only a standby has a primary to follow.
if [ "$(pgc_psql "$PGC_REPLICA_CONTAINER" postgres -At -c 'SELECT pg_is_in_recovery()')" != t ]; then
    echo "pg-cluster: $PGC_REPLICA_CONTAINER is not a standby; it cannot stream from $PGC_PRIMARY_HOST" >&2
    exit 1
fi
{
    echo "ALTER SYSTEM SET primary_conninfo = $(pgc_literal "$(pgc_primary_conninfo "$PGC_NODE")");"
    echo "ALTER SYSTEM SET primary_slot_name = $(pgc_literal "$PGC_SLOT");"
    echo "SELECT pg_reload_conf();"
} | pgc_psql "$PGC_REPLICA_CONTAINER" postgres -At >/dev/null
echo "pg-cluster: $PGC_REPLICA_CONTAINER streams from $PGC_PRIMARY_HOST as $PGC_REPLICATION_USER (password from its password file)"
