#!/bin/sh
# pg-cluster step "replication-slot", create: makes sure the physical replication slot
# $PGC_SLOT exists on the primary and holds WAL. Running it again is a no-op, unless the slot was
# invalidated (wal_status "lost": it passed max_slot_wal_keep_size and holds no WAL any more);
# then, and only then, it is dropped and made again (a standby that needed the lost WAL must be
# seeded afresh; README, Troubleshooting).
#
# Runs where Pulumi runs and reaches the primary through the Docker API (DOCKER_HOST when set),
# so it needs no route to the database and no password: psql connects over the primary's Unix
# socket as the postgres OS user (peer authentication, a hardened session).
#   PGC_PRIMARY_CONTAINER  the primary's container name
#   PGC_SLOT               the slot name (the replica's node name)
set -eu

: "${PGC_PRIMARY_CONTAINER:?PGC_PRIMARY_CONTAINER is not set}"
: "${PGC_SLOT:?PGC_SLOT is not set}"

# immediately_reserve=true: the slot holds WAL from now on, before the base backup connects.
recreated=$(pgc_psql "$PGC_PRIMARY_CONTAINER" postgres -At -v slot="$PGC_SLOT" <<'SQL'
SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots
WHERE slot_name = :'slot' AND wal_status = 'lost' AND NOT active;
SELECT pg_create_physical_replication_slot(:'slot', true)
WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = :'slot');
SQL
)
if [ "$(printf '%s\n' "$recreated" | head -n 1)" = 1 ]; then
    echo "pg-cluster: replication slot $PGC_SLOT on $PGC_PRIMARY_CONTAINER was lost (it held no WAL any more); made it again"
else
    echo "pg-cluster: replication slot $PGC_SLOT is present on $PGC_PRIMARY_CONTAINER"
fi
