#!/bin/sh
# Brings up the spike by hand: a network; the repository host (pgbackrest
# server on a dedicated repository volume, config and passphrase on a conf
# volume); a PostgreSQL 17 primary and one streaming standby (slot, TLS,
# SCRAM), each with a pgbackrest TLS server in a sidecar; then stanza-create
# and check. Prints how long each part took.
#
# Usage: DOCKER_HOST=... [SPIKE_IMAGE=spike23/postgres-pgbackrest:17] sh up.sh
# Secrets (CA key, node keys, passphrase, replication password) are made in
# $STATE (0700) on this machine and reach the volumes only as tar streams on
# a one-off container's stdin.
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$HERE/lib.sh"

[ ! -e "$STATE" ] || die "$STATE exists: run down.sh first"
mkdir -m 0700 "$STATE"
started=$(now)

log "CA, certificates, passphrase, replication password"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$STATE/ca.key" 2>/dev/null
openssl req -x509 -new -key "$STATE/ca.key" -subj "/CN=$PREFIX CA" -days 30 -out "$STATE/ca.crt" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
issue_cert "$STATE/repo" "$REPO" "$REPO"
for n in pg0 pg1 rpg0 rpg1; do issue_cert "$STATE/nodes/$PREFIX-$n" "$PREFIX-$n" "$PREFIX-$n" "$PREFIX-$n-br" localhost; done
# 64 random bytes, base64 (what pgBackRest's user guide suggests: openssl rand -base64 48).
openssl rand -base64 48 | tr -d '\n' > "$STATE/repo1.pass"
openssl rand -hex 24 > "$STATE/replication.pw"
chmod 0600 "$STATE"/*.pass "$STATE"/*.pw

docker network create "$NET" >/dev/null
for v in repo repo-conf pg0 pg1; do docker volume create "$PREFIX-$v" >/dev/null; done

log "repository host"
repo_conf_tar | fill_volume "$PREFIX-repo-conf" "$REPO_CONF_DIR"
run_repo

log "primary: initdb, conf, start"
node_conf_tar "$PREFIX-pg0" | fill_volume "$PREFIX-pg0" "$PGDIR"
docker run --rm --name "$PREFIX-initdb" --network none --user "$PG_UID:$PG_UID" $HARDENING \
    -v "$PREFIX-pg0:$PGDIR" --entrypoint initdb "$IMAGE" -D "$PGDATA_DIR" -U postgres \
    --data-checksums --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 >/dev/null
run_pg "$PREFIX-pg0" "$PREFIX-pg0"
wait_until 60 "pg0 ready" pg_ready "$PREFIX-pg0" >/dev/null
# The replication role's password: psql reads it from conf/pgpass inside the
# container (\set with a backtick command), so it is on no command line.
psql_in "$PREFIX-pg0" <<'SQL'
\set pw `cut -d: -f5 /var/lib/postgresql/data/conf/pgpass`
SET log_statement = 'none';
CREATE ROLE replicator LOGIN REPLICATION PASSWORD :'pw';
SELECT pg_create_physical_replication_slot('pg1');
SQL
run_sidecar "$PREFIX-pg0" "$PREFIX-pg0"
primary_ready=$(now)

log "standby: base backup over TLS, start"
node_conf_tar "$PREFIX-pg1" | fill_volume "$PREFIX-pg1" "$PGDIR"
seed_standby "$PREFIX-pg1" "$PREFIX-pg1" "$PREFIX-pg0" pg1
run_pg "$PREFIX-pg1" "$PREFIX-pg1"
wait_until 60 "pg1 streaming" streaming "$PREFIX-pg1" >/dev/null
run_sidecar "$PREFIX-pg1" "$PREFIX-pg1"
standby_ready=$(now)

log "stanza-create and check"
t=$(now)
br_repo stanza-create
stanza=$(now)
br_repo check
checked=$(now)
log "up: certificates+primary $(elapsed "$started" "$primary_ready") s, standby $(elapsed "$primary_ready" "$standby_ready") s, stanza-create $(elapsed "$t" "$stanza") s, check $(elapsed "$stanza" "$checked") s, total $(elapsed "$started" "$checked") s"
