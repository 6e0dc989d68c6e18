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

# pgc_ensure_expiry_function CONTAINER DATABASE: schema pgcluster (refused when another role made
# it) and the expiry function in DATABASE on the primary CONTAINER; idempotent. Local commit: with
# synchronous replication and no standby yet, a commit would wait.
pgc_ensure_expiry_function() {
    printf '%s\n' "SET synchronous_commit = local;
$(schema_check_sql)
CREATE SCHEMA IF NOT EXISTS pgcluster;
REVOKE ALL ON SCHEMA pgcluster FROM PUBLIC;
GRANT USAGE ON SCHEMA pgcluster TO PUBLIC;
$(tls_expiry_function)" | pgc_psql "$1" "$2" -At >/dev/null
}
