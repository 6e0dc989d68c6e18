#!/bin/sh
# pg-cluster step "seed", create: fills a node's empty data volume before its container first
# starts. Every node has this step; what it does depends on the node's role now:
#   primary  a new database cluster (init/node/init-in-container.sh), unless the volume holds one;
#   replica  a base backup from the primary through the node's slot
#            (init/node/base-backup-in-container.sh), or resuming on retained data.
#
# Runs where Pulumi runs. A one-off container of the cluster's image, with the node's volume
# mounted, does the work. Stdin: the superuser's password, then the replication role's SCRAM
# verifier (never its password: the server would log a failed statement with it), one per line;
# a new cluster gets them through the one-off container's stdin: in no argv, in no container's
# environment. A base backup logs in with the replication password file the node's conf step
# put on the volume.
#
#   PGC_ROLE                      primary | replica
#   PGC_NODE, PGC_SLOT            the node's name and its replication slot
#   PGC_VOLUME, PGC_NETWORK       its data volume and the cluster network
#   PGC_IMAGE                     the cluster's image
#   PGC_PRIMARY_HOST/PORT         where the primary listens: on the cluster network, or across
#                                 Docker hosts its host's address and published port (replica)
#   PGC_PRIMARY_NODE/CONTAINER    across hosts only: the primary, asked on its own host (pgc_on)
#   PGC_TLS                       on: the base backup runs over TLS and checks the primary's
#                                 certificate against the CA the node's conf step put on its volume
#   PGC_REPLICATION_USER          the replication role
#   PGC_ATTEMPTS                  how many times to try a base backup before giving up
#   PGC_PROJECT, PGC_STACK        for the labels of the one-off container
#   PGC_NAME_PREFIX               prefix of the one-off container's name
#   PGC_DATABASE, PGC_INITDB_ARGS the new cluster's database and initdb options
#   PGC_INIT_SCRIPT, PGC_BACKUP_SCRIPT       what the one-off container runs
#   PGC_RESTORE_SCRIPT            primary with restoreFrom: fills the volume from a backup instead of
#                                 initdb (init/backup/restore-in-container.sh), with the source's
#                                 PGC_RESTORE_CONFIG_VOLUME and PGC_RESTORE_REPOSITORY_VOLUME (for
#                                 an S3 store, whose config says repo1-type=s3, the cluster network
#                                 instead) mounted
#                                 read-only at PGC_RESTORE_CONFIG and PGC_RESTORE_REPOSITORY, and
#                                 PGC_RESTORE_STANZA, PGC_RESTORE_TYPE, PGC_RESTORE_TARGET, PGC_TIMEOUT_SECONDS
#
# Its only line on stdout names the data the node starts on ("<node> initialized|kept|seeded|
# resumed <UTC time> <random>"); the node's container carries it as a label, so new data always
# gets a new container. Every other message goes to stderr.
set -eu

pgc_require PGC_ROLE PGC_NODE PGC_SLOT PGC_VOLUME PGC_NETWORK PGC_IMAGE PGC_REPLICATION_USER PGC_ATTEMPTS \
    PGC_PROJECT PGC_STACK PGC_NAME_PREFIX

IFS= read -r superuser_password || true
IFS= read -r replication_verifier || true
if [ -z "$superuser_password" ] || [ -z "$replication_verifier" ]; then
    echo "pg-cluster: expected the superuser's password and the replication role's verifier on stdin" >&2
    exit 2
fi

runner="$PGC_NAME_PREFIX-$PGC_NODE-seed"
labels="--label pg-cluster.project=$PGC_PROJECT --label pg-cluster.stack=$PGC_STACK --label pg-cluster.node=$PGC_NODE"

name_data() {
    printf '%s %s %s %s\n' "$PGC_NODE" "$1" "$(date -u +%Y%m%dT%H%M%SZ)" "$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
}

if [ "$PGC_ROLE" = primary ]; then
    pgc_require PGC_DATABASE PGC_INITDB_ARGS PGC_INIT_SCRIPT
    # The stack's other data volumes, found by label (none of them may hold data); only those
    # that exist: mounting a missing named volume would create it.
    peers=""
    for peer in $(docker volume ls -q --filter "label=pg-cluster.project=$PGC_PROJECT" \
        --filter "label=pg-cluster.stack=$PGC_STACK" --filter label=pg-cluster.node); do
        if [ "$peer" != "$PGC_VOLUME" ]; then
            peers="$peers --volume $peer:/peers/$peer:ro"
        fi
    done
    # Across hosts (PGC_NODE_DOCKER) the other nodes' volumes are on their own hosts: each is
    # asked there, in a one-off container of the image on that host. A host that cannot be asked
    # refuses the seed, as a volume that holds data would.
    if [ -n "${PGC_NODE_DOCKER:-}" ]; then
        for other in $(printf '%s\n' "$PGC_NODE_DOCKER" | awk '{ print $1 }'); do
            [ "$other" != "$PGC_NODE" ] || continue
            volume="$PGC_NAME_PREFIX-$other-data"
            if ! pgc_on "$other" docker version >/dev/null 2>&1; then
                echo "pg-cluster: the Docker host of $other cannot be reached to ask whether its volume holds the" \
                    "cluster's data: refusing to initialize $PGC_NODE" >&2
                exit 3
            fi
            pgc_on "$other" docker volume inspect "$volume" >/dev/null 2>&1 || continue
            found=0
            # shellcheck disable=SC2086 # $labels and PGC_ONE_OFF_HARDENING are lists of options
            pgc_on "$other" docker run --rm --network none $PGC_ONE_OFF_HARDENING --user postgres \
                --volume "$volume:/peer:ro" $labels --label pg-cluster.role=seed-check "$(pgc_image_of "$other")" \
                test -e /peer/pgdata/PG_VERSION || found=$?
            case "$found" in
                0)
                    echo "pg-cluster: $PGC_NODE is the configured primary but its volume is empty, while the volume of" \
                        "$other holds the cluster's data: initializing $PGC_NODE would start a second, unrelated" \
                        "database. Set pg-cluster:primary to a node that holds the data (README: Failover)." >&2
                    exit 3
                    ;;
                1) ;;
                *)
                    echo "pg-cluster: could not look into $other's volume on its host (exit status $found):" \
                        "refusing to initialize $PGC_NODE" >&2
                    exit 3
                    ;;
            esac
        done
    fi
    script=$PGC_INIT_SCRIPT made=initialized sources="" network=none
    if [ -n "${PGC_RESTORE_SCRIPT:-}" ]; then
        pgc_require PGC_RESTORE_REPOSITORY_VOLUME PGC_RESTORE_CONFIG_VOLUME PGC_RESTORE_REPOSITORY PGC_RESTORE_CONFIG \
            PGC_RESTORE_STANZA PGC_RESTORE_TYPE PGC_TIMEOUT_SECONDS
        # Only existing volumes: mounting a missing one would create it, empty.
        if ! docker volume inspect "$PGC_RESTORE_CONFIG_VOLUME" >/dev/null 2>&1; then
            echo "pg-cluster: pg-cluster:restoreFrom names stanza $PGC_RESTORE_STANZA, but the volume $PGC_RESTORE_CONFIG_VOLUME" \
                "is not on ${DOCKER_HOST:-the Docker host}: nothing to restore from (README: Backups and recovery)" >&2
            exit 3
        fi
        script=$PGC_RESTORE_SCRIPT made=restored
        sources="--volume $PGC_RESTORE_CONFIG_VOLUME:$PGC_RESTORE_CONFIG:ro"
        # Where the source's repository is, as its own config says (repo1-type).
        # shellcheck disable=SC2086 # $labels and PGC_ONE_OFF_HARDENING are lists of options
        storage=$(docker run --rm --network none $PGC_ONE_OFF_HARDENING --user postgres \
            --volume "$PGC_RESTORE_CONFIG_VOLUME:/source:ro" $labels --label pg-cluster.role=restore-check "$PGC_IMAGE" \
            sed -n 's/^repo1-type=//p' /source/pgbackrest.conf) || storage=""
        if [ "$storage" = s3 ]; then
            # An S3 store, reached from the cluster network as the repository container reaches it.
            network=$PGC_NETWORK
        elif docker volume inspect "$PGC_RESTORE_REPOSITORY_VOLUME" >/dev/null 2>&1; then
            sources="$sources --volume $PGC_RESTORE_REPOSITORY_VOLUME:$PGC_RESTORE_REPOSITORY:ro"
        else
            echo "pg-cluster: pg-cluster:restoreFrom names stanza $PGC_RESTORE_STANZA, whose repository is the volume" \
                "$PGC_RESTORE_REPOSITORY_VOLUME, which is not on ${DOCKER_HOST:-the Docker host}: nothing to restore from" \
                "(README: Backups and recovery)" >&2
            exit 3
        fi
    fi
    docker rm -f -v "$runner" >/dev/null 2>&1 || true
    status=0
    # shellcheck disable=SC2086 # $labels, $peers, $sources and PGC_ONE_OFF_HARDENING are lists of options
    printf '%s\n%s\n' "$superuser_password" "$replication_verifier" | docker run -i --rm --name "$runner" \
        --user postgres --network "$network" $PGC_ONE_OFF_HARDENING --volume "$PGC_VOLUME:/var/lib/postgresql/data" $peers \
        $sources $labels --label pg-cluster.role=seed \
        --env PGC_NODE --env PGC_REPLICATION_USER --env PGC_DATABASE --env PGC_INITDB_ARGS \
        --env PGC_RESTORE_REPOSITORY --env PGC_RESTORE_CONFIG --env PGC_RESTORE_STANZA --env PGC_RESTORE_TYPE \
        --env PGC_RESTORE_TARGET --env PGC_TIMEOUT_SECONDS \
        "$PGC_IMAGE" sh -c "$script" >&2 || status=$?
    case "$status" in
        0) name_data "$made" ;;
        4) name_data kept ;;
        *) exit "$status" ;;
    esac
    exit 0
fi

pgc_require PGC_PRIMARY_HOST PGC_PRIMARY_PORT PGC_TLS PGC_BACKUP_SCRIPT
# The primary's container, asked with docker exec on its own Docker host. On one host its
# container name is also the host name the base backup connects to; across hosts
# (PGC_NODE_DOCKER) the program names both (PGC_PRIMARY_NODE, PGC_PRIMARY_CONTAINER).
primary_container=${PGC_PRIMARY_CONTAINER:-$PGC_PRIMARY_HOST}
primary_node=${PGC_PRIMARY_NODE:-}

# What the primary says about itself and about the replica's slot, for a volume that already
# holds a cluster: it may resume streaming only if it is a standby of this very primary and the
# slot still holds the WAL it needs (see base-backup-in-container.sh).
ask_primary() {
    primary_facts=$(pgc_on "$primary_node" pgc_psql "$primary_container" postgres -At -F ' ' -v slot="$PGC_SLOT" <<'SQL'
SELECT (SELECT system_identifier FROM pg_control_system()),
       coalesce((SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = :'slot'), '-'),
       coalesce((SELECT wal_status FROM pg_replication_slots WHERE slot_name = :'slot'), '-');
SQL
    ) || { echo "pg-cluster: cannot query the primary $primary_container" >&2; exit 1; }
    set -- $primary_facts
    PGC_PRIMARY_SYSTEM_ID=$1 PGC_SLOT_RESTART_LSN=$2 PGC_SLOT_WAL_STATUS=$3
    export PGC_PRIMARY_SYSTEM_ID PGC_SLOT_RESTART_LSN PGC_SLOT_WAL_STATUS
}
ask_primary
remade=""

attempt=1
while :; do
    # A client killed mid-run can leave the one-off container behind; it holds nothing we keep.
    docker rm -f -v "$runner" >/dev/null 2>&1 || true
    status=0
    # shellcheck disable=SC2086 # $labels and PGC_ONE_OFF_HARDENING are lists of options
    docker run --rm --name "$runner" --network "$PGC_NETWORK" \
        $PGC_ONE_OFF_HARDENING --cap-add CHOWN --cap-add FOWNER --cap-add DAC_OVERRIDE \
        --volume "$PGC_VOLUME:/var/lib/postgresql/data" \
        $labels --label pg-cluster.role=base-backup \
        --env PGC_NODE --env PGC_SLOT --env PGC_PRIMARY_HOST --env PGC_PRIMARY_PORT \
        --env PGC_REPLICATION_USER --env PGC_PRIMARY_SYSTEM_ID --env PGC_SLOT_RESTART_LSN \
        --env PGC_SLOT_WAL_STATUS --env PGC_TLS \
        "$PGC_IMAGE" sh -c "$PGC_BACKUP_SCRIPT" >&2 || status=$?
    case "$status" in
        0) name_data seeded; exit 0 ;;
        4) name_data resumed; exit 0 ;;
        3) exit 3 ;; # the volume already holds a cluster: never retried, never touched
        6)
            # An empty volume and an invalidated slot: make the slot again (it holds WAL from
            # now on), once, and take the backup through it.
            if [ -z "$remade" ]; then
                remade=1
                pgc_on "$primary_node" pgc_psql "$primary_container" postgres -At -v slot="$PGC_SLOT" >/dev/null <<'SQL'
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
WHERE slot_name = :'slot' AND wal_status = 'lost' AND NOT active;
SELECT pg_create_physical_replication_slot(:'slot', true)
WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = :'slot');
SQL
                echo "pg-cluster: slot $PGC_SLOT was lost; made it again for the base backup of $PGC_NODE" >&2
                ask_primary
                continue
            fi
            ;;
    esac
    if [ "$attempt" -ge "$PGC_ATTEMPTS" ]; then
        echo "pg-cluster: base backup of $PGC_NODE failed $attempt times (last exit status $status); giving up" >&2
        exit "$status"
    fi
    echo "pg-cluster: base backup of $PGC_NODE failed (exit status $status), attempt $attempt of $PGC_ATTEMPTS; retrying" >&2
    sleep $((attempt * 2))
    attempt=$((attempt + 1))
done
