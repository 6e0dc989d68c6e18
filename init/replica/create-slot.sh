#!/bin/sh
# pg-cluster step "replication-slot", create: makes sure the physical replication slot
# $PGC_SLOT exists on the primary. Running it again is a no-op.
#
# Runs where Pulumi runs and reaches the primary through the Docker API (DOCKER_HOST when set),
# so it needs no route to the database and no password: psql connects over the primary's Unix
# socket as the postgres OS user (peer authentication).
#   PGC_PRIMARY_CONTAINER  the primary's container name
#   PGC_SLOT               the slot name (the replica's node name)
set -eu

: "${PGC_PRIMARY_CONTAINER:?PGC_PRIMARY_CONTAINER is not set}"
: "${PGC_SLOT:?PGC_SLOT is not set}"

# immediately_reserve=true: the slot holds WAL from now on, before the base backup connects.
docker exec -i -u postgres "$PGC_PRIMARY_CONTAINER" \
    psql -X -q -At -v ON_ERROR_STOP=1 -d postgres -v slot="$PGC_SLOT" <<'SQL'
SELECT pg_create_physical_replication_slot(:'slot', true)
WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = :'slot');
SQL
echo "pg-cluster: replication slot $PGC_SLOT is present on $PGC_PRIMARY_CONTAINER"
