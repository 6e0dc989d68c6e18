#!/bin/sh
# pg-cluster step "base-backup", create: seeds a replica's empty data volume from the primary.
#
# Runs where Pulumi runs. A one-off container of the cluster's image, on the cluster network,
# with the replica's volume mounted, runs init/replica/base-backup-in-container.sh (passed in
# PGC_BACKUP_SCRIPT). The replication password arrives on this script's stdin and is handed on
# through the one-off container's stdin, so it is in no argv and in no container's environment.
#
#   PGC_NODE, PGC_SLOT            the replica's name and its replication slot
#   PGC_VOLUME, PGC_NETWORK       its data volume and the cluster network
#   PGC_IMAGE                     the cluster's image
#   PGC_PRIMARY_HOST/PORT         where the primary listens on the cluster network
#   PGC_REPLICATION_USER          the replication role
#   PGC_ATTEMPTS                  how many times to try before giving up
#   PGC_PROJECT, PGC_STACK        for the labels of the one-off container
#   PGC_NAME_PREFIX               prefix of the one-off container's name
#
# Its only line on stdout names the backup ("<node> seeded|resumed <UTC time> <random>"); the
# replica container carries it as a label, so a new backup always gets a new container. Every
# other message goes to stderr.
set -eu

for var in PGC_NODE PGC_SLOT PGC_VOLUME PGC_NETWORK PGC_IMAGE PGC_PRIMARY_HOST PGC_PRIMARY_PORT \
           PGC_REPLICATION_USER PGC_ATTEMPTS PGC_PROJECT PGC_STACK PGC_NAME_PREFIX PGC_BACKUP_SCRIPT; do
    eval "value=\${$var:-}"
    if [ -z "$value" ]; then
        echo "pg-cluster: $var is not set" >&2
        exit 2
    fi
done

IFS= read -r password || true
if [ -z "$password" ]; then
    echo "pg-cluster: no replication password on stdin" >&2
    exit 2
fi

# What the primary says about itself and about the replica's slot, for a volume that already
# holds a cluster: it may resume streaming only if it is a standby of this very primary and the
# slot still holds the WAL it needs (see base-backup-in-container.sh).
primary_facts=$(docker exec -i -u postgres "$PGC_PRIMARY_HOST" psql -X -q -At -F ' ' -v ON_ERROR_STOP=1 \
    -d postgres -v slot="$PGC_SLOT" <<'SQL'
SELECT (SELECT system_identifier FROM pg_control_system()),
       coalesce((SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = :'slot'), '-'),
       coalesce((SELECT wal_status FROM pg_replication_slots WHERE slot_name = :'slot'), '-');
SQL
) || { echo "pg-cluster: cannot query the primary $PGC_PRIMARY_HOST" >&2; exit 1; }
set -- $primary_facts
PGC_PRIMARY_SYSTEM_ID=$1 PGC_SLOT_RESTART_LSN=$2 PGC_SLOT_WAL_STATUS=$3
export PGC_PRIMARY_SYSTEM_ID PGC_SLOT_RESTART_LSN PGC_SLOT_WAL_STATUS

runner="$PGC_NAME_PREFIX-$PGC_NODE-base-backup"
attempt=1
while :; do
    # A client killed mid-run can leave the one-off container behind; it holds nothing we keep.
    docker rm -f "$runner" >/dev/null 2>&1 || true
    status=0
    printf '%s\n' "$password" | docker run -i --rm --name "$runner" \
        --network "$PGC_NETWORK" \
        --volume "$PGC_VOLUME:/var/lib/postgresql/data" \
        --label "pg-cluster.project=$PGC_PROJECT" --label "pg-cluster.stack=$PGC_STACK" \
        --label "pg-cluster.node=$PGC_NODE" --label "pg-cluster.role=base-backup" \
        --env PGC_NODE --env PGC_SLOT --env PGC_PRIMARY_HOST --env PGC_PRIMARY_PORT \
        --env PGC_REPLICATION_USER --env PGC_PRIMARY_SYSTEM_ID --env PGC_SLOT_RESTART_LSN \
        --env PGC_SLOT_WAL_STATUS \
        "$PGC_IMAGE" sh -c "$PGC_BACKUP_SCRIPT" >&2 || status=$?
    case "$status" in
        0 | 4)
            outcome=seeded
            [ "$status" -eq 4 ] && outcome=resumed
            printf '%s %s %s %s\n' "$PGC_NODE" "$outcome" "$(date -u +%Y%m%dT%H%M%SZ)" \
                "$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
            exit 0
            ;;
        3) exit 3 ;; # the volume already holds a cluster: never retried, never touched
    esac
    if [ "$attempt" -ge "$PGC_ATTEMPTS" ]; then
        echo "pg-cluster: base backup of $PGC_NODE failed $attempt times (last exit status $status); giving up" >&2
        exit "$status"
    fi
    echo "pg-cluster: base backup of $PGC_NODE failed (exit status $status), attempt $attempt of $PGC_ATTEMPTS; retrying" >&2
    sleep $((attempt * 2))
    attempt=$((attempt + 1))
done
