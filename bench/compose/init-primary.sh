#!/bin/bash
# Runs once, from the image's entrypoint, when the primary's volume is first initialized.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username postgres --dbname postgres \
    -c "CREATE ROLE replicator WITH LOGIN REPLICATION PASSWORD '${REPLICATION_PASSWORD}'"
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
