#!/bin/sh
# Scenario 4: point-in-time recovery into new volumes and containers, the
# source cluster untouched. Rows with ids are committed one by one, a time is
# noted, more rows, a restore point, more rows, then DROP TABLE. Restores:
# --type=name (the restore point), --type=default (latest), --type=time (the
# noted time); each checks exactly which ids are there. Then a standby is
# seeded from the time-restored primary. Run after backup.sh.
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$HERE/lib.sh"
P=$PREFIX-pg0
R=$PREFIX-rpg0
S=$PREFIX-rpg1

insert_ids() { # from to: one transaction per row
    psql_in "$P" -c "DO \$\$ BEGIN FOR i IN $1..$2 LOOP INSERT INTO pitr (id) VALUES (i); COMMIT; END LOOP; END \$\$"
}
log "writes on the source: ids 1-500, time T, 501-700, restore point, 701-800, DROP TABLE"
# A restore point name unique to this run (recovery stops at the first match).
RP=spike23-before-drop-$(date +%s)
psql_in "$P" -c "DROP TABLE IF EXISTS after_drop"
psql_in "$P" -c "CREATE TABLE pitr (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())"
insert_ids 1 500
T=$(psql_in "$P" -c "SELECT clock_timestamp()")
sleep 1
insert_ids 501 700
psql_in "$P" -c "SELECT pg_create_restore_point('$RP')" >/dev/null
insert_ids 701 800
psql_in "$P" -c "DROP TABLE pitr; CREATE TABLE after_drop AS SELECT 1 AS marker"
seg=$(psql_in "$P" -c "SELECT pg_walfile_name(pg_switch_wal())")
wait_until 60 "$seg archived" sh -c "docker exec -i $P psql -h /var/run/postgresql -U postgres -XAtq -c 'SELECT last_archived_wal FROM pg_stat_archiver' | grep -qx $seg" >/dev/null
log "T = $T; WAL up to $seg archived"

# The source's sidecars are not needed for restores (they serve backups):
# stop them to stay within five running containers.
docker stop "$P-br" "$PREFIX-pg1-br" >/dev/null

# restore_and_check label expected-sql restore-args...: a new volume, restore,
# start with archiving off (it must not push a second history into the
# source's stanza), wait for promotion, run the check.
restore_and_check() {
    label=$1 check=$2; shift 2
    docker rm -f "$R" >/dev/null 2>&1 || true
    docker volume rm "$R" >/dev/null 2>&1 || true
    docker volume create "$R" >/dev/null
    node_conf_tar "$R" | fill_volume "$R" "$PGDIR"
    t0=$(now)
    restore_into "$R" "$@" > "$STATE/out/restore-$label.log" 2>&1 || { tail -20 "$STATE/out/restore-$label.log"; die "restore $label failed"; }
    t1=$(now)
    PG_ARGS="-c archive_mode=off" run_pg "$R" "$R"
    wait_until 300 "$R promoted" promoted "$R" >/dev/null || { docker logs --tail 30 "$R"; exit 1; }
    t2=$(now)
    log "$label: restore $(elapsed "$t0" "$t1") s, recovery to promotion $(elapsed "$t1" "$t2") s, total (RTO) $(elapsed "$t0" "$t2") s"
    docker logs "$R" 2>&1 | grep -E 'recovery stopping|starting point-in-time|selected new timeline|archive recovery complete|redo done' | cut -c1-200
    printf '%s: ' "$label"; psql_in "$R" -c "$check"
}
restore_and_check name "SELECT 'ids ' || count(*) || ' (' || min(id) || '-' || max(id) || '), ok=' || (count(*) = 700 AND min(id) = 1 AND max(id) = 700) FROM pitr" \
    --type=name "--target=$RP" --target-action=promote
restore_and_check latest "SELECT 'pitr table ' || coalesce(to_regclass('pitr')::text, 'absent') || ', after_drop ' || coalesce(to_regclass('after_drop')::text, 'absent')"
restore_and_check time "SELECT 'ids ' || count(*) || ' (' || min(id) || '-' || max(id) || '), ok=' || (count(*) = 500 AND min(id) = 1 AND max(id) = 500) || ', latest row at ' || max(at) || ' <= T' FROM pitr" \
    --type=time "--target=$T" --target-action=promote
grep -E 'restore command begin|restore backup set|restore size|command end' "$STATE/out/restore-time.log" | cut -c25- | cut -c1-220
log "restore_command written by pgbackrest: $(docker exec "$R" grep restore_command "$PGDATA_DIR/postgresql.auto.conf")"
log "timeline of the restored primary: $(psql_in "$R" -c 'SELECT timeline_id FROM pg_control_checkpoint()')"

log "a standby for the restored primary (slot, base backup over TLS)"
psql_in "$R" -c "SELECT pg_create_physical_replication_slot('rpg1')" >/dev/null
docker rm -f "$S" >/dev/null 2>&1 || true
docker volume rm "$S" >/dev/null 2>&1 || true
docker volume create "$S" >/dev/null
node_conf_tar "$S" | fill_volume "$S" "$PGDIR"
t=$(now)
seed_standby "$S" "$S" "$R" rpg1
PG_ARGS="-c archive_mode=off" run_pg "$S" "$S"
wait_until 120 "$S streaming" streaming "$S" >/dev/null
log "rpg1 seeded and streaming from rpg0 in $(elapsed "$t" "$(now)") s: $(psql_in "$R" -c "SELECT application_name || ' ' || state || ' ' || ssl FROM pg_stat_replication JOIN pg_stat_ssl USING (pid)")"
log "rows on the new standby: $(psql_in "$S" -c 'SELECT count(*) FROM pitr')"
log "source untouched: pitr $(psql_in "$P" -c "SELECT coalesce(to_regclass('pitr')::text, 'absent')"), timeline $(psql_in "$P" -c 'SELECT timeline_id FROM pg_control_checkpoint()')"

docker rm -f "$S" "$R" >/dev/null
docker volume rm "$S" "$R" >/dev/null
docker start "$P-br" "$PREFIX-pg1-br" >/dev/null
