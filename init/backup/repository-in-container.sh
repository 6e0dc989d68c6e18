# pg-cluster: PID 1 of the backup repository container (README: Backups and recovery), as the
# postgres user with no capability: pgBackRest's TLS server, through which the nodes push and get
# WAL, and the backup schedule. Backups run here, in the container that holds the repository and
# pgBackRest's locks, so a scheduled backup and one taken by hand (docker exec … backup) never run
# at once: the second waits for nothing and fails with pgBackRest's lock error.
#   PGC_CONFIG_PATH      pgBackRest's config directory (the repository's config volume)
#   PGC_STANZA           the cluster's stanza
#   PGC_FULL_SECONDS     a full backup when the last full one is older than this (or there is none)
#   PGC_DIFF_SECONDS     a differential backup when the last backup is older than this
#   PGC_CHECK_SECONDS    how often the schedule looks
#   PGC_RETRY_SECONDS    after a failed backup, how long it waits before it tries again
set -u

br() {
    pgbackrest "--config-path=$PGC_CONFIG_PATH" "--stanza=$PGC_STANZA" "$@"
}

pgbackrest "--config-path=$PGC_CONFIG_PATH" server &
server=$!
backup=""
sleeper=""
# A stop (docker stop, a new container) ends a running backup cleanly too: pgBackRest stops on
# TERM, and the next backup resumes or starts again.
trap 'kill -TERM "$server" $backup $sleeper 2>/dev/null; wait; exit 0' TERM INT

wait_for() {
    sleep "$1" &
    sleeper=$!
    wait "$sleeper" || true
    sleeper=""
}

while kill -0 "$server" 2>/dev/null; do
    # One look at the repository: its status and its backups. Status ok, or "no valid backups" (a
    # new stanza) schedules; anything else (no stanza yet, a repository it cannot read, info
    # failing) waits and looks again soon, so that the first full backup follows the stanza closely.
    if ! info=$(br info 2>/dev/null); then
        wait_for 5
        continue
    fi
    status=$(printf '%s\n' "$info" | sed -n 's/^ *status: //p' | head -n 1)
    case "$status" in
        ok|"error (no valid backups)") ;;
        *) wait_for 5; continue ;;
    esac
    # "<kind> <stop time in seconds>" of each backup, oldest first.
    list=$(printf '%s\n' "$info" | awk '
        /^ *(full|diff|incr) backup: / { kind = $1; next }
        /^ *timestamp start\/stop: / && kind != "" { sub(/^.* \/ /, ""); print kind " " $0; kind = "" }' |
        while read -r kind stop; do
            printf '%s %s\n' "$kind" "$(date -u -d "$stop" +%s)"
        done)
    now=$(date +%s)
    last_full=$(printf '%s\n' "$list" | awk '$1 == "full" { t = $2 } END { print t + 0 }')
    last_any=$(printf '%s\n' "$list" | awk '$2 > t { t = $2 } END { print t + 0 }')
    due=""
    if [ $((now - last_full)) -ge "$PGC_FULL_SECONDS" ]; then
        due="full"
    elif [ $((now - last_any)) -ge "$PGC_DIFF_SECONDS" ]; then
        due="diff"
    fi
    if [ -n "$due" ]; then
        echo "pg-cluster: scheduled $due backup of $PGC_STANZA" >&2
        br backup "--type=$due" >/dev/null &
        backup=$!
        if wait "$backup"; then
            echo "pg-cluster: scheduled $due backup of $PGC_STANZA done" >&2
            backup=""
        else
            backup=""
            echo "pg-cluster: scheduled $due backup of $PGC_STANZA failed (see above and $PGC_CONFIG_PATH/log);" \
                "next try in ${PGC_RETRY_SECONDS}s" >&2
            wait_for "$PGC_RETRY_SECONDS"
            continue
        fi
    fi
    wait_for "$PGC_CHECK_SECONDS"
done
wait "$server"
echo "pg-cluster: pgBackRest's server ended ($?); the container stops and Docker starts it again" >&2
exit 1
