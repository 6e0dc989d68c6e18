# pg-cluster: runs inside the one-off base-backup container (as root, with /bin/sh), the
# replica's volume mounted at /var/lib/postgresql/data. The replication password is the first
# line of stdin.
#
# The backup is written next to the data directory and renamed into place only when complete,
# so the volume never holds a half-written data directory under the name the server uses. A
# volume that already holds anything in that place is never touched (exit status 3).
set -eu

volume=/var/lib/postgresql/data
target="$volume/pgdata"
partial="$volume/pgdata.partial"

if [ -e "$target/PG_VERSION" ]; then
    echo "pg-cluster: the volume of $PGC_NODE already holds a cluster ($target/PG_VERSION); refusing to touch it" >&2
    exit 3
fi
if [ -e "$target" ] && [ -n "$(ls -A "$target" 2>/dev/null)" ]; then
    echo "pg-cluster: $target on the volume of $PGC_NODE is not empty; refusing to touch it" >&2
    exit 3
fi

IFS= read -r PGPASSWORD || true
export PGPASSWORD

# Leftovers of an interrupted attempt are ours and incomplete by construction.
rm -rf "$partial"
trap 'rm -rf "$partial"' EXIT
mkdir -p "$partial"

# -R writes standby.signal and primary_conninfo (with application_name = the node name);
# -S streams from the node's slot so the primary keeps the WAL the replica will need.
pg_basebackup --pgdata="$partial" --wal-method=stream --slot="$PGC_SLOT" --write-recovery-conf \
    --checkpoint=fast --no-password \
    --dbname="host=$PGC_PRIMARY_HOST port=$PGC_PRIMARY_PORT user=$PGC_REPLICATION_USER application_name=$PGC_NODE"

chown -R postgres:postgres "$partial"
chmod 0700 "$partial"
sync
if [ -d "$target" ]; then
    rmdir "$target"
fi
mv "$partial" "$target"
trap - EXIT
sync
echo "pg-cluster: base backup of $PGC_NODE complete"
