#!/bin/sh
# pg-cluster (ha: none, the "handover" step): runs in a one-off container with a former Patroni
# member's volume, PostgreSQL stopped. Puts back the configuration file initdb wrote (Patroni had
# renamed it to postgresql.base.conf and written its own in its place; ha: none passes every
# setting on the command line), and removes Patroni's cached DCS configuration and the backups of
# configuration files it made. On a replica it also drops the replication slots Patroni kept there
# for the other members: with no Patroni to move them on, they would hold WAL on the replica until
# max_slot_wal_keep_size. The primary keeps its slots: they are named after the replicas, as
# ha: none names them, and its slot steps take them over. Patroni's own files in conf/ stay: a
# member started again finds everything it needs (it renames postgresql.conf again, and makes its
# slots again).
#   PGC_NODE, PGC_ROLE (primary | replica)
set -eu

pgc_require PGC_NODE PGC_ROLE
data=/var/lib/postgresql/data/pgdata
[ -e "$data/PG_VERSION" ] || { echo "pg-cluster: $PGC_NODE: no database cluster on the volume" >&2; exit 3; }
if [ -e "$data/postmaster.pid" ]; then
    echo "pg-cluster: $PGC_NODE: PostgreSQL did not stop cleanly (postmaster.pid is there): refusing to touch the volume." \
        "Start the member again (docker start), let it recover, and run pulumi up again" >&2
    exit 3
fi
if [ -e "$data/postgresql.base.conf" ] && grep -q 'overwritten by Patroni' "$data/postgresql.conf" 2>/dev/null; then
    mv "$data/postgresql.base.conf" "$data/postgresql.conf"
    echo "pg-cluster: $PGC_NODE: postgresql.conf is initdb's again"
fi
rm -f "$data/patroni.dynamic.json" "$data/postgresql.conf.backup" "$data/pg_hba.conf.backup" "$data/pg_ident.conf.backup"
if [ "$PGC_ROLE" = replica ] && [ -n "$(ls -A "$data/pg_replslot" 2>/dev/null)" ]; then
    echo "pg-cluster: $PGC_NODE: dropping the slots Patroni kept on this replica: $(ls "$data/pg_replslot" | tr '\n' ' ')"
    rm -rf "$data"/pg_replslot/*
fi
