# pg-cluster: runs inside the one-off seed container of the node that is to be the primary (as the
# postgres user, with /bin/sh), its volume mounted at /var/lib/postgresql/data and the other
# nodes' existing volumes read-only under /peers/<node>. Stdin: the superuser password, then the
# replication role's SCRAM verifier, one per line.
#
# Initializes a new database cluster next to the data directory and renames it into place only
# when complete: initdb (checksums on, peer for the socket, SCRAM for the network), the
# replication role, the application database. (pg_hba.conf is not in the data directory: each
# node's conf step keeps it beside, see init/node/sync-conf.sh.) Node containers never
# initialize anything themselves: they carry no password, so an empty volume makes the image's
# entrypoint refuse to start instead of creating a new, unrelated database.
# Exit status: 0 initialized, 4 the volume already holds a cluster (kept as it is), 3 refused.
set -eu

volume=/var/lib/postgresql/data
target="$volume/pgdata"
partial="$volume/pgdata.partial"

IFS= read -r superuser_password || true
IFS= read -r replication_verifier || true
if [ -z "$superuser_password" ] || [ -z "$replication_verifier" ]; then
    echo "pg-cluster: expected the superuser's password and the replication role's verifier on stdin" >&2
    exit 2
fi

if [ -e "$target/PG_VERSION" ]; then
    echo "pg-cluster: $PGC_NODE keeps the cluster already on its volume" >&2
    exit 4
fi
if [ -e "$target" ] && [ -n "$(ls -A "$target" 2>/dev/null)" ]; then
    echo "pg-cluster: $target on the volume of $PGC_NODE is not empty; refusing to touch it" >&2
    exit 3
fi
for peer in /peers/*; do
    if [ -e "$peer/pgdata/PG_VERSION" ]; then
        echo "pg-cluster: $PGC_NODE is the configured primary but its volume is empty, while the volume of" \
            "$(basename "$peer") holds the cluster's data: initializing $PGC_NODE would start a second, unrelated" \
            "database. Set pg-cluster:primary to a node that holds the data (README: Failover)." >&2
        exit 3
    fi
done

# Leftovers of an interrupted attempt are ours and incomplete by construction.
rm -rf "$partial"
trap 'rm -rf "$partial"' EXIT

# shellcheck disable=SC2086 # PGC_INITDB_ARGS is a list of options
printf '%s\n' "$superuser_password" |
    initdb --pgdata="$partial" --username=postgres --pwfile=/dev/stdin $PGC_INITDB_ARGS >&2

# A socket-only server for the roles and the database; nothing can connect over the network.
pg_ctl --pgdata="$partial" --wait --timeout=120 --silent \
    -o "-c listen_addresses='' -c unix_socket_directories=/tmp" start >&2
# The verifier goes to psql on stdin, never in an argv; a failed statement logs a verifier, never a
# password. Names are validated identifiers.
{
    echo "CREATE ROLE \"$PGC_REPLICATION_USER\" WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE" \
        "NOINHERIT PASSWORD $(pgc_literal "$replication_verifier");"
    if [ "$PGC_DATABASE" != postgres ]; then
        echo "CREATE DATABASE \"$PGC_DATABASE\";"
    fi
} | PGOPTIONS="$PGC_SAFE_SESSION_OPTIONS" psql -X -q -v ON_ERROR_STOP=1 --host=/tmp --username=postgres --dbname=postgres
pg_ctl --pgdata="$partial" --wait --timeout=120 --silent --mode=fast stop >&2

touch "$partial/pg-cluster-init.done"
pgc_move_into_place "$partial" "$target"
pgc_set_role primary
trap - EXIT
echo "pg-cluster: initialized a new database cluster for $PGC_NODE (role $PGC_REPLICATION_USER, database $PGC_DATABASE)" >&2
