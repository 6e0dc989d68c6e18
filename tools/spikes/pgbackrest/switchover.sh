#!/bin/sh
# Scenario 5: a planned switchover (pg0 stopped cleanly, pg1 promoted, pg0
# rejoins as pg1's standby with archive-get as restore_command). Archiving
# goes on from the new primary into the same stanza: check, archive-get of
# the new timeline's history and segments, a backup from the new standby,
# and a restore to a time after the switchover. Run after up.sh/backup.sh.
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$HERE/lib.sh"
# Role-neutral: the node that is primary now hands over to the other one.
if [ "$(in_recovery "$PREFIX-pg0")" = f ]; then OLD=$PREFIX-pg0 NEW=$PREFIX-pg1; else OLD=$PREFIX-pg1 NEW=$PREFIX-pg0; fi
OLD_SLOT=${OLD#"$PREFIX-"}
R=$PREFIX-rpg0
last_archived() { psql_in "$1" -c "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"; }

log "switchover: CHECKPOINT, stop $OLD, wait for $NEW to have replayed everything, promote"
psql_in "$OLD" -c "DROP TABLE IF EXISTS so; CREATE TABLE so (id int PRIMARY KEY, at timestamptz DEFAULT clock_timestamp()); INSERT INTO so (id) VALUES (1)"
psql_in "$OLD" -c "CHECKPOINT"
t0=$(now)
docker stop "$OLD" >/dev/null
stopped_lsn=$(docker run --rm --network none --user "$PG_UID:$PG_UID" $HARDENING -v "$OLD:$PGDIR" --entrypoint pg_controldata "$IMAGE" "$PGDATA_DIR" | sed -n 's/^Latest checkpoint location: *//p')
wait_until 30 "$NEW replayed $stopped_lsn" sh -c "[ \"\$(docker exec -i $NEW psql -h /var/run/postgresql -U postgres -XAtq -c \"SELECT pg_last_wal_replay_lsn() >= '$stopped_lsn'\")\" = t ]" >/dev/null
psql_in "$NEW" -c "SELECT pg_promote(wait => true)" >/dev/null
t1=$(now)
# pg_control keeps the old timeline until the first checkpoint after the
# promotion, and pgbackrest backup refuses that ("WAL timeline 2 does not
# match pg_control timeline 1"): checkpoint at once (Patroni does too).
psql_in "$NEW" -c "CHECKPOINT"
psql_in "$NEW" -c "INSERT INTO so (id) VALUES (2)"
log "promoted $(elapsed "$t0" "$t1") s after the stop; $NEW timeline $(psql_in "$NEW" -c 'SELECT timeline_id FROM pg_control_checkpoint()')"
wait_until 60 "first archive from $NEW" sh -c "docker exec -i $NEW psql -h /var/run/postgresql -U postgres -XAtq -c 'SELECT last_archived_wal FROM pg_stat_archiver' | grep -q ." >/dev/null
log "first WAL archived by the new primary $(elapsed "$t1" "$(now)") s after promotion: $(psql_in "$NEW" -c "SELECT last_archived_wal || ' at ' || last_archived_time FROM pg_stat_archiver")"

log "old primary rejoins as a standby of $NEW (its old slot name there; restore_command = archive-get)"
psql_in "$NEW" -c "SELECT pg_create_physical_replication_slot('$OLD_SLOT') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '$OLD_SLOT')" >/dev/null
docker run --rm --name "$PREFIX-rejoin" --network none --user "$PG_UID:$PG_UID" $HARDENING -v "$OLD:$PGDIR" \
    --entrypoint sh "$IMAGE" -c '
set -eu
touch "$1/standby.signal"
conninfo="host=$2 user=replicator passfile=$3/pgpass sslmode=verify-full sslrootcert=$3/ca.crt application_name=$5"
# Replace any earlier standby settings (this volume was the primary).
grep -v -E "^(primary_conninfo|primary_slot_name|restore_command) " "$1/postgresql.auto.conf" > "$1/postgresql.auto.conf.new" || true
printf "primary_conninfo = '\''%s'\''\nprimary_slot_name = '\''%s'\''\nrestore_command = '\''pgbackrest --config-path=%s --stanza=main archive-get %%f \"%%p\"'\''\n" \
    "$conninfo" "$5" "$4" >> "$1/postgresql.auto.conf.new"
mv "$1/postgresql.auto.conf.new" "$1/postgresql.auto.conf"' sh "$PGDATA_DIR" "$NEW" "$PGCONF" "$BR_CONF_PATH" "$OLD_SLOT"
t2=$(now)
docker start "$OLD" >/dev/null
wait_until 120 "$OLD streaming from $NEW" streaming "$OLD" >/dev/null || { docker logs --tail 20 "$OLD"; exit 1; }
log "$OLD streams from $NEW $(elapsed "$t2" "$(now)") s after its start"
docker logs "$OLD" 2>&1 | grep -E 'restored log file|new target timeline|started streaming' | tail -4 | cut -c1-160

log "pgbackrest check (repository host: finds the new primary by itself) and on the new primary"
br_repo check 2>&1 | grep -E 'check repo1|successfully archived|command end' | cut -c25-
br_node "$NEW" check 2>&1 | grep -E 'successfully archived|command end|ERROR' | cut -c25-
log "archive-get of the new timeline, from the new standby's container"
hist=$(psql_in "$NEW" -c "SELECT lpad(to_hex(timeline_id), 8, '0') || '.history' FROM pg_control_checkpoint()")
seg=$(last_archived "$NEW")
for f in "$hist" "$seg"; do
    t=$(now)
    br_node "$OLD" archive-get "$f" "/tmp/$f" 2>&1 | grep -E 'found|command end' | cut -c25- | tail -1
    log "archive-get $f: $(elapsed "$t" "$(now)") s, $(docker exec "$OLD" sh -c "wc -c < /tmp/$f; rm -f /tmp/$f") bytes"
done

log "a backup after the switchover: from the new standby ($OLD)"
br_repo backup --type=incr --log-level-console=detail > "$STATE/out/incr-after-switchover.log" 2>&1 || { tail "$STATE/out/incr-after-switchover.log"; exit 1; }
grep -E 'new backup label|backup size|command end: completed' "$STATE/out/incr-after-switchover.log" | cut -c25- | head -3
log "files copied, by host: $(sed -n 's/.*backup file \([^:]*\):.*/\1/p' "$STATE/out/incr-after-switchover.log" | sort | uniq -c | tr '\n' ' ')"

log "restore to a time after the switchover (rows 1-100 on the new primary, time, 101-150)"
psql_in "$NEW" -c "DO \$\$ BEGIN FOR i IN 3..100 LOOP INSERT INTO so (id) VALUES (i); COMMIT; END LOOP; END \$\$"
T=$(psql_in "$NEW" -c "SELECT clock_timestamp()")
sleep 1
psql_in "$NEW" -c "DO \$\$ BEGIN FOR i IN 101..150 LOOP INSERT INTO so (id) VALUES (i); COMMIT; END LOOP; END \$\$"
seg=$(psql_in "$NEW" -c "SELECT pg_walfile_name(pg_switch_wal())")
wait_until 60 "$seg archived" sh -c "docker exec -i $NEW psql -h /var/run/postgresql -U postgres -XAtq -c 'SELECT last_archived_wal FROM pg_stat_archiver' | grep -qx $seg" >/dev/null
docker stop "$OLD-br" "$NEW-br" >/dev/null
docker volume create "$R" >/dev/null
node_conf_tar "$R" | fill_volume "$R" "$PGDIR"
t=$(now)
restore_into "$R" --type=time "--target=$T" --target-action=promote > "$STATE/out/restore-after-switchover.log" 2>&1 || { tail "$STATE/out/restore-after-switchover.log"; exit 1; }
PG_ARGS="-c archive_mode=off" run_pg "$R" "$R"
wait_until 120 "$R promoted" promoted "$R" >/dev/null
log "restored to $T in $(elapsed "$t" "$(now)") s: $(psql_in "$R" -c "SELECT 'ids ' || count(*) || ' (' || min(id) || '-' || max(id) || '), ok=' || (count(*) = 100 AND max(id) = 100) FROM so"), timeline $(psql_in "$R" -c 'SELECT timeline_id FROM pg_control_checkpoint()')"
docker logs "$R" 2>&1 | grep -E 'restored log file "0000000[0-9]\.history|recovery stopping|selected new timeline' | cut -c1-160
docker rm -f "$R" >/dev/null; docker volume rm "$R" >/dev/null
docker start "$OLD-br" "$NEW-br" >/dev/null
br_repo info | sed -n '/wal archive min/p'
