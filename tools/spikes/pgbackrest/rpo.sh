#!/bin/sh
# RPO of the archive alone (the whole cluster lost): a writer commits one row
# at a time and records each acknowledged id; the primary is killed
# (SIGKILL) after WRITE_SECONDS; a restore of the latest archived state into
# a new volume shows which acknowledged ids survived. Run once per
# archive_timeout: ARCHIVE_TIMEOUT=60 sh rpo.sh; ARCHIVE_TIMEOUT=5 sh rpo.sh.
# The primary is started again afterwards (crash recovery, still primary).
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$HERE/lib.sh"
TIMEOUT=${ARCHIVE_TIMEOUT:-60} WRITE_SECONDS=${WRITE_SECONDS:-20}
if [ "$(in_recovery "$PREFIX-pg0")" = f ]; then P=$PREFIX-pg0 SB=$PREFIX-pg1; else P=$PREFIX-pg1 SB=$PREFIX-pg0; fi
R=$PREFIX-rpg0
acked=$STATE/out/rpo-acked-$TIMEOUT

psql_in "$P" -c "ALTER SYSTEM SET archive_timeout = '${TIMEOUT}s'" && psql_in "$P" -c "SELECT pg_reload_conf()" >/dev/null
psql_in "$P" -c "DROP TABLE IF EXISTS rpo; CREATE TABLE rpo (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())"
seg=$(psql_in "$P" -c "SELECT pg_walfile_name(pg_switch_wal())")
wait_until 60 "$seg archived" sh -c "docker exec -i $P psql -h /var/run/postgresql -U postgres -XAtq -c 'SELECT last_archived_wal FROM pg_stat_archiver' | grep -qx $seg" >/dev/null
log "archive_timeout ${TIMEOUT}s; writing for ${WRITE_SECONDS} s, then SIGKILL of $P"
: > "$acked"
end=$(awk -v t="$(now)" -v w="$WRITE_SECONDS" 'BEGIN { printf "%.3f", t + w }')
i=1
while awk -v n="$(now)" -v e="$end" 'BEGIN { exit !(n < e) }'; do
    # One transaction per row; the id counts as acknowledged when psql returns.
    r=$(psql_in "$P" -c "INSERT INTO rpo (id) VALUES ($i) RETURNING id || ' ' || extract(epoch FROM at) || ' ' || pg_walfile_name(pg_current_wal_insert_lsn())") && echo "$r" >> "$acked"
    i=$((i + 1))
done
arch=$(psql_in "$P" -c "SELECT last_archived_wal || ' ' || extract(epoch FROM last_archived_time) FROM pg_stat_archiver")
docker kill "$P" >/dev/null
killed=$(now)
last=$(tail -1 "$acked")
log "killed; acknowledged $(wc -l < "$acked") rows, last: id ${last%% *}; last archived segment then: $arch"

docker stop "$SB-br" "$P-br" >/dev/null
docker volume create "$R" >/dev/null
node_conf_tar "$R" | fill_volume "$R" "$PGDIR"
restore_into "$R" > "$STATE/out/restore-rpo-$TIMEOUT.log" 2>&1 || { tail -20 "$STATE/out/restore-rpo-$TIMEOUT.log"; die "restore failed"; }
PG_ARGS="-c archive_mode=off" run_pg "$R" "$R"
wait_until 120 "$R promoted" promoted "$R" >/dev/null
got=$(psql_in "$R" -c "SELECT count(*) || ' ' || coalesce(max(id), 0) || ' ' || coalesce(extract(epoch FROM max(at)), 0) FROM rpo")
set -- $got
n_acked=$(wc -l < "$acked")
last_at=$(tail -1 "$acked" | cut -d' ' -f2)
lost=$(awk -v m="$2" '$1 > m' "$acked" | wc -l)
log "archive_timeout ${TIMEOUT}s: restored $1 of $n_acked acknowledged rows (max id $2); lost $lost acknowledged rows = $(awk -v a="$last_at" -v b="$3" 'BEGIN { if (b == 0) print "all"; else printf "%.1f s", a - b }') of commits before the kill"
log "gaps: $(psql_in "$R" -c "SELECT count(*) FROM generate_series(1, (SELECT coalesce(max(id), 0) FROM rpo)) g WHERE g NOT IN (SELECT id FROM rpo)") ids missing below the max"
docker rm -f "$R" >/dev/null; docker volume rm "$R" >/dev/null
psql_in "$SB" -c "SELECT 'standby received up to ' || coalesce(max(id), 0) FROM rpo" 2>/dev/null || true

docker start "$P" >/dev/null
wait_until 120 "$P ready" pg_ready "$P" >/dev/null
psql_in "$P" -c "ALTER SYSTEM RESET archive_timeout" && psql_in "$P" -c "SELECT pg_reload_conf()" >/dev/null
docker start "$SB-br" "$P-br" >/dev/null
wait_until 60 "$SB streaming again" streaming "$SB" >/dev/null
log "$P back after crash recovery, $SB streaming; rows on $P: $(psql_in "$P" -c 'SELECT count(*) FROM rpo')"
