# pg-cluster: runs inside the one-off base-backup container (as root, with /bin/sh), the
# replica's volume mounted at /var/lib/postgresql/data. The replication password is read from the
# replication password file the node's conf step keeps on the volume.
#
# The backup is written next to the data directory and renamed into place only when complete,
# so the volume never holds a half-written data directory under the name the server uses. A
# volume that already holds a cluster either resumes as it is (exit status 4, see below) or is
# never touched (exit status 3).
set -eu

volume=/var/lib/postgresql/data
target="$volume/pgdata"
partial="$volume/pgdata.partial"

# LSN "X/Y" (hex) -> its byte position, and the number of the WAL segment holding it.
lsn_number() {
    hi=${1%%/*} lo=${1#*/}
    echo $(( (0x$hi << 32) | 0x$lo ))
}
lsn_segment() {
    echo $(( $(lsn_number "$1") / segment_size ))
}

refuse() {
    echo "pg-cluster: the volume of $PGC_NODE already holds a cluster ($target) that cannot resume as a standby of the primary: $1" >&2
    echo "pg-cluster: its data is left untouched. To seed it afresh from the primary, replace its volume (README, Troubleshooting)." >&2
    exit 3
}

# A volume that already holds a cluster (kept by retainVolumesOnDelete, then `pulumi up` again)
# resumes streaming when it is a standby of this very primary and the replica's slot still
# holds the WAL it needs; anything else is refused and left alone.
if [ -e "$target/PG_VERSION" ]; then
    [ ! -e "$target/postmaster.pid" ] ||
        refuse "a server runs on it, or was killed while running (postmaster.pid exists)"
    controldata=$(pg_controldata "$target") || refuse "pg_controldata cannot read it"
    field() { printf '%s\n' "$controldata" | sed -n "s/^$1: *//p"; }
    system_id=$(field "Database system identifier")
    segment_size=$(field "Bytes per WAL segment")
    [ "$system_id" = "$PGC_PRIMARY_SYSTEM_ID" ] ||
        refuse "it belongs to another database system ($system_id, the primary is $PGC_PRIMARY_SYSTEM_ID)"
    [ -e "$target/standby.signal" ] || refuse "it is not a standby (no standby.signal)"
    case "$PGC_SLOT_WAL_STATUS" in
        reserved | extended) ;;
        *) refuse "its replication slot $PGC_SLOT is not holding WAL (wal_status: $PGC_SLOT_WAL_STATUS)" ;;
    esac
    newest=$(ls "$target/pg_wal" | grep -E '^[0-9A-F]{24}$' | LC_ALL=C sort | tail -n 1)
    [ -n "$newest" ] || refuse "it holds no WAL segment"
    # Segment number from the file name: log id (chars 9-16) and segment (17-24).
    newest_segment=$(( 0x$(echo "$newest" | cut -c9-16) * (0x100000000 / segment_size) + 0x$(echo "$newest" | cut -c17-24) ))
    slot_segment=$(lsn_segment "$PGC_SLOT_RESTART_LSN")
    # The slot may start exactly where the newest segment ends: the standby received everything up
    # to a segment switch (the one the final archive of a backup stack makes on destroy, or an
    # archive_timeout), and the next segment is not written yet. Nothing is missing between.
    slot_offset=$(( $(lsn_number "$PGC_SLOT_RESTART_LSN") % segment_size ))
    [ "$slot_segment" -le "$newest_segment" ] || { [ "$slot_segment" -eq $((newest_segment + 1)) ] && [ "$slot_offset" -eq 0 ]; } ||
        refuse "the slot starts at $PGC_SLOT_RESTART_LSN, after the newest WAL it has ($newest): the WAL between is gone"
    # The primary, or how to reach it, may have changed since.
    pgc_write_standby_conf "$target" "$PGC_NODE"
    echo "pg-cluster: $PGC_NODE resumes on its retained data, streaming from slot $PGC_SLOT"
    exit 4
fi
if [ -e "$target" ] && [ -n "$(ls -A "$target" 2>/dev/null)" ]; then
    echo "pg-cluster: $target on the volume of $PGC_NODE is not empty; refusing to touch it" >&2
    exit 3
fi

# An invalidated slot holds no WAL: the caller makes it again first (exit status 6).
if [ "$PGC_SLOT_WAL_STATUS" = lost ]; then
    echo "pg-cluster: slot $PGC_SLOT on the primary was lost; it must be made again before a base backup" >&2
    exit 6
fi

if [ ! -s "$PGC_REPLICATION_PASSFILE" ]; then
    echo "pg-cluster: $PGC_REPLICATION_PASSFILE is not on the volume of $PGC_NODE, so the base backup cannot log in:" \
        "its conf step has not run on this volume" >&2
    exit 1
fi
if [ "${PGC_TLS:-off}" = on ] && [ ! -s "$PGC_CONF_DIR/ca.crt" ]; then
    echo "pg-cluster: $PGC_CONF_DIR/ca.crt is not on the volume of $PGC_NODE, so the primary's certificate cannot be" \
        "checked: its conf step has not run on this volume" >&2
    exit 1
fi

# Leftovers of an interrupted attempt are ours and incomplete by construction.
rm -rf "$partial"
trap 'rm -rf "$partial"' EXIT
mkdir -p "$partial"

# -S streams from the node's slot so the primary keeps the WAL the replica will need. The backup
# has an application_name of its own: under synchronous replication the primary must never count
# a copy in progress (which a retry deletes) as the standby that acknowledged a commit.
pg_basebackup --pgdata="$partial" --wal-method=stream --slot="$PGC_SLOT" \
    --checkpoint=fast --no-password \
    --dbname="host=$PGC_PRIMARY_HOST port=$PGC_PRIMARY_PORT user=$PGC_REPLICATION_USER passfile=$PGC_REPLICATION_PASSFILE application_name=$PGC_NODE-base-backup$(pgc_tls_params)"

# standby.signal, primary_conninfo (no password in it: it names the password file) and the slot.
pgc_write_standby_conf "$partial" "$PGC_NODE"
chown -R postgres:postgres "$partial"
chmod 0700 "$partial"
pgc_move_into_place "$partial" "$target"
trap - EXIT
echo "pg-cluster: base backup of $PGC_NODE complete"
