#!/bin/sh
# pg-cluster (ha: patroni): put in front of a step that acts on the primary. Finds the member that
# leads now (the one that accepts writes: under Patroni only the leader does), waiting up to
# PGC_TIMEOUT_SECONDS for one, makes the application database exist there, pins the superuser's
# search_path, makes the exporters' certificate expiry function and the read gate exist, and sets
# PGC_PRIMARY_CONTAINER to it for the step that follows. Needs init/lib/cluster-schema.sh in front.
#
# Patroni's own sessions (as the superuser, over the socket, in database postgres) carry no
# startup options of ours: the role setting below pins their search_path, so that nothing the
# application role creates in schema public can stand in for a built-in they call. A role setting
# wins over a database's; only a superuser can set one for this role.
#   PGC_MEMBER_CONTAINERS   the Patroni members' containers, space-separated
#   PGC_TIMEOUT_SECONDS     how long to wait for a leader
#   PGC_DATABASE            the application database
#   PGC_SUPERUSER           the superuser role
#   PGC_READ_MAX_LAG_BYTES  the read gate's bound (0: none)
set -eu

pgc_require PGC_MEMBER_CONTAINERS PGC_TIMEOUT_SECONDS PGC_DATABASE PGC_SUPERUSER PGC_READ_MAX_LAG_BYTES
pgc_deadline=$(( $(date +%s) + PGC_TIMEOUT_SECONDS ))
PGC_PRIMARY_CONTAINER=""
while [ -z "$PGC_PRIMARY_CONTAINER" ]; do
    for pgc_container in $PGC_MEMBER_CONTAINERS; do
        # </dev/null: the step's stdin (the verifiers) is for the step that follows.
        if [ "$(pgc_on "$(pgc_node_of "$pgc_container")" pgc_psql "$pgc_container" postgres -At \
            -c 'SELECT pg_catalog.pg_is_in_recovery()' </dev/null 2>/dev/null)" = f ]; then
            PGC_PRIMARY_CONTAINER=$pgc_container
            break
        fi
    done
    if [ -z "$PGC_PRIMARY_CONTAINER" ]; then
        if [ "$(date +%s)" -ge "$pgc_deadline" ]; then
            echo "pg-cluster: no Patroni member leads after ${PGC_TIMEOUT_SECONDS}s ($PGC_MEMBER_CONTAINERS)" >&2
            exit 1
        fi
        sleep 0.5
    fi
done
export PGC_PRIMARY_CONTAINER
# One session: the superuser's search_path and the application database, then pg-cluster's schema
# (init/lib/cluster-schema.sh): the exporters' certificate expiry function in postgres, where they
# log in, and the read gate in the application database, as in ha: none but without its check of
# the sending host (a member follows whichever member Patroni made the leader). A gate made under
# ha: none (a switched stack) is made anew here, so a failover does not close it.
{
    printf '%s\n' "SET synchronous_commit = local;" \
        "ALTER ROLE $PGC_SUPERUSER SET search_path = pg_catalog, pg_temp;" \
        "SELECT format('CREATE DATABASE %I', $(pgc_literal "$PGC_DATABASE"))" \
        "WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = $(pgc_literal "$PGC_DATABASE")) \\gexec"
    pgc_cluster_schema_sql "$PGC_DATABASE" "$PGC_READ_MAX_LAG_BYTES"
} | pgc_on "$(pgc_node_of "$PGC_PRIMARY_CONTAINER")" pgc_psql "$PGC_PRIMARY_CONTAINER" postgres -At >/dev/null
echo "pg-cluster: $PGC_PRIMARY_CONTAINER leads" >&2
