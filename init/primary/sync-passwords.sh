#!/bin/sh
# pg-cluster step "passwords": makes the primary's roles what the stack says, with the passwords
# Pulumi holds (from secret config, or generated and kept in state):
#   - the superuser and the replication role: their passwords;
#   - the application role: LOGIN, and nothing else (no SUPERUSER, CREATEDB, CREATEROLE,
#     REPLICATION or BYPASSRLS), owner of the application database; the exported connection
#     strings log in as it;
#   - the monitoring role: LOGIN and member of pg_monitor, nothing else.
# Roles that do not exist yet are created; attributes someone changed by hand are set back.
#
# Initialization sets passwords only on an empty data directory; a primary started on data that
# already exists (a volume retained across `pulumi destroy`, then `pulumi up` with newly generated
# passwords) would otherwise keep old ones the stack's outputs no longer know. Runs after the
# primary step, and again whenever a password or a role name changes. A changed password takes
# effect for new logins at once: no restart, no new base backup.
#
# Reaches the server over its Unix socket as the postgres OS user (peer authentication). The
# passwords arrive on stdin, one per line (superuser, replication, application, monitoring), and
# go to psql on its stdin: never in an argv.
#   PGC_PRIMARY_CONTAINER  the primary's container name
#   PGC_SUPERUSER          the superuser role
#   PGC_REPLICATION_USER   the replication role
#   PGC_DATABASE           the application database
#   PGC_APP_USER           the application role
#   PGC_MONITORING_USER    the monitoring role
set -eu

pgc_require PGC_PRIMARY_CONTAINER PGC_SUPERUSER PGC_REPLICATION_USER PGC_DATABASE PGC_APP_USER PGC_MONITORING_USER

IFS= read -r superuser_password || true
IFS= read -r replication_password || true
IFS= read -r app_password || true
IFS= read -r monitoring_password || true
if [ -z "$superuser_password" ] || [ -z "$replication_password" ] || [ -z "$app_password" ] \
    || [ -z "$monitoring_password" ]; then
    echo "pg-cluster: expected four passwords on stdin" >&2
    exit 2
fi

# ensure_role NAME: the role exists (created with LOGIN only); its attributes are set below.
ensure_role() {
    printf '%s\n' "SELECT format('CREATE ROLE %I LOGIN', $(pgc_literal "$1"))" \
        "WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $(pgc_literal "$1")) \\gexec"
}

{
    # Local commit: with synchronous replication and no standby yet, a commit would wait.
    echo "SET synchronous_commit = local;"
    echo "ALTER ROLE \"$PGC_SUPERUSER\" PASSWORD $(pgc_literal "$superuser_password");"
    echo "ALTER ROLE \"$PGC_REPLICATION_USER\" PASSWORD $(pgc_literal "$replication_password");"
    ensure_role "$PGC_APP_USER"
    echo "ALTER ROLE \"$PGC_APP_USER\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT"
    echo "    PASSWORD $(pgc_literal "$app_password");"
    echo "ALTER DATABASE \"$PGC_DATABASE\" OWNER TO \"$PGC_APP_USER\";"
    ensure_role "$PGC_MONITORING_USER"
    echo "ALTER ROLE \"$PGC_MONITORING_USER\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT"
    echo "    PASSWORD $(pgc_literal "$monitoring_password");"
    echo "GRANT pg_monitor TO \"$PGC_MONITORING_USER\";"
} | docker exec -i -u postgres "$PGC_PRIMARY_CONTAINER" psql -X -q -v ON_ERROR_STOP=1 -d postgres >/dev/null
echo "pg-cluster: roles $PGC_SUPERUSER, $PGC_REPLICATION_USER, $PGC_APP_USER (owner of $PGC_DATABASE) and $PGC_MONITORING_USER (pg_monitor) are set on $PGC_PRIMARY_CONTAINER"
