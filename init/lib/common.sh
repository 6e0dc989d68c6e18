# pg-cluster shell library (init/lib/common.sh). The program puts it in front of every step script
# and every script it runs inside a one-off container, so each script is self-contained.

# pgc_require VAR…: every named variable is set and not empty (exit status 2 otherwise).
pgc_require() {
    for pgc_var; do
        eval "pgc_value=\${$pgc_var:-}"
        if [ -z "$pgc_value" ]; then
            echo "pg-cluster: $pgc_var is not set" >&2
            exit 2
        fi
    done
}

# pgc_literal VALUE: a SQL string literal (quotes doubled; standard_conforming_strings is on).
pgc_literal() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"
}

# Every session pg-cluster opens on a server as its superuser pins search_path, so that no object a
# client role made (a schema of its own, a better-matching overload of a built-in in public, a
# search_path it set on a database it owns) can stand in for a built-in and run as the superuser.
# Startup options win over database and role settings. ServerSettings.SAFE_SESSION_OPTIONS in the
# program says the same (a test holds the two together).
PGC_SAFE_SESSION_OPTIONS='-c search_path=pg_catalog,pg_temp'

# Options of every one-off container the steps run: no capability but those the step adds back
# itself, nothing gained through set-user-ID programs, a bounded number of processes, and a
# read-only root with /tmp in memory, so that what a step writes there (a CA key, a certificate
# request) never reaches a disk. Used unquoted: a list of options.
PGC_ONE_OFF_HARDENING='--cap-drop ALL --security-opt no-new-privileges --pids-limit 256 --read-only --tmpfs /tmp:rw,nosuid,nodev,mode=1777'

# pgc_psql CONTAINER DATABASE [PSQL OPTION…]: psql over CONTAINER's Unix socket as the postgres OS
# user (peer authentication: no password), hardened as above, stopping at the first error. The one
# way the steps open a session on a node; SQL comes on stdin or with -c.
pgc_psql() {
    pgc_container=$1 pgc_database=$2
    shift 2
    docker exec -i -u postgres -e "PGOPTIONS=$PGC_SAFE_SESSION_OPTIONS" "$pgc_container" \
        psql -X -q -v ON_ERROR_STOP=1 -d "$pgc_database" "$@"
}

# Each node's files that are not data (pg_hba.conf, its TLS key and certificate, the cluster's
# CA certificates) live on its volume beside the data directory, so base backups never copy them
# (PostgresNode.CONF_DIR in the program).
PGC_CONF_DIR=/var/lib/postgresql/data/conf

# pgc_tls_params: with PGC_TLS=on, the libpq parameters every connection between nodes carries:
# TLS, and the server's certificate checked against the cluster's CA for the host name it was
# reached by. Empty otherwise.
pgc_tls_params() {
    if [ "${PGC_TLS:-off}" = on ]; then
        printf ' sslmode=verify-full sslrootcert=%s/ca.crt' "$PGC_CONF_DIR"
    fi
}

# The replication role's password file on each node's volume (libpq's passfile format; mode 0600,
# owner postgres), written by the node's conf step. Standbys, base backups and pg_rewind read the
# password from it, so it is in no setting (primary_conninfo is readable by pg_read_all_settings
# and logged on every change), no argv and no environment (PostgresNode.REPLICATION_PASSFILE).
PGC_REPLICATION_PASSFILE=$PGC_CONF_DIR/replication.pgpass

# Left on a node's volume, beside the data directory, while pg_rewind runs on it: a rewind that
# was interrupted or failed may have left the data half-copied. Such a node is never rewound again
# nor started as a server that counts (its health check fails): it is seeded afresh
# (PostgresNode.REWIND_MARKER in the program).
PGC_REWIND_MARKER=/var/lib/postgresql/data/pg-cluster-rewind.in-progress

# Beside the data directory of an old primary that a switchover or a failover fenced before it
# promoted another node: with it comes standby.signal, so a `docker start` brings the node back
# read-only, never as a second writable primary. Its rejoin (pg_rewind) takes both away
# (PostgresNode.FENCE_MARKER in the program).
PGC_FENCE_MARKER=/var/lib/postgresql/data/pg-cluster-fenced

# The role pg-cluster gave the node, "primary" or "standby", in a file beside its data directory:
# written when a node is initialized, seeded, promoted, fenced or rejoins. A node that accepts
# writes while it says "standby" was promoted outside pg-cluster, and its health check fails
# (PostgresNode.ROLE_FILE in the program). A volume without it (made before it existed) is not
# checked until the primary step writes it.
PGC_ROLE_FILE=/var/lib/postgresql/data/pg-cluster-role

# pgc_set_role primary|standby: writes PGC_ROLE_FILE (atomically; readable by the health check).
pgc_set_role() {
    printf '%s\n' "$1" >"$PGC_ROLE_FILE.new"
    if [ "$(id -u)" = 0 ]; then
        chown postgres:postgres "$PGC_ROLE_FILE.new"
    fi
    chmod 0644 "$PGC_ROLE_FILE.new"
    mv -f "$PGC_ROLE_FILE.new" "$PGC_ROLE_FILE"
    sync
}

# pgc_pgpass_line USER PASSWORD: a line of a libpq password file that gives USER's PASSWORD for any
# host, port and database (\ and : escaped with a backslash).
pgc_pgpass_line() {
    printf '*:*:*:%s:%s\n' "$1" "$(printf '%s' "$2" | sed -e 's/\\/\\\\/g' -e 's/:/\\:/g')"
}

# pgc_primary_conninfo NODE: the primary_conninfo of standby NODE, streaming from
# $PGC_PRIMARY_HOST:$PGC_PRIMARY_PORT as $PGC_REPLICATION_USER, its password read from the
# replication password file.
pgc_primary_conninfo() {
    printf 'host=%s port=%s user=%s passfile=%s application_name=%s%s' "$PGC_PRIMARY_HOST" "$PGC_PRIMARY_PORT" \
        "$PGC_REPLICATION_USER" "$PGC_REPLICATION_PASSFILE" "$1" "$(pgc_tls_params)"
}

# pgc_move_into_place PARTIAL TARGET: renames a complete data directory built at PARTIAL to
# TARGET (an empty directory there is replaced), synced before and after, so the volume never
# holds a half-written data directory under the name the server uses.
pgc_move_into_place() {
    sync
    if [ -d "$2" ]; then
        rmdir "$2"
    fi
    mv "$1" "$2"
    sync
}

# pgc_write_standby_conf PGDATA NODE: makes the stopped data directory PGDATA a standby
# that streams from the primary through slot NODE: standby.signal, and primary_conninfo and
# primary_slot_name in postgresql.auto.conf (replacing any earlier ones). Run as the data owner
# or as root.
pgc_write_standby_conf() {
    pgc_auto="$1/postgresql.auto.conf"
    touch "$pgc_auto"
    grep -v -E '^(primary_conninfo|primary_slot_name) *=' "$pgc_auto" >"$pgc_auto.new" || true
    printf "primary_conninfo = '%s'\nprimary_slot_name = '%s'\n" \
        "$(pgc_primary_conninfo "$2" | sed "s/'/''/g")" "$2" >>"$pgc_auto.new"
    touch "$1/standby.signal"
    if [ "$(id -u)" = 0 ]; then
        chown postgres:postgres "$pgc_auto.new" "$1/standby.signal"
    fi
    chmod 0600 "$pgc_auto.new" "$1/standby.signal"
    mv "$pgc_auto.new" "$pgc_auto"
    sync
    pgc_set_role standby
}
