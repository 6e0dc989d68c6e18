#!/bin/sh
# pg-cluster shell library (init/lib/cluster-schema.sh): pg-cluster's own schema on the primary,
# put in front of the steps that keep it (ha: none's primary step, ha: patroni's roles step).
# Every mode's exporters read the node's certificate expiry through it.

# schema_check_sql: SQL that refuses a schema pgcluster, or a function in it, that a role other than
# a superuser owns (the application role owns its database and may create schemas there).
schema_check_sql() {
    printf '%s\n' "DO \$check\$
DECLARE
    owner name;
BEGIN
    SELECT r.rolname INTO owner FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid = n.nspowner
    WHERE n.nspname = 'pgcluster' AND NOT r.rolsuper;
    IF owner IS NOT NULL THEN
        RAISE EXCEPTION 'pg-cluster: schema pgcluster in database % is owned by role %, not by a superuser: pg-cluster does not run code that another role can change. Drop it as the superuser (DROP SCHEMA pgcluster CASCADE) and run pulumi up again', pg_catalog.current_database(), owner;
    END IF;
    SELECT r.rolname INTO owner FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_catalog.pg_roles r ON r.oid = p.proowner
    WHERE n.nspname = 'pgcluster' AND NOT r.rolsuper;
    IF owner IS NOT NULL THEN
        RAISE EXCEPTION 'pg-cluster: a function in schema pgcluster of database % is owned by role %, not by a superuser; drop it as the superuser and run pulumi up again', pg_catalog.current_database(), owner;
    END IF;
END
\$check\$;"
}

# tls_expiry_function: SQL for pgcluster.tls_certificate_not_after(), the node's own certificate's
# expiry (seconds since the epoch; NULL without TLS) read from the file its conf step writes, for
# the exporter's monitoring role (pg_monitor); its schema is checked as the read gate's is.
tls_expiry_function() {
    printf '%s\n' "CREATE OR REPLACE FUNCTION pgcluster.tls_certificate_not_after() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS \$expiry\$
    SELECT nullif(pg_catalog.btrim(pg_catalog.pg_read_file($(pgc_literal "$PGC_CONF_DIR/server.notafter"), 0, 64, true)), '')::bigint
\$expiry\$;
REVOKE ALL ON FUNCTION pgcluster.tls_certificate_not_after() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgcluster.tls_certificate_not_after() TO pg_monitor;"
}

# schema_sql: a local commit (with synchronous replication and no standby yet, a commit would
# wait), the check above, and schema pgcluster, usable by every role, changeable by none.
schema_sql() {
    printf '%s\n' "SET synchronous_commit = local;
$(schema_check_sql)
CREATE SCHEMA IF NOT EXISTS pgcluster;
REVOKE ALL ON SCHEMA pgcluster FROM PUBLIC;
GRANT USAGE ON SCHEMA pgcluster TO PUBLIC;"
}

# expiry_sql: schema pgcluster (refused when another role made it) and the expiry function, in the
# session's database; idempotent.
expiry_sql() {
    printf '%s\n' "$(schema_sql)
$(tls_expiry_function)"
}

# read_gate_sql MAX_LAG_BYTES [SENDER]: the read gate, kept on the primary in the application
# database (the session's) and replicated to every standby: a login event
# trigger that refuses network logins to a standby whose WAL receiver is not streaming, with
# SQLSTATE 57P03 (cannot connect now), so that no client of the read-only connection strings reads
# data that stopped moving; with MAX_LAG_BYTES above 0, also to one that replays more than that
# behind what its primary last reported; with SENDER (ha: none: the primary its step made), also
# to one that streams from another host (under Patroni a member follows whichever member leads).
# Logins over the node's Unix socket (the steps, the health check, docker exec … psql), superusers
# and members of pg_monitor are always let in. Idempotent: the function is made anew each time.
read_gate_sql() {
    pgc_gate_sender_check=""
    if [ -n "${2:-}" ]; then
        # A standby that streams from another node (an old primary, a node promoted by hand) may
        # serve a history the cluster left.
        pgc_gate_sender_check="    IF sender IS DISTINCT FROM $(pgc_literal "$2") THEN
        RAISE EXCEPTION 'pg-cluster: this standby streams from %, not from the primary %, so it refuses reads until it follows the primary', coalesce(sender, 'no host'), $(pgc_literal "$2")
            USING ERRCODE = 'cannot_connect_now',
                  HINT = 'Connect to another node: the read-only connection strings list every node.';
    END IF;"
    fi
    # The application role may own this database: it can make schemas there, and set its
    # search_path (the session below pins its own). What pg-cluster runs here must be its own:
    # a schema pgcluster or a gate function that someone else made is refused, never used.
    # Local commit: with synchronous replication configured, a commit would otherwise wait for a
    # standby, and on a first bring-up none exists yet.
    printf '%s\n' "$(schema_sql)
-- SECURITY DEFINER: pg_stat_wal_receiver shows its status only to privileged roles.
CREATE OR REPLACE FUNCTION pgcluster.refuse_reads_unless_streaming() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS \$gate\$
DECLARE
    receiver text;
    sender text;
BEGIN
    -- The primary, the node's own socket, superusers and monitoring roles are always let in.
    IF NOT pg_catalog.pg_is_in_recovery() OR pg_catalog.inet_client_addr() IS NULL
       OR (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = session_user)
       OR pg_catalog.pg_has_role(session_user, 'pg_monitor', 'MEMBER') THEN
        RETURN;
    END IF;
    SELECT status, sender_host INTO receiver, sender FROM pg_catalog.pg_stat_wal_receiver;
    IF receiver IS DISTINCT FROM 'streaming' THEN
        RAISE EXCEPTION 'pg-cluster: this standby does not stream from the primary (WAL receiver: %), so it refuses reads until it streams again', coalesce(receiver, 'none')
            USING ERRCODE = 'cannot_connect_now',
                  HINT = 'Connect to another node: the read-only connection strings list every node.';
    END IF;
    -- Fresh enough: what it replayed against what its primary last said it has.
    IF $1 > 0 AND (SELECT pg_catalog.pg_wal_lsn_diff(latest_end_lsn, pg_catalog.pg_last_wal_replay_lsn())
            FROM pg_catalog.pg_stat_wal_receiver) > $1 THEN
        RAISE EXCEPTION 'pg-cluster: this standby replays more than % bytes behind its primary, so it refuses reads until it catches up', $1
            USING ERRCODE = 'cannot_connect_now',
                  HINT = 'Connect to another node: the read-only connection strings list every node.';
    END IF;
$pgc_gate_sender_check
END
\$gate\$;
REVOKE ALL ON FUNCTION pgcluster.refuse_reads_unless_streaming() FROM PUBLIC;
$(tls_expiry_function)
DO \$do\$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname = 'pgcluster_read_gate') THEN
        CREATE EVENT TRIGGER pgcluster_read_gate ON login EXECUTE FUNCTION pgcluster.refuse_reads_unless_streaming();
    END IF;
END \$do\$;"
}

# pgc_cluster_schema_sql DATABASE MAX_LAG_BYTES [SENDER]: psql input, for a hardened session
# (pgc_psql) on database postgres of the primary, that keeps pg-cluster's schema: the expiry
# function in postgres, where the exporters log in, then the read gate (read_gate_sql, with the
# expiry function) in DATABASE, the application database (a plain identifier, as
# pg-cluster:database allows; \connect keeps the session's pinned search_path). The steps that keep
# the schema send it in the one session they open (each session is a docker exec and a psql
# start), after their own statements. Idempotent.
pgc_cluster_schema_sql() {
    if [ "$1" != postgres ]; then
        expiry_sql
        printf '%s\n' "\\connect '$(printf '%s' "$1" | sed -e 's/[\\]/&&/g' -e "s/'/''/g")'"
    fi
    read_gate_sql "$2" "${3:-}"
}
