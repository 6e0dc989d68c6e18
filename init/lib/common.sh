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

# pgc_conninfo_value VALUE: a single-quoted libpq connection parameter value.
pgc_conninfo_value() {
    printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")"
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

# pgc_primary_conninfo NODE PASSWORD: the primary_conninfo of standby NODE, streaming from
# $PGC_PRIMARY_HOST:$PGC_PRIMARY_PORT as $PGC_REPLICATION_USER.
pgc_primary_conninfo() {
    printf 'host=%s port=%s user=%s password=%s application_name=%s%s' "$PGC_PRIMARY_HOST" "$PGC_PRIMARY_PORT" \
        "$PGC_REPLICATION_USER" "$(pgc_conninfo_value "$2")" "$1" "$(pgc_tls_params)"
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

# pgc_write_standby_conf PGDATA NODE PASSWORD: makes the stopped data directory PGDATA a standby
# that streams from the primary through slot NODE: standby.signal, and primary_conninfo and
# primary_slot_name in postgresql.auto.conf (replacing any earlier ones). Run as the data owner
# or as root.
pgc_write_standby_conf() {
    pgc_auto="$1/postgresql.auto.conf"
    touch "$pgc_auto"
    grep -v -E '^(primary_conninfo|primary_slot_name) *=' "$pgc_auto" >"$pgc_auto.new" || true
    printf "primary_conninfo = '%s'\nprimary_slot_name = '%s'\n" \
        "$(pgc_primary_conninfo "$2" "$3" | sed "s/'/''/g")" "$2" >>"$pgc_auto.new"
    touch "$1/standby.signal"
    if [ "$(id -u)" = 0 ]; then
        chown postgres:postgres "$pgc_auto.new" "$1/standby.signal"
    fi
    chmod 0600 "$pgc_auto.new" "$1/standby.signal"
    mv "$pgc_auto.new" "$pgc_auto"
    sync
}
