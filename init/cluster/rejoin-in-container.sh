# pg-cluster: runs inside a one-off container (as the postgres user, with /bin/sh) on the cluster
# network, the stopped node's volume mounted at /var/lib/postgresql/data. pg_rewind reads the new
# primary as the replication role (granted the functions it needs), with the replication password
# file the node's conf step keeps on the volume: no password in an argv, the environment or stdin,
# and no network login of the superuser.
#
# Turns the node's data into a standby of the primary at $PGC_PRIMARY_HOST, whatever it was:
#  1. a stale postmaster.pid goes (the caller has made sure the node's container is stopped: a
#     killed server leaves one naming PID 1, which exists in every container, and pg_rewind
#     would refuse to run);
#  2. pg_rewind against the primary: a no-op when the node's history did not diverge; after a
#     failover it undoes what the node wrote after the point where the primary's timeline forked
#     off (pg_rewind first finishes crash recovery of a node that was killed). Before that, a node
#     that was a primary (no standby.signal) prints "was-primary" and the end of its own WAL as
#     "wal-end <LSN> <length of its last record>", so the caller can tell how much of it the new
#     primary never received;
#  3. standby.signal, primary_conninfo and primary_slot_name; the slots it held as a primary go.
# With PGC_FENCE=fence or unfence it only fences an old primary (or takes the fence away).
# With PGC_REPORT_ONLY=1 it changes nothing and only prints "standby" or "was-primary", "fenced"
# when a failover of pg-cluster fenced it, "timeline <newest>" and the "wal-end" line (a failover
# compares a stopped standby's WAL with the target's; a rewind asks for consent from them).
# While pg_rewind runs, PGC_REWIND_MARKER is on the volume; it goes only when the node is a
# complete standby. A node that still has it (a rewind killed or failed) is refused: its data may be
# half-copied, and only a new base backup makes it whole again.
# Exit status: 0 done, 2 no password file on the volume, 3 no data on the volume, 5 pg_rewind failed (the
# data may be half-copied: the marker stays, and standby.signal fences it), 6 an earlier rewind did
# not finish.
set -eu

pgdata=/var/lib/postgresql/data/pgdata
if [ ! -e "$pgdata/PG_VERSION" ]; then
    echo "pg-cluster: the volume of $PGC_NODE holds no database cluster" >&2
    exit 3
fi

# wal_end: "wal-end <LSN> <length>" of the last WAL record on the volume: pg_waldump from the last
# checkpoint's redo point, on the checkpoint's timeline. Nothing when none can be read.
wal_end() {
    controldata=$(pg_controldata "$pgdata")
    redo=$(printf '%s\n' "$controldata" | sed -n "s/^Latest checkpoint's REDO location: *//p")
    timeline=$(printf '%s\n' "$controldata" | sed -n "s/^Latest checkpoint's TimeLineID: *//p")
    last=$(pg_waldump --path="$pgdata/pg_wal" --timeline="$timeline" --start="$redo" 2>/dev/null | grep 'lsn: ' | tail -n 1 || true)
    if [ -n "$last" ]; then
        lsn=$(printf '%s\n' "$last" | sed -n 's/.*lsn: \([0-9A-F]*\/[0-9A-F]*\).*/\1/p')
        length=$(printf '%s\n' "$last" | sed -n 's/.*len (rec\/tot): *[0-9]*\/ *\([0-9]*\).*/\1/p')
        echo "wal-end $lsn $length"
    fi
}

if [ -e "$PGC_REWIND_MARKER" ]; then
    echo "pg-cluster: an earlier pg_rewind of $PGC_NODE did not finish ($PGC_REWIND_MARKER is on its volume): its data" \
        "may be half-copied and is never rewound again" >&2
    exit 6
fi

# An old primary: no standby.signal, or fenced by pg-cluster (standby.signal with the marker).
was_primary() {
    [ ! -e "$pgdata/standby.signal" ] || [ -e "$PGC_FENCE_MARKER" ]
}

# newest_timeline: the newest timeline the node's data knows: a promotion writes its history file
# at once, before any checkpoint records the new timeline.
newest_timeline() {
    newest=$(pg_controldata "$pgdata" | sed -n "s/^Latest checkpoint's TimeLineID: *//p")
    for history in "$pgdata"/pg_wal/*.history; do
        [ -e "$history" ] || continue
        tli=$(( 0x$(basename "$history" .history) ))
        [ "$tli" -le "$newest" ] || newest=$tli
    done
    echo "$newest"
}

# PGC_REPORT_ONLY=1: only say what the node is, its newest timeline and where its WAL ends; change
# nothing. The primary step asks this of a stopped node before it acts on it.
if [ "${PGC_REPORT_ONLY:-}" = 1 ]; then
    was_primary && echo was-primary || echo standby
    # Fenced, and its WAL ends where it ended when it was fenced: anything written since (someone
    # took standby.signal away and it took writes) is not covered by the promotion that fenced it.
    if [ -e "$PGC_FENCE_MARKER" ] && { [ ! -s "$PGC_FENCE_MARKER" ] || [ "$(cat "$PGC_FENCE_MARKER")" = "$(wal_end)" ]; }; then
        echo fenced
    fi
    echo "timeline $(newest_timeline)"
    wal_end
    exit 0
fi

# PGC_FENCE=fence: an old primary gets the marker, then standby.signal, before another node is
# promoted: started by hand, it comes back read-only. PGC_FENCE=unfence takes them away again (a
# switchover that failed before its promotion starts the old primary again as the primary).
case "${PGC_FENCE:-}" in
    fence)
        if [ ! -e "$pgdata/standby.signal" ]; then
            # The marker holds where its WAL ended when it was fenced (see PGC_REPORT_ONLY).
            wal_end >"$PGC_FENCE_MARKER"
            sync
            touch "$pgdata/standby.signal"
            sync
            pgc_set_role standby
            echo "pg-cluster: $PGC_NODE is fenced: it starts read-only until it rejoins" >&2
        fi
        exit 0
        ;;
    unfence)
        if [ -e "$PGC_FENCE_MARKER" ]; then
            rm -f "$pgdata/standby.signal"
            sync
            rm -f "$PGC_FENCE_MARKER"
            sync
            pgc_set_role primary
        fi
        exit 0
        ;;
esac

if [ ! -s "$PGC_REPLICATION_PASSFILE" ]; then
    echo "pg-cluster: $PGC_REPLICATION_PASSFILE is not on the volume of $PGC_NODE (its conf step has not run on it" \
        "yet): run pulumi up again" >&2
    exit 2
fi

rm -f "$pgdata/postmaster.pid"

if was_primary; then
    echo "was-primary"
    wal_end
fi

touch "$PGC_REWIND_MARKER"
sync
# standby.signal goes for the rewind (pg_rewind finishes a killed node's crash recovery in
# single-user mode, which refuses standby mode: a killed standby, a fenced old primary); the rewind
# marker guards the node meanwhile, a failed rewind fences it again, and a finished one writes it
# back with the standby's settings.
rm -f "$pgdata/standby.signal"
status=0
rewind_log=$(pg_rewind --target-pgdata="$pgdata" --source-server="host=$PGC_PRIMARY_HOST port=$PGC_PRIMARY_PORT \
user=$PGC_REPLICATION_USER passfile=$PGC_REPLICATION_PASSFILE dbname=postgres$(pgc_tls_params)" 2>&1) || status=$?
printf '%s\n' "$rewind_log" >&2
if [ "$status" -ne 0 ]; then
    # Fenced: should it be started anyway, it starts read-only, never as a second primary.
    touch "$pgdata/standby.signal"
    sync
    echo "pg-cluster: pg_rewind of $PGC_NODE from $PGC_PRIMARY_HOST failed (exit status $status)" >&2
    exit 5
fi

# After a rewind (not when none was needed), WAL of a timeline that is not in the primary's
# history (what this node wrote or received on a history of its own, past the fork pg_rewind undid)
# is of no use any more, and would make its WAL look as if it were still on that timeline; it goes.
# pg_rewind set the minimum recovery point on the primary's timeline and copied its history file.
# History files of those timelines go too: the timeline numbers are free again (the primary step
# refuses a promotion to a number another node still knows of), and a stale history file under a
# number the primary reuses would mislead this standby when it follows.
source_tli=$(pg_controldata "$pgdata" | sed -n "s/^Min recovery ending loc's timeline: *//p")
keep=" "
if printf '%s\n' "$rewind_log" | grep -q 'rewinding from last common checkpoint' && [ "${source_tli:-0}" -gt 0 ]; then
    keep=" $source_tli "
    if [ -e "$pgdata/pg_wal/$(printf '%08X' "$source_tli").history" ]; then
        keep="$keep$(awk '{ printf "%d ", $1 }' "$pgdata/pg_wal/$(printf '%08X' "$source_tli").history")"
    fi
fi
if [ "$keep" != " " ]; then
    for segment in "$pgdata"/pg_wal/*; do
        name=$(basename "$segment")
        case "$name" in
            [0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F]????????????????* | \
                [0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F].history) ;;
            *) continue ;;
        esac
        case "$keep" in *" $(( 0x$(printf '%s' "$name" | cut -c1-8) )) "*) ;; *) rm -f "$segment" ;; esac
    done
fi

# Slots are the primary's business; this node's old ones would only hold WAL back.
find "$pgdata/pg_replslot" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
pgc_write_standby_conf "$pgdata" "$PGC_NODE"
rm -f "$PGC_REWIND_MARKER" "$PGC_FENCE_MARKER"
sync
echo "pg-cluster: $PGC_NODE is ready to start as a standby of $PGC_PRIMARY_HOST" >&2
