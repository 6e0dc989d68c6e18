#!/bin/bash
# The minimal hand-run sequence a bring-up cannot go below: initdb, start, replication role and
# slots, base backups (in parallel), start the standbys. Plain docker CLI, no health checks; waits
# by polling pg_isready. Usage: minimal.sh up N | minimal.sh down
#   BENCH_IMAGE, BENCH_PASSWORD, BENCH_PORT0..N, BENCH_NAME (prefix of every object)
set -euo pipefail
name=${BENCH_NAME:?}
label="pg-cluster-bench=minimal"
if [ "$1" = down ]; then
    docker ps -aq --filter "label=$label" --filter "name=^${name}-" | xargs -r docker rm -f >/dev/null
    docker volume ls -q --filter "label=$label" --filter "name=^${name}-" | xargs -r docker volume rm >/dev/null
    docker network ls -q --filter "label=$label" --filter "name=^${name}-" | xargs -r docker network rm >/dev/null
    exit 0
fi
n=$2
docker network create --label "$label" "$name-net" >/dev/null
docker run -d --name "$name-pg0" --label "$label" --network "$name-net" --network-alias pg0 \
    -e POSTGRES_PASSWORD="$BENCH_PASSWORD" -p "127.0.0.1:${BENCH_PORT0}:5432" \
    --mount "type=volume,src=$name-pg0-data,dst=/var/lib/postgresql/data,volume-label=$label" \
    "$BENCH_IMAGE" postgres -c wal_level=replica -c max_wal_senders=10 -c max_replication_slots=10 >/dev/null
until docker exec "$name-pg0" pg_isready -q -h 127.0.0.1 -U postgres 2>/dev/null; do sleep 0.05; done
{
    echo "CREATE ROLE replicator WITH LOGIN REPLICATION PASSWORD '$BENCH_PASSWORD';"
    for i in $(seq 1 "$n"); do echo "SELECT pg_create_physical_replication_slot('pg$i', true);"; done
} | docker exec -i -u postgres "$name-pg0" psql -q -X -v ON_ERROR_STOP=1 >/dev/null
docker exec -u postgres "$name-pg0" sh -c 'echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf" && pg_ctl reload -s'
pids=""
for i in $(seq 1 "$n"); do
    (
        port_var="BENCH_PORT$i"
        docker run --rm --label "$label" --network "$name-net" -e PGPASSWORD="$BENCH_PASSWORD" \
            --mount "type=volume,src=$name-pg$i-data,dst=/var/lib/postgresql/data,volume-label=$label" \
            --user postgres --entrypoint sh "$BENCH_IMAGE" -c \
            "pg_basebackup -h pg0 -U replicator -D /var/lib/postgresql/data -X stream -S pg$i -R --checkpoint=fast \
             && echo \"primary_conninfo = 'host=pg0 user=replicator password=$BENCH_PASSWORD application_name=pg$i'\" >> /var/lib/postgresql/data/postgresql.auto.conf"
        docker run -d --name "$name-pg$i" --label "$label" --network "$name-net" \
            -p "127.0.0.1:${!port_var}:5432" \
            --mount "type=volume,src=$name-pg$i-data,dst=/var/lib/postgresql/data,volume-label=$label" \
            "$BENCH_IMAGE" postgres >/dev/null
    ) &
    pids="$pids $!"
done
for pid in $pids; do wait "$pid"; done
