#!/bin/sh
# Scenario 6: an S3-compatible object store as a second repository (repo2):
# VersityGW (github.com/versity/versitygw, Apache-2.0, built from the Go
# module proxy: see NOTES.md) with its posix backend, over TLS with a
# certificate of the spike's CA (repo2-storage-ca-file). The repository host
# holds the S3 keys and repo2's passphrase; the nodes reach repo2 through the
# repository host's TLS server, so WAL goes to both repositories. One full
# backup to repo2 and a restore from it. Run after up.sh (and backup.sh).
#
#   VERSITYGW=/path/to/versitygw (a static binary; bind-mounted read-only)
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$HERE/lib.sh"
: "${VERSITYGW:?set VERSITYGW to the versitygw binary}"
S3_PORT=7070 S3_BUCKET=pgbackrest S3=1
export S3_PORT S3_BUCKET S3
S3C=$PREFIX-s3
R=$PREFIX-rpg0
if [ "$(in_recovery "$PREFIX-pg0")" = f ]; then P=$PREFIX-pg0 SB=$PREFIX-pg1; else P=$PREFIX-pg1 SB=$PREFIX-pg0; fi

log "S3 server: certificate, keys, volume, container"
issue_cert "$STATE/s3" "$S3C" "$S3C"
openssl rand -hex 10 | tr a-f A-F > "$STATE/s3.access"
openssl rand -base64 30 | tr -d '\n' > "$STATE/s3.secret"
openssl rand -base64 48 | tr -d '\n' > "$STATE/repo2.pass"
chmod 0600 "$STATE"/s3.* "$STATE/repo2.pass"
mkdir -p "$STATE/s3/tree/conf" "$STATE/s3/tree/data/$S3_BUCKET"
cp "$STATE/s3/node.crt" "$STATE/s3/node.key" "$STATE/s3.access" "$STATE/s3.secret" "$STATE/s3/tree/conf/"
chmod -R go-rwx "$STATE/s3/tree"
docker volume create "$S3C" >/dev/null
pack "$STATE/s3/tree" | fill_volume "$S3C" /srv/s3
rm -rf "$STATE/s3/tree"
# versitygw takes its root keys from flags or environment only: they are read
# from files into the environment of its own process here, so neither docker
# inspect nor its argv shows them (its /proc/1/environ does, inside).
docker run -d --name "$S3C" --hostname "$S3C" --network "$NET" --user "$PG_UID:$PG_UID" $HARDENING \
    -v "$S3C:/srv/s3" -v "$VERSITYGW:/usr/local/bin/versitygw:ro" --entrypoint sh "$IMAGE" -c '
ROOT_ACCESS_KEY=$(cat /srv/s3/conf/s3.access) ROOT_SECRET_KEY=$(cat /srv/s3/conf/s3.secret) \
exec versitygw --port :7070 --cert /srv/s3/conf/node.crt --key /srv/s3/conf/node.key posix /srv/s3/data' >/dev/null
sleep 1
docker logs "$S3C" 2>&1 | tail -3

log "repo2 on the repository host and the nodes; stanza-create for repo2"
repo_conf_tar | fill_volume "$PREFIX-repo-conf" "$REPO_CONF_DIR"
docker restart "$REPO" >/dev/null
for n in "$PREFIX-pg0" "$PREFIX-pg1"; do node_conf_tar "$n" | fill_volume "$n" "$PGDIR"; done
sleep 1
br_repo stanza-create 2>&1 | grep -E 'stanza-create for|command end|ERROR' | cut -c25-
br_repo check 2>&1 | grep -E 'check repo|successfully archived|command end|ERROR' | cut -c25- | cut -c1-200

log "full backup to repo2 (from the standby)"
t=$(now)
br_repo backup --repo=2 --type=full > "$STATE/out/full-s3.log" 2>&1 || { tail -20 "$STATE/out/full-s3.log"; die "S3 backup failed"; }
log "full backup to S3 took $(elapsed "$t" "$(now)") s"
grep -E 'new backup label|full backup size|command end' "$STATE/out/full-s3.log" | cut -c25-
br_repo info --repo=2 | sed -n '/wal archive/p;/full backup/,/backup set size/p'
log "what the store holds (encrypted objects):"
docker exec "$S3C" sh -c "cd /srv/s3/data/$S3_BUCKET && find . -type f | wc -l && f=\$(find . -name 'backup.info' | head -1) && echo \"\$f: \$(head -c 8 \$f)\""

log "restore from repo2 (latest) into a new volume; both sidecars stop first (five containers)"
psql_in "$P" -c "DROP TABLE IF EXISTS s3check; CREATE TABLE s3check AS SELECT 42 AS answer"
seg=$(psql_in "$P" -c "SELECT pg_walfile_name(pg_switch_wal())")
wait_until 60 "$seg archived" sh -c "docker exec -i $P psql -h /var/run/postgresql -U postgres -XAtq -c 'SELECT last_archived_wal FROM pg_stat_archiver' | grep -qx $seg" >/dev/null
docker stop "$SB-br" "$P-br" >/dev/null
docker volume create "$R" >/dev/null
node_conf_tar "$R" | fill_volume "$R" "$PGDIR"
t=$(now)
restore_into "$R" --repo=2 > "$STATE/out/restore-s3.log" 2>&1 || { tail -20 "$STATE/out/restore-s3.log"; die "S3 restore failed"; }
t1=$(now)
PG_ARGS="-c archive_mode=off" run_pg "$R" "$R"
wait_until 120 "$R promoted" promoted "$R" >/dev/null
log "restore from S3 $(elapsed "$t" "$t1") s, to promotion $(elapsed "$t" "$(now)") s: s3check.answer = $(psql_in "$R" -c 'SELECT answer FROM s3check'), pgbench rows $(psql_in "$R" -c 'SELECT count(*) FROM pgbench_accounts')"
grep -E 'restore backup set|restore size' "$STATE/out/restore-s3.log" | cut -c25-
docker logs "$R" 2>&1 | grep -c 'restored log file' | sed 's/^/WAL files restored from the archive: /'
docker rm -f "$R" >/dev/null; docker volume rm "$R" >/dev/null
docker start "$SB-br" "$P-br" >/dev/null
