#!/bin/sh
# Scenario 7: what monitoring sees when archiving fails, and that nothing is
# missing once it recovers. Two failures: the repository container stopped,
# then the repository volume mounted read-only. The primary keeps serving
# writes throughout; WAL waits in pg_wal (.ready files). Run after up.sh.
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$HERE/lib.sh"
if [ "$(in_recovery "$PREFIX-pg0")" = f ]; then P=$PREFIX-pg0; else P=$PREFIX-pg1; fi
archiver() { psql_in "$P" -c "SELECT 'archived ' || archived_count || ' last ' || coalesce(last_archived_wal, '-') || ' at ' || coalesce(last_archived_time::text, '-') || ' | failed ' || failed_count || ' last ' || coalesce(last_failed_wal, '-') || ' at ' || coalesce(last_failed_time::text, '-') || ' | ready ' || (SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready') FROM pg_stat_archiver"; }
some_wal() { # n segments of real writes, each switched
    for _i in $(seq "$1"); do
        psql_in "$P" -c "CREATE TABLE IF NOT EXISTS af (id serial PRIMARY KEY, pad text); INSERT INTO af (pad) SELECT repeat('x', 500) FROM generate_series(1, 2000); SELECT pg_switch_wal()" >/dev/null
    done
}
log "before: $(archiver)"

fail_and_recover() { # label
    log "$1: 3 segments written while archiving fails"
    t=$(now)
    some_wal 3
    log "$1: writes still acknowledged ($(elapsed "$t" "$(now)") s for 3 segments); waiting for 3 failures"
    sleep 5
    log "$1: $(archiver)"
    docker logs --since 10s "$P" 2>&1 | grep -E 'ERROR|HINT|archive command failed' | sort -u | head -4 | cut -c1-220
    log "$1: pgbackrest check on the primary's node:"
    br_node "$P" check 2>&1 | grep -E 'ERROR' | head -2 | cut -c1-220 || true
}

log "failure 1: repository container stopped"
docker stop "$REPO" >/dev/null
fail_and_recover "repo stopped"
log "info while the repository host is down (from a node): $(br_node "$P" info --output=json 2>&1 | head -c 300)"
docker start "$REPO" >/dev/null
t=$(now)
wait_until 300 "archive caught up" sh -c "docker exec -i $P psql -h /var/run/postgresql -U postgres -XAtq -c \"SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'\" | grep -qx 0" >/dev/null
log "repository back: archive caught up in $(elapsed "$t" "$(now)") s: $(archiver)"

log "failure 2: repository volume read-only"
docker rm -f "$REPO" >/dev/null
docker run -d --name "$REPO" --hostname "$REPO" --network "$NET" --user "$PG_UID:$PG_UID" $HARDENING \
    -v "$PREFIX-repo:$REPO_DIR:ro" -v "$PREFIX-repo-conf:$REPO_CONF_DIR" --entrypoint pgbackrest "$IMAGE" \
    --config-path="$REPO_CONF_DIR" server >/dev/null
sleep 1
fail_and_recover "repo read-only"
br_repo info --output=json > "$STATE/out/info-ro.json" 2>&1 || true
log "info on the repository host with a read-only repository: $(python3 -c 'import json,sys; i=json.load(open(sys.argv[1]))[0]; print(i["status"], i["archive"][0]["max"])' "$STATE/out/info-ro.json" 2>&1 | head -c 300)"
docker rm -f "$REPO" >/dev/null
run_repo
t=$(now)
wait_until 300 "archive caught up" sh -c "docker exec -i $P psql -h /var/run/postgresql -U postgres -XAtq -c \"SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'\" | grep -qx 0" >/dev/null
log "repository writable again: archive caught up in $(elapsed "$t" "$(now)") s: $(archiver)"

log "nothing missing: pgbackrest verify (every WAL segment and backup file read back and checked)"
t=$(now)
br_repo verify --log-level-console=info 2>&1 | grep -E 'verify|missing|invalid|ERROR|WARN|results|archiveId|total' | cut -c25- | head -20
log "verify took $(elapsed "$t" "$(now)") s"
br_repo check 2>&1 | grep -E 'command end' | cut -c25-
