#!/bin/sh
# pg-cluster step "replication-slot", delete: drops the slot $PGC_SLOT on the primary so that it
# stops holding WAL once its replica is gone (scale-down, destroy).
#
# Pulumi deletes the replica container before this step, but the primary's walsender may hold
# the slot for a moment after its standby stopped: retry, a bounded number of times.
#
# With PGC_KEEP_SLOT=true (the stack retains its data volumes) the slot stays: it belongs with
# the replica's retained volume, and holds the WAL that replica needs to resume streaming when a
# later `pulumi up` brings it back. max_slot_wal_keep_size bounds what it can hold meanwhile.
set -eu

: "${PGC_PRIMARY_CONTAINER:?PGC_PRIMARY_CONTAINER is not set}"
: "${PGC_SLOT:?PGC_SLOT is not set}"
attempts="${PGC_DROP_ATTEMPTS:-30}"

if [ "${PGC_KEEP_SLOT:-false}" = true ]; then
    echo "pg-cluster: keeping replication slot $PGC_SLOT with the retained volume of its replica"
    exit 0
fi

state=$(pgc_container_state "$PGC_PRIMARY_CONTAINER")
if [ "$state" = missing ]; then
    echo "pg-cluster: primary $PGC_PRIMARY_CONTAINER does not exist; slot $PGC_SLOT went with it"
    exit 0
fi
if [ "$state" = unknown ]; then
    # A host that does not answer is not a primary that is gone: its slot would hold WAL there,
    # and nothing would drop it later.
    echo "pg-cluster: cannot ask ${DOCKER_HOST:-the Docker host} about the primary $PGC_PRIMARY_CONTAINER; slot $PGC_SLOT was not dropped. Run pulumi up again once it answers" >&2
    exit 1
fi
if [ "$state" != running ]; then
    # Its data volume still holds the slot; max_slot_wal_keep_size bounds what it can retain.
    echo "pg-cluster: warning: primary $PGC_PRIMARY_CONTAINER is not running; slot $PGC_SLOT stays in its data" >&2
    exit 0
fi

attempt=1
while :; do
    remaining=$(pgc_psql "$PGC_PRIMARY_CONTAINER" postgres -At -v slot="$PGC_SLOT" <<'SQL'
SELECT count(pg_drop_replication_slot(slot_name)) * 0 FROM pg_replication_slots
WHERE slot_name = :'slot' AND NOT active;
SELECT count(*) FROM pg_replication_slots WHERE slot_name = :'slot';
SQL
    ) || remaining="error"
    if [ "$(printf '%s\n' "$remaining" | tail -n 1)" = "0" ]; then
        echo "pg-cluster: dropped replication slot $PGC_SLOT on $PGC_PRIMARY_CONTAINER"
        exit 0
    fi
    if [ "$attempt" -ge "$attempts" ]; then
        echo "pg-cluster: slot $PGC_SLOT on $PGC_PRIMARY_CONTAINER is still in use after $attempts attempts" >&2
        exit 1
    fi
    attempt=$((attempt + 1))
    sleep 1
done
