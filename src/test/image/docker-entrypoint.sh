#!/usr/bin/env bash
# Entrypoint of the pg-cluster test image (src/test/image/build.sh).
#
# Our own implementation of the documented behaviour of the official Docker
# "postgres" image for majors up to 17: POSTGRES_PASSWORD / POSTGRES_USER /
# POSTGRES_DB / POSTGRES_INITDB_ARGS / POSTGRES_INITDB_WALDIR /
# POSTGRES_HOST_AUTH_METHOD (+ *_FILE variants), first-start initialisation
# of an empty $PGDATA with /docker-entrypoint-initdb.d scripts run against a
# socket-only temporary server, then the real server in the foreground.
set -Eeo pipefail

readonly SELF=${BASH_SOURCE[0]}
readonly INITDB_DIR=/docker-entrypoint-initdb.d
PHASE=setup          # setup | init | started
TEMP_SERVER_UP=''

note() { printf '%s: %s\n' "${SELF##*/}" "$*"; }
warn() { printf '%s: warning: %s\n' "${SELF##*/}" "$*" >&2; }
die()  { printf '%s: error: %s\n' "${SELF##*/}" "$*" >&2; exit 1; }

on_err() {
    printf '%s: error: command on line %s failed with exit status %s\n' "${SELF##*/}" "$1" "$2" >&2
}
on_exit() {
    local status=$1
    [[ $status -ne 0 ]] || return 0
    if [[ -n $TEMP_SERVER_UP ]]; then
        pg_ctl -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [[ $PHASE == init ]]; then
        printf '%s: error: database initialisation FAILED (exit status %s).\n' "${SELF##*/}" "$status" >&2
        printf '%s: %s may now hold a partly initialised cluster; empty it before starting again.\n' \
            "${SELF##*/}" "$PGDATA" >&2
    fi
}
trap 'on_err "$LINENO" "$?"' ERR
trap 'on_exit "$?"' EXIT
# While this script is PID 1 (setup and init), stop on docker stop / Ctrl-C
# once the current command returns; exec "$@" resets these for the server.
trap 'exit 130' INT
trap 'exit 143' TERM

# load_env NAME [DEFAULT]: NAME comes from $NAME or from the file named by
# $NAME_FILE (both at once is an error); the result is exported as NAME and
# NAME_FILE is removed from the environment.
load_env() {
    local name=$1 default=${2-} file_var="${1}_FILE"
    local value=${!name-} file=${!file_var-}
    if [[ -n $value && -n $file ]]; then
        die "both $name and $file_var are set; they are mutually exclusive"
    fi
    if [[ -n $file ]]; then
        [[ -r $file ]] || die "$file_var points to '$file', which does not exist or is not readable"
        value=$(<"$file")
    fi
    [[ -n $value ]] || value=$default
    export "$name=$value"
    unset "$file_var"
}

# True when the server arguments only ask for help/version output.
wants_info_only() {
    local arg
    for arg; do
        case $arg in
            '-?' | --help | --describe-config | -V | --version) return 0 ;;
        esac
    done
    return 1
}

# split_args ARRAY STRING WHAT: split STRING into words the way xargs does
# (whitespace, with '…', "…" and backslash quoting; nothing is executed) and
# store them in the caller's array ARRAY. WHAT names STRING in error messages.
# shellcheck disable=SC2034  # "out" is a nameref to the caller's array
split_args() {
    local -n out=$1
    out=()
    [[ -n ${2//[[:space:]]/} ]] || return 0
    mapfile -d '' -t out < <(xargs -r printf '%s\0' <<<"$2")
    wait "$!" || die "cannot split $3 into arguments (unbalanced quotes?)"
}

# Directory ownership/permissions fix-up; as root it also hands the
# directories to the postgres user.
prepare_dirs() {
    local mode
    mkdir -p "$PGDATA" || die "cannot create PGDATA $PGDATA"
    if [[ $(id -u) -eq 0 ]]; then
        find "$PGDATA" ! -user postgres -exec chown postgres:postgres {} +
    fi
    mode=$(stat -c %a "$PGDATA")
    # PostgreSQL accepts 0700, or 0750 (group access); anything else -> 0700.
    if [[ $mode != 700 && $mode != 750 ]]; then
        chmod 0700 "$PGDATA" || warn "cannot chmod 0700 $PGDATA (mode is $mode)"
    fi
    mkdir -p /var/run/postgresql 2>/dev/null || true
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres:postgres /var/run/postgresql
        chmod 3777 /var/run/postgresql
    fi
    if [[ -n ${POSTGRES_INITDB_WALDIR-} ]]; then
        mkdir -p "$POSTGRES_INITDB_WALDIR"
        if [[ $(id -u) -eq 0 ]]; then
            find "$POSTGRES_INITDB_WALDIR" ! -user postgres -exec chown postgres:postgres {} +
        fi
        chmod 0700 "$POSTGRES_INITDB_WALDIR" 2>/dev/null || true
    fi
}

# psql against the temporary server over the Unix socket.
sql() {
    (
        unset PGHOST PGHOSTADDR
        exec psql -X -v ON_ERROR_STOP=1 --no-password --username "$POSTGRES_USER" "$@"
    )
}

check_init_env() {
    getent passwd "$(id -u)" >/dev/null ||
        die "uid $(id -u) has no passwd entry; initdb needs one (run as root or as user postgres)"
    if [[ -z $POSTGRES_PASSWORD && $POSTGRES_HOST_AUTH_METHOD != trust ]]; then
        cat >&2 <<'EOF'
docker-entrypoint.sh: error: the database is uninitialised and no superuser password is set.
  Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to a non-empty value, for example
    docker run -e POSTGRES_PASSWORD=... IMAGE
  or, to allow every connection without a password (NOT recommended), set
    POSTGRES_HOST_AUTH_METHOD=trust
EOF
        exit 1
    fi
    if [[ $POSTGRES_HOST_AUTH_METHOD == trust ]]; then
        warn "POSTGRES_HOST_AUTH_METHOD=trust: every host may connect as any role WITHOUT a password"
    fi
}

run_init_files() {
    local -a files=()
    local f
    # Sorted in byte order, whatever the locale.
    shopt -s nullglob
    files=("$INITDB_DIR"/*)
    shopt -u nullglob
    if ((${#files[@]})); then
        mapfile -d '' -t files < <(printf '%s\0' "${files[@]}" | LC_ALL=C sort -z)
    fi

    for f in "${files[@]}"; do
        case $f in
            *.sh)
                if [[ -x $f ]]; then
                    note "running $f"
                    "$f"
                else
                    note "sourcing $f"
                    # shellcheck disable=SC1090
                    . "$f"
                fi
                ;;
            *.sql)
                note "running $f"
                sql --dbname "$POSTGRES_DB" -f "$f"
                ;;
            *.sql.gz)
                note "running $f"
                gunzip -c "$f" | sql --dbname "$POSTGRES_DB"
                ;;
            *.sql.xz)
                command -v xz >/dev/null || die "$f: xz is not installed in this image"
                note "running $f"
                xz -dc "$f" | sql --dbname "$POSTGRES_DB"
                ;;
            *.sql.zst)
                command -v zstd >/dev/null || die "$f: zstd is not installed in this image"
                note "running $f"
                zstd -dc "$f" | sql --dbname "$POSTGRES_DB"
                ;;
            *)
                note "ignoring $f (not *.sh, *.sql or *.sql.gz)"
                ;;
        esac
    done
}

# init_cluster SERVER_ARGS...: first start on an empty PGDATA.
init_cluster() {
    local -a initdb_args=() server_args=("$@")
    local method exists

    check_init_env

    split_args initdb_args "$POSTGRES_INITDB_ARGS" POSTGRES_INITDB_ARGS
    if [[ -n ${POSTGRES_INITDB_WALDIR-} ]]; then
        initdb_args=(--waldir "$POSTGRES_INITDB_WALDIR" "${initdb_args[@]}")
    fi

    # From here on a failure leaves a half-made cluster behind.
    PHASE=init
    note "initialising a new cluster in $PGDATA"
    # The password reaches initdb through a pipe, never on a command line.
    initdb --username="$POSTGRES_USER" \
        --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
        "${initdb_args[@]}"

    # Remote access rule; the default follows the server's password_encryption
    # (scram-sha-256 unless changed, e.g. by -c password_encryption=md5).
    method=${POSTGRES_HOST_AUTH_METHOD-}
    if [[ -z $method ]]; then
        method=$(postgres -C password_encryption "${server_args[@]}")
    fi
    printf '\n# added by docker-entrypoint.sh\nhost all all all %s\n' "$method" >>"$PGDATA/pg_hba.conf"

    # Temporary server: Unix socket only, plus the container's own server args.
    note "starting a temporary server (Unix socket only)"
    TEMP_SERVER_UP=1
    pg_ctl -D "$PGDATA" -w start \
        -o "$(printf '%q ' -c listen_addresses= "${server_args[@]}")"

    # Needed when POSTGRES_INITDB_ARGS asks for password auth on the socket.
    export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"

    if [[ $POSTGRES_DB != postgres ]]; then
        exists=$(sql --dbname postgres -At --set db="$POSTGRES_DB" \
            <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")
        if [[ -z $exists ]]; then
            note "creating database $POSTGRES_DB"
            sql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
        fi
    fi

    run_init_files

    note "stopping the temporary server"
    pg_ctl -D "$PGDATA" -m fast -w stop
    TEMP_SERVER_UP=''
    unset PGPASSWORD
    PHASE=started
    note "PostgreSQL init process complete; ready for start up."
}

main() {
    if [[ ${1-} == -* ]]; then
        set -- postgres "$@"
    fi
    # Anything but the server itself (or a server help/version query) is run
    # as-is, as whatever user the container runs as.
    if [[ ${1-} != postgres ]] || wants_info_only "$@"; then
        exec "$@"
    fi

    export PGDATA=${PGDATA:-/var/lib/postgresql/data}
    load_env POSTGRES_PASSWORD
    load_env POSTGRES_USER postgres
    load_env POSTGRES_DB "$POSTGRES_USER"
    load_env POSTGRES_INITDB_ARGS
    export POSTGRES_HOST_AUTH_METHOD=${POSTGRES_HOST_AUTH_METHOD-}

    prepare_dirs

    if [[ $(id -u) -eq 0 ]]; then
        # Same script, same arguments, as the postgres user (pid unchanged).
        HOME=$(getent passwd postgres | cut -d: -f6)
        export HOME
        exec setpriv --reuid=postgres --regid=postgres --init-groups "$SELF" "$@"
    fi

    if [[ -s $PGDATA/PG_VERSION ]]; then
        note "$PGDATA already contains a cluster (PostgreSQL $(<"$PGDATA/PG_VERSION")); skipping initialisation"
    else
        init_cluster "${@:2}"
    fi

    unset POSTGRES_PASSWORD PGPASSWORD
    trap - ERR EXIT
    exec "$@"
}

main "$@"
