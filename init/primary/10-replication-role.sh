#!/bin/sh
# Runs once, at the primary's first start, from /docker-entrypoint-initdb.d: the image's
# entrypoint calls it as the postgres user against its temporary, socket-only server.
#
# Creates the replication role and the application database, installs pg-cluster's pg_hba.conf
# and marks the initialization complete (the primary's health check waits for that mark, so a
# primary whose initialization failed midway never counts as healthy).
#   PGC_REPLICATION_USER           name of the role (LOGIN REPLICATION, never superuser)
#   PGC_REPLICATION_PASSWORD_FILE  file holding its password (uploaded, not in the environment)
#   PGC_DATABASE                   the database to create (none when it is "postgres")
#   PGC_HBA_FILE                   the pg_hba.conf to install (uploaded, rendered by pg-cluster)
#
# The database is created here rather than through POSTGRES_DB: the temporary server already runs
# with the cluster's synchronous_standby_names, and the entrypoint's CREATE DATABASE would wait
# forever for standbys that do not exist yet. This session commits with synchronous_commit=local.
set -eu

: "${PGC_REPLICATION_USER:?PGC_REPLICATION_USER is not set}"
: "${PGC_REPLICATION_PASSWORD_FILE:?PGC_REPLICATION_PASSWORD_FILE is not set}"
: "${PGC_DATABASE:?PGC_DATABASE is not set}"
: "${PGC_HBA_FILE:?PGC_HBA_FILE is not set}"
: "${PGDATA:?PGDATA is not set}"

if [ ! -s "$PGC_REPLICATION_PASSWORD_FILE" ]; then
    echo "pg-cluster: replication password file $PGC_REPLICATION_PASSWORD_FILE is missing or empty" >&2
    exit 1
fi

# psql reads the password itself (backticks in \set), so it never appears in an argv.
# password_encryption=scram-sha-256 stores only a SCRAM verifier.
psql -X -q -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v repl_user="$PGC_REPLICATION_USER" -v db="$PGC_DATABASE" <<'SQL'
SET synchronous_commit = local;
\set repl_password `cat "$PGC_REPLICATION_PASSWORD_FILE"`
CREATE ROLE :"repl_user" WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT
    PASSWORD :'repl_password';
SELECT format('CREATE DATABASE %I', :'db')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL

# Replace the entrypoint's permissive rules with ours; the real server reads them when it starts.
install -m 0600 "$PGC_HBA_FILE" "$PGDATA/pg_hba.conf"
touch "$PGDATA/pg-cluster-init.done"
echo "pg-cluster: created role $PGC_REPLICATION_USER and database $PGC_DATABASE, installed pg_hba.conf"
