#!/bin/sh
# Scenario 1-3: WAL archiving from the primary, a full and a differential
# backup taken from the standby, info, and what the repository holds
# (encrypted). Prints the figures. Run after up.sh.
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$HERE/lib.sh"
P=$PREFIX-pg0
mkdir -p "$STATE/out"

log "pgbench -i -s ${SCALE:-15}"
t=$(now)
docker exec "$P" pgbench -h /var/run/postgresql -U postgres -i -s "${SCALE:-15}" -q postgres 2>&1 | tail -1
if [ "${RANDOM_MB:-0}" -gt 0 ]; then
    # pgbench's tables compress about 20:1; random hex text about 2:1.
    psql_in "$P" -c "DROP TABLE IF EXISTS rnd; CREATE TABLE rnd AS SELECT g AS id, md5(random()::text) || md5(random()::text) AS pad FROM generate_series(1, ${RANDOM_MB} * 9000) g"
fi
log "pgbench -i (and random data) took $(elapsed "$t" "$(now)") s; database $(psql_in "$P" -c "SELECT pg_size_pretty(pg_database_size('postgres'))")"

# Every segment written so far archived: switch, then wait for that segment.
seg=$(psql_in "$P" -c "SELECT pg_walfile_name(pg_switch_wal())")
t=$(now)
log "waiting for $seg to be archived ($(psql_in "$P" -c "SELECT archived_count || ' archived, ' || failed_count || ' failed' FROM pg_stat_archiver"))"
wait_until 300 "$seg archived" sh -c "[ \"\$(docker exec -i $P psql -h /var/run/postgresql -U postgres -XAtq -c 'SELECT last_archived_wal FROM pg_stat_archiver')\" \\> '$seg' ] || [ \"\$(docker exec -i $P psql -h /var/run/postgresql -U postgres -XAtq -c 'SELECT last_archived_wal FROM pg_stat_archiver')\" = '$seg' ]" >/dev/null
log "archive caught up $(elapsed "$t" "$(now)") s after the switch: $(psql_in "$P" -c "SELECT archived_count || ' archived, ' || failed_count || ' failed, last ' || last_archived_wal FROM pg_stat_archiver")"
# archive-push's own duration of each segment (pgbackrest logs it on "command end").
docker logs "$P" 2>&1 | sed -n 's/.*archive-push command end: completed successfully (\([0-9]*\)ms).*/\1/p' > "$STATE/out/push-ms"
sort -n "$STATE/out/push-ms" | awk '{ a[NR] = $1; s += $1 } END { n = NR; printf "archive-push per segment (ms): n=%d min=%d median=%d p90=%d max=%d mean=%.0f\n", n, a[1], a[int((n+1)/2)], a[int(n*0.9)], a[n], s/n }'

log "full backup (backup-standby=y)"
t=$(now)
br_repo backup --type=full --log-level-console=detail > "$STATE/out/full.log" 2>&1 || { tail -20 "$STATE/out/full.log"; die "full backup failed"; }
log "full backup took $(elapsed "$t" "$(now)") s"
grep -E 'backup start|wait for replay|backup stop|new backup label|full backup size|command end' "$STATE/out/full.log" | cut -c25-
# Where the files came from: pgbackrest names the host for every copied file.
log "files copied, by host: $(sed -n 's/.*backup file \([^:]*\):.*/\1/p' "$STATE/out/full.log" | sort | uniq -c | tr '\n' ' ')"

log "some writes, then a differential backup"
docker exec "$P" pgbench -h /var/run/postgresql -U postgres -c 2 -T 10 -n postgres 2>&1 | grep -E '^tps|transactions actually'
t=$(now)
br_repo backup --type=diff --log-level-console=detail > "$STATE/out/diff.log" 2>&1 || { tail -20 "$STATE/out/diff.log"; die "diff backup failed"; }
log "diff backup took $(elapsed "$t" "$(now)") s"
grep -E 'new backup label|diff backup size|command end' "$STATE/out/diff.log" | cut -c25-
log "diff files copied, by host: $(sed -n 's/.*backup file \([^:]*\):.*/\1/p' "$STATE/out/diff.log" | sort | uniq -c | tr '\n' ' ')"

br_repo check 2>&1 | grep -E 'successfully archived|command end' | cut -c25-
br_repo info
br_repo info --output=json > "$STATE/out/info.json"
python3 -c 'import json,sys,datetime
i = json.load(open(sys.argv[1]))[0]
b = i["backup"][-1]
print("info json: status", i["status"]["message"], "| last backup", b["label"], b["type"],
      "stop", datetime.datetime.fromtimestamp(b["timestamp"]["stop"], datetime.timezone.utc).isoformat(),
      "| archive", i["archive"][0]["min"], "..", i["archive"][0]["max"], "| cipher", i["cipher"])' "$STATE/out/info.json"

# The repository is encrypted: every file starts with OpenSSL's "Salted__".
docker exec "$REPO" sh -c 'cd /var/lib/pgbackrest/repo1 && for f in backup/main/backup.info $(find archive -name "*.zst" | head -1) $(find backup -name "PG_VERSION*" | head -1); do printf "%s: %s\n" "$f" "$(head -c 8 "$f")"; done'
