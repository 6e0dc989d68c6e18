#!/bin/bash
# A standby: on an empty volume, a base backup of the primary through a slot named after this
# host (pg_basebackup -C -S … -R writes standby.signal and primary_conninfo); then the server.
set -euo pipefail
export PGDATA=/var/lib/postgresql/data
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    runuser -u postgres -- env PGPASSWORD="$PGPASSWORD" pg_basebackup -h primary -U replicator -D "$PGDATA" \
        -X stream -C -S "$(hostname)" -R --checkpoint=fast
    echo "primary_conninfo = 'host=primary user=replicator password=$PGPASSWORD application_name=$(hostname)'" \
        >> "$PGDATA/postgresql.auto.conf"
fi
exec runuser -u postgres -- postgres -D "$PGDATA" -c hot_standby=on
