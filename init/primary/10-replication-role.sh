#!/bin/sh
# Runs once, at the primary's first start, from /docker-entrypoint-initdb.d: the image's
# entrypoint calls it as the postgres user against its temporary, socket-only server.
#
# Creates the replication role and installs pg-cluster's pg_hba.conf.
#   PGC_REPLICATION_USER           name of the role (LOGIN REPLICATION, never superuser)
#   PGC_REPLICATION_PASSWORD_FILE  file holding its password (uploaded, not in the environment)
#   PGC_HBA_FILE                   the pg_hba.conf to install (uploaded, rendered by pg-cluster)
set -eu

: "${PGC_REPLICATION_USER:?PGC_REPLICATION_USER is not set}"
: "${PGC_REPLICATION_PASSWORD_FILE:?PGC_REPLICATION_PASSWORD_FILE is not set}"
: "${PGC_HBA_FILE:?PGC_HBA_FILE is not set}"
: "${PGDATA:?PGDATA is not set}"

if [ ! -s "$PGC_REPLICATION_PASSWORD_FILE" ]; then
    echo "pg-cluster: replication password file $PGC_REPLICATION_PASSWORD_FILE is missing or empty" >&2
    exit 1
fi

# psql reads the password itself (backticks in \set), so it never appears in an argv.
# password_encryption=scram-sha-256 stores only a SCRAM verifier.
psql -X -q -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v repl_user="$PGC_REPLICATION_USER" <<'SQL'
\set repl_password `cat "$PGC_REPLICATION_PASSWORD_FILE"`
CREATE ROLE :"repl_user" WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT
    PASSWORD :'repl_password';
SQL

# Replace the entrypoint's permissive rules with ours; the real server reads them when it starts.
install -m 0600 "$PGC_HBA_FILE" "$PGDATA/pg_hba.conf"
echo "pg-cluster: created role $PGC_REPLICATION_USER and installed pg_hba.conf"
