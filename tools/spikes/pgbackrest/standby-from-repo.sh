#!/bin/sh
# A standby seeded from the repository instead of from the primary:
# pgbackrest restore --type=standby into a new volume (the latest backup plus
# archive-get), then primary_conninfo and a slot, so it streams from the
# primary. The primary sends only the WAL since the backup. Run after
# backup.sh. Uses the spare node name rpg1 (its certificate is authorized on
# the repository host).
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$HERE/lib.sh"
if [ "$(in_recovery "$PREFIX-pg0")" = f ]; then P=$PREFIX-pg0 SB=$PREFIX-pg1; else P=$PREFIX-pg1 SB=$PREFIX-pg0; fi
N=$PREFIX-rpg1
docker stop "$SB-br" >/dev/null   # five containers at most
psql_in "$P" -c "SELECT pg_create_physical_replication_slot('rpg1') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = 'rpg1')" >/dev/null
docker volume create "$N" >/dev/null
node_conf_tar "$N" | fill_volume "$N" "$PGDIR"
t=$(now)
restore_into "$N" --type=standby > "$STATE/out/restore-standby.log" 2>&1 || { tail -20 "$STATE/out/restore-standby.log"; die "restore failed"; }
t1=$(now)
docker run --rm --name "$PREFIX-conninfo" --network none --user "$PG_UID:$PG_UID" $HARDENING -v "$N:$PGDIR" --entrypoint sh "$IMAGE" -c '
printf "primary_conninfo = '\''host=%s user=replicator passfile=%s/pgpass sslmode=verify-full sslrootcert=%s/ca.crt application_name=rpg1'\''\nprimary_slot_name = '\''rpg1'\''\n" "$2" "$3" "$3" >> "$1/postgresql.auto.conf"
ls "$1/standby.signal"; grep -E "^(restore_command|primary_conninfo)" "$1/postgresql.auto.conf"' sh "$PGDATA_DIR" "$P" "$PGCONF"
run_pg "$N" "$N"
wait_until 120 "$N streaming" streaming "$N" >/dev/null
log "standby from the repository: restore $(elapsed "$t" "$t1") s, streaming from $P $(elapsed "$t" "$(now)") s after the start of the restore"
docker logs "$N" 2>&1 | grep -E 'restored log file|started streaming' | sed -n '1p;$p' | cut -c1-140
log "on $P: $(psql_in "$P" -c "SELECT application_name || ' ' || state FROM pg_stat_replication ORDER BY 1" | tr '\n' ';')"
docker rm -f "$N" >/dev/null; docker volume rm "$N" >/dev/null
psql_in "$P" -c "SELECT pg_drop_replication_slot('rpg1')" >/dev/null
docker start "$SB-br" >/dev/null
