#!/bin/sh
# pg-cluster step "passwords": makes the primary's roles what the stack says, with the passwords
# Pulumi holds (from secret config, or generated and kept in state):
#   - the superuser and the replication role: their passwords; the replication role may also run
#     the four functions pg_rewind needs (it rewinds a node that rejoins; the superuser never
#     logs in over the network);
#   - the application role: LOGIN, and nothing else (no SUPERUSER, CREATEDB, CREATEROLE,
#     REPLICATION or BYPASSRLS); the exported connection strings log in as it. It owns the
#     application database, unless that is `postgres`, the database pg-cluster's own sessions
#     use: a role that owns a database can set its search_path and other settings for every
#     session in it. There the superuser owns the database and the application role may create
#     objects in schema public;
#   - the monitoring role: LOGIN and member of pg_monitor, nothing else, its search_path pinned to
#     pg_catalog (the exporter's queries find nothing a client role made).
# Roles that do not exist yet are created; attributes someone changed by hand are set back.
#
# Initialization sets passwords only on an empty data directory; a primary started on data that
# already exists (a volume retained across `pulumi destroy`, then `pulumi up` with newly generated
# passwords) would otherwise keep old ones the stack's outputs no longer know. Runs after the
# primary step, and again whenever a password or a role name changes. A changed password takes
# effect for new logins at once: no restart, no new base backup.
#
# Reaches the server over its Unix socket as the postgres OS user (peer authentication), in a
# hardened session (pgc_psql). What it sends are SCRAM verifiers, one per line on stdin
# (superuser, replication, application, monitoring), computed by the program: the server never
# sees a password, so none can reach its log (a failed statement is logged with its text).
#   PGC_PRIMARY_CONTAINER  the primary's container name
#   PGC_SUPERUSER          the superuser role
#   PGC_REPLICATION_USER   the replication role
#   PGC_DATABASE           the application database
#   PGC_APP_USER           the application role
#   PGC_MONITORING_USER    the monitoring role
set -eu

pgc_require PGC_PRIMARY_CONTAINER PGC_SUPERUSER PGC_REPLICATION_USER PGC_DATABASE PGC_APP_USER PGC_MONITORING_USER

IFS= read -r superuser_verifier || true
IFS= read -r replication_verifier || true
IFS= read -r app_verifier || true
IFS= read -r monitoring_verifier || true
for verifier in "$superuser_verifier" "$replication_verifier" "$app_verifier" "$monitoring_verifier"; do
    case "$verifier" in
        SCRAM-SHA-256\$*) ;;
        *) echo "pg-cluster: expected four SCRAM-SHA-256 verifiers on stdin" >&2; exit 2 ;;
    esac
done

# ensure_role NAME: the role exists (created with LOGIN only); its attributes are set below.
ensure_role() {
    printf '%s\n' "SELECT format('CREATE ROLE %I LOGIN', $(pgc_literal "$1"))" \
        "WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $(pgc_literal "$1")) \\gexec"
}

{
    # Local commit: with synchronous replication and no standby yet, a commit would wait.
    echo "SET synchronous_commit = local;"
    echo "ALTER ROLE \"$PGC_SUPERUSER\" PASSWORD $(pgc_literal "$superuser_verifier");"
    echo "ALTER ROLE \"$PGC_REPLICATION_USER\" PASSWORD $(pgc_literal "$replication_verifier");"
    # pg_rewind as a role that is not a superuser (PostgreSQL's documented grants).
    echo "GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean),"
    echo "    pg_catalog.pg_stat_file(text, boolean), pg_catalog.pg_read_binary_file(text),"
    echo "    pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO \"$PGC_REPLICATION_USER\";"
    # Those functions read any file of the server: the role's own sessions (pg_rewind's, Patroni's
    # rewind checks) never resolve a name through a schema another role may create in.
    echo "ALTER ROLE \"$PGC_REPLICATION_USER\" SET search_path = pg_catalog, pg_temp;"
    ensure_role "$PGC_APP_USER"
    echo "ALTER ROLE \"$PGC_APP_USER\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT"
    echo "    PASSWORD $(pgc_literal "$app_verifier");"
    if [ "$PGC_DATABASE" = postgres ]; then
        echo "ALTER DATABASE postgres OWNER TO \"$PGC_SUPERUSER\";"
        echo "GRANT USAGE, CREATE ON SCHEMA public TO \"$PGC_APP_USER\";"
    else
        echo "ALTER DATABASE \"$PGC_DATABASE\" OWNER TO \"$PGC_APP_USER\";"
    fi
    ensure_role "$PGC_MONITORING_USER"
    echo "ALTER ROLE \"$PGC_MONITORING_USER\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT"
    echo "    PASSWORD $(pgc_literal "$monitoring_verifier");"
    echo "ALTER ROLE \"$PGC_MONITORING_USER\" SET search_path = pg_catalog, pg_temp;"
    echo "GRANT pg_monitor TO \"$PGC_MONITORING_USER\";"
} | pgc_on "$(pgc_node_of "$PGC_PRIMARY_CONTAINER")" pgc_psql "$PGC_PRIMARY_CONTAINER" postgres >/dev/null
if [ "$PGC_DATABASE" = postgres ]; then
    owner="the superuser owns postgres, pg-cluster's own database; $PGC_APP_USER may create in its schema public"
else
    owner="owner of $PGC_DATABASE"
fi
echo "pg-cluster: roles $PGC_SUPERUSER, $PGC_REPLICATION_USER (and pg_rewind), $PGC_APP_USER ($owner) and $PGC_MONITORING_USER (pg_monitor) are set on $PGC_PRIMARY_CONTAINER"
