# pg-cluster: runs inside the one-off seed container of the primary of a stack with restoreFrom
# (README: Backups and recovery, "Restore"), as the postgres user: the primary's volume at
# /var/lib/postgresql/data, the source's config volume read-only at $PGC_RESTORE_CONFIG (where
# the source's repository container has it: its pgbackrest.conf says where the repository is, its
# conf.d/secrets.conf holds the cipher passphrase and any S3 keys, read there by pgBackRest: they
# never leave the volume), the source's repository volume read-only at $PGC_RESTORE_REPOSITORY
# (no network) or, for a source whose repository is in an S3 store, the cluster network to reach
# it; the stack's other existing data volumes read-only under /peers/<node>.
#
# Restores the backup the target needs next to the data directory, recovers it to the target with
# a socket-only server in this container (WAL from the same repository), which then promotes;
# stops it cleanly, removes the recovery settings, and renames it into place. The node's
# container starts on a promoted primary and never needs the source's repository.
#   PGC_RESTORE_STANZA    the source's stanza
#   PGC_RESTORE_TYPE      default (the end of the archive) | time | name
#   PGC_RESTORE_TARGET    the time or restore point (empty for default)
#   PGC_TIMEOUT_SECONDS   how long recovery may go without progress (a line in the server's log)
#   PGC_REPLICATION_USER, PGC_DATABASE   made when the restored cluster lacks them
# Stdin: the superuser's password (unused: the restored cluster keeps its roles until the
# passwords step sets them), then the replication role's SCRAM verifier.
#
# A named restore point: pgBackRest picks a backup set by itself only for a time, so the newest
# backup is tried first and, when recovery ends before it reaches the point (the point is older
# than that backup), the next older one.
# Exit status: 0 restored, 4 the volume already holds a cluster (kept as it is), 3 refused, 1 failed.
set -eu

IFS= read -r _superuser_password || true
IFS= read -r replication_verifier || true
volume=/var/lib/postgresql/data
target="$volume/pgdata"
partial="$volume/pgdata.partial"

if [ -e "$target/PG_VERSION" ]; then
    echo "pg-cluster: $PGC_NODE keeps the cluster already on its volume (restoreFrom applies to an empty volume only)" >&2
    exit 4
fi
if [ -e "$target" ] && [ -n "$(ls -A "$target" 2>/dev/null)" ]; then
    echo "pg-cluster: $target on the volume of $PGC_NODE is not empty; refusing to touch it" >&2
    exit 3
fi
for peer in /peers/*; do
    if [ -e "$peer/pgdata/PG_VERSION" ]; then
        echo "pg-cluster: $PGC_NODE is the configured primary but its volume is empty, while the volume of" \
            "$(basename "$peer") holds the cluster's data: restoring into $PGC_NODE would start a second database." \
            "Set pg-cluster:primary to a node that holds the data (README: Failover)." >&2
        exit 3
    fi
done
for source in "$PGC_RESTORE_CONFIG/pgbackrest.conf" "$PGC_RESTORE_CONFIG/conf.d/secrets.conf"; do
    if [ ! -r "$source" ]; then
        echo "pg-cluster: $source is missing in the source's config volume: it holds no pg-cluster repository" >&2
        exit 3
    fi
done
# The source's repository: its repo1-* settings (path, or the S3 store; cipher type, retention).
repository=$(sed -n '/^\[global\]/,/^\[/{/^repo1-/p;}' "$PGC_RESTORE_CONFIG/pgbackrest.conf")
case "$repository" in
    *repo1-type=s3*) ;;
    *)
        if [ ! -r "$PGC_RESTORE_REPOSITORY/repo1" ]; then
            echo "pg-cluster: $PGC_RESTORE_REPOSITORY/repo1 is missing in the source's volumes: they hold no pg-cluster repository" >&2
            exit 3
        fi
        ;;
esac

rm -rf "$partial"
work=$(mktemp -d)
trap 'rm -rf "$partial" "$work"' EXIT
# pgBackRest reads the repository directly (no repository container: the source may be gone);
# the passphrase (and S3 keys) come from the source's own secrets file through config-include-path.
cat >"$work/pgbackrest.conf" <<CONF
[global]
$repository
lock-path=$work/lock
spool-path=$work/spool
log-level-file=off
log-level-console=warn
log-level-stderr=warn
process-max=2

[$PGC_RESTORE_STANZA]
pg1-path=$partial
CONF
br() {
    pgbackrest "--config=$work/pgbackrest.conf" "--config-include-path=$PGC_RESTORE_CONFIG/conf.d" \
        "--stanza=$PGC_RESTORE_STANZA" "$@"
}
q() {
    PGOPTIONS="$PGC_SAFE_SESSION_OPTIONS" psql -X -q -At -v ON_ERROR_STOP=1 --host="$work" --username=postgres \
        --dbname=postgres -c "$1" 2>/dev/null
}

# recover [SET]: restores (backup SET, or the one pgBackRest picks) into $partial and recovers it
# to the target with a server no one can reach (socket in $work only, nothing archived, no hot
# standby: no session during recovery, and no check of the source's max_connections or
# max_wal_senders). Returns 0 once it promoted, 2 when recovery ended before the target (a
# restore point older than the backup), 1 on any other failure.
recover() {
    rm -rf "$partial"
    set -- restore ${1:+"--set=$1"}
    case "$PGC_RESTORE_TYPE" in
        default) ;;
        time|name) set -- "$@" "--type=$PGC_RESTORE_TYPE" "--target=$PGC_RESTORE_TARGET" --target-action=promote ;;
        *) echo "pg-cluster: PGC_RESTORE_TYPE is default, time or name, not $PGC_RESTORE_TYPE" >&2; return 1 ;;
    esac
    if ! br "$@" >&2; then
        echo "pg-cluster: pgbackrest restore of stanza $PGC_RESTORE_STANZA failed (above); nothing was put in place" >&2
        return 1
    fi
    : >"$work/recovery.log"
    pg_ctl --pgdata="$partial" --silent --no-wait -l "$work/recovery.log" \
        -o "-c listen_addresses='' -c unix_socket_directories=$work -c archive_mode=off -c hot_standby=off -c hba_file=$partial/pg_hba.conf" \
        start >&2
    # No session can tell how recovery goes (no hot standby): the server's log does. Each WAL
    # segment restored from the repository is a line ("restored log file"): progress moves the
    # deadline; "ready to accept connections" is the promotion.
    restored=-1
    deadline=$(( $(date +%s) + PGC_TIMEOUT_SECONDS ))
    started=""
    while ! grep -q 'database system is ready to accept connections' "$work/recovery.log"; do
        if [ -e "$partial/postmaster.pid" ]; then
            started=1
        fi
        # Ended: stopped after it was seen running, or gone with a FATAL in its log (a short
        # recovery can start and end between two looks).
        if ! pg_ctl --pgdata="$partial" status >/dev/null 2>&1 &&
            { [ -n "$started" ] || grep -q -e FATAL -e 'database system is shut down' "$work/recovery.log"; }; then
            if grep -q -e 'recovery ended before configured recovery target was reached' \
                -e 'requested recovery stop point is before consistent recovery point' "$work/recovery.log"; then
                return 2
            fi
            echo "pg-cluster: recovery of $PGC_NODE stopped before it reached the target; the server said:" >&2
            tail -n 15 "$work/recovery.log" >&2
            return 1
        fi
        now_restored=$(grep -c 'restored log file' "$work/recovery.log" || true)
        if [ "$now_restored" != "$restored" ]; then
            restored=$now_restored
            deadline=$(( $(date +%s) + PGC_TIMEOUT_SECONDS ))
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "pg-cluster: recovery of $PGC_NODE restored no WAL for ${PGC_TIMEOUT_SECONDS}s; the server said:" >&2
            tail -n 15 "$work/recovery.log" >&2
            pg_ctl --pgdata="$partial" --wait --silent --mode=immediate stop >/dev/null 2>&1 || true
            return 1
        fi
        sleep 0.5
    done
    [ "$(q 'SELECT pg_is_in_recovery()' || true)" = f ] || {
        echo "pg-cluster: $PGC_NODE accepts connections but is still in recovery; the server said:" >&2
        tail -n 15 "$work/recovery.log" >&2
        return 1
    }
    return 0
}

echo "pg-cluster: restoring stanza $PGC_RESTORE_STANZA (${PGC_RESTORE_TYPE}${PGC_RESTORE_TARGET:+ $PGC_RESTORE_TARGET}) for $PGC_NODE" >&2
if [ "$PGC_RESTORE_TYPE" = name ]; then
    # Newest first, by when each backup ended (the last part of its label).
    sets=$(br info --output=json | grep -o '"label":"[^"]*"' | sed 's/^"label":"//; s/"$//' |
        awk '{ n = split($0, parts, "_"); print parts[n], $0 }' | sort -r | awk '{ print $2 }')
    [ -n "$sets" ] || { echo "pg-cluster: stanza $PGC_RESTORE_STANZA has no backup to restore" >&2; exit 1; }
    status=2
    for set in $sets; do
        status=0
        recover "$set" || status=$?
        [ "$status" = 2 ] || break
        echo "pg-cluster: restore point $PGC_RESTORE_TARGET is older than backup $set; trying an older backup" >&2
    done
    if [ "$status" = 2 ]; then
        echo "pg-cluster: restore point $PGC_RESTORE_TARGET was not found after any backup of stanza" \
            "$PGC_RESTORE_STANZA (pg_create_restore_point makes one; README: Backups and recovery)" >&2
        exit 1
    fi
    [ "$status" = 0 ] || exit 1
else
    status=0
    recover || status=$?
    if [ "$status" = 2 ]; then
        echo "pg-cluster: recovery of $PGC_NODE ended before it reached $PGC_RESTORE_TARGET: the archive of stanza" \
            "$PGC_RESTORE_STANZA ends earlier" >&2
        tail -n 5 "$work/recovery.log" >&2
        exit 1
    fi
    [ "$status" = 0 ] || exit 1
fi

# The recovery settings pgBackRest wrote name this container's config: a later recovery (a
# rewind, a standby) must not use them.
for setting in restore_command recovery_target recovery_target_time recovery_target_name recovery_target_action \
    recovery_target_timeline recovery_target_lsn recovery_target_xid recovery_target_inclusive; do
    q "ALTER SYSTEM RESET $setting" >/dev/null
done
# This stack's replication role and database, when the source had other names for them.
if [ "$(q "SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = $(pgc_literal "$PGC_REPLICATION_USER")")" = 0 ]; then
    [ -n "$replication_verifier" ] || { echo "pg-cluster: expected the replication role's verifier on stdin" >&2; exit 2; }
    echo "CREATE ROLE \"$PGC_REPLICATION_USER\" WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE" \
        "NOINHERIT PASSWORD $(pgc_literal "$replication_verifier");" |
        PGOPTIONS="$PGC_SAFE_SESSION_OPTIONS" psql -X -q -v ON_ERROR_STOP=1 --host="$work" --username=postgres --dbname=postgres
    echo "pg-cluster: made the replication role $PGC_REPLICATION_USER, which the restored cluster did not have" >&2
fi
if [ "$PGC_DATABASE" != postgres ] &&
    [ "$(q "SELECT count(*) FROM pg_catalog.pg_database WHERE datname = $(pgc_literal "$PGC_DATABASE")")" = 0 ]; then
    q "CREATE DATABASE \"$PGC_DATABASE\"" >/dev/null
    echo "pg-cluster: made the database $PGC_DATABASE, which the restored cluster did not have" >&2
fi
q 'CHECKPOINT' >/dev/null
reached=$(q "SELECT pg_current_wal_lsn() || ' timeline ' || (SELECT timeline_id FROM pg_control_checkpoint())")
pg_ctl --pgdata="$partial" --wait --timeout=120 --silent --mode=fast stop >&2
rm -f "$partial/recovery.signal" "$partial/standby.signal"
# The new timeline's history file was written with archiving off (this server archives nothing):
# marked ready, the node archives it once it runs with archive_mode on, so a later restore of the
# restored cluster can follow its timeline (the WAL segments are marked when they fill up).
history=$(ls "$partial/pg_wal" | grep -E '^[0-9A-F]{8}\.history$' | LC_ALL=C sort | tail -n 1 || true)
if [ -n "$history" ] && [ ! -e "$partial/pg_wal/archive_status/$history.done" ]; then
    : >"$partial/pg_wal/archive_status/$history.ready"
fi
pgc_move_into_place "$partial" "$target"
pgc_set_role primary
trap 'rm -rf "$work"' EXIT
echo "pg-cluster: restored $PGC_NODE from stanza $PGC_RESTORE_STANZA, promoted at $reached" >&2
