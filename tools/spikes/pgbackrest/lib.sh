# Shared names and helpers of the pgBackRest spike (issue 23). Sourced, not run.
# Everything runs on the Docker engine DOCKER_HOST names (the spike used the
# second engine, tools/docker26/) and is named spike23-*.
set -eu
HERE=${HERE:-$(CDPATH="" cd -- "$(dirname -- "$0")" && pwd -P)}

: "${DOCKER_HOST:?set DOCKER_HOST to the engine the spike may use (never the shared one)}"
export DOCKER_HOST
# The test image plus Debian's pgbackrest package (see NOTES.md, "The image").
IMAGE=${SPIKE_IMAGE:-spike23/postgres-pgbackrest:17}
PREFIX=spike23
NET=$PREFIX-net
STANZA=main
PG_UID=999

# A node's volume, the same layout as README's: conf/ (files that are not
# data: certificates, key, pg_hba.conf, postgresql settings, pgbackrest
# config) beside pgdata/ (PGDATA), plus run/ (a second Unix socket directory,
# so the node's pgbackrest TLS server in its sidecar container reaches the
# server through the shared volume).
PGDIR=/var/lib/postgresql/data
PGDATA_DIR=$PGDIR/pgdata
PGCONF=$PGDIR/conf
PGRUN=$PGDIR/run
BR_CONF_PATH=$PGCONF/pgbackrest
# The repository container: the repository on its own volume, its config,
# key, certificate and the cipher passphrase on another one (so a copy of
# the repository volume alone never carries the passphrase).
REPO=$PREFIX-repo
REPO_DIR=/var/lib/pgbackrest
REPO_CONF_DIR=/var/lib/pgbackrest-conf

log() { printf '%s %s\n' "$(date +%H:%M:%S.%N | cut -c1-12)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# Every long-running container: no capability, no privilege gain, read-only
# root, bounded in-memory /tmp (pgbackrest's lock-path /tmp/pgbackrest lives
# there). Nothing runs as root: every container runs as uid 999.
HARDENING="--cap-drop ALL --security-opt no-new-privileges --read-only --pids-limit 256
  --tmpfs /tmp:rw,noexec,nosuid,nodev,size=64m"
PG_TMPFS="--tmpfs /var/run/postgresql:rw,noexec,nosuid,nodev,size=1m,uid=$PG_UID,gid=$PG_UID,mode=0700"

# SQL as the superuser over a node's Unix socket (peer authentication).
psql_in() { c=$1; shift; docker exec -i "$c" psql -h /var/run/postgresql -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 "$@"; }
# pgbackrest on the repository host (its config directory on the conf volume).
br_repo() { docker exec "$REPO" pgbackrest --config-path="$REPO_CONF_DIR" --stanza="$STANZA" "$@"; }
# pgbackrest inside a PostgreSQL node (its config on the node's volume).
br_node() { c=$1; shift; docker exec "$c" pgbackrest --config-path="$BR_CONF_PATH" --stanza="$STANZA" "$@"; }

wait_until() { # timeout-seconds description command... (prints the seconds waited)
    _wlimit=$1 _wwhat=$2; shift 2
    _wt=$(now)
    while ! "$@" >/dev/null 2>&1; do
        [ "$(elapsed "$_wt" "$(now)" | cut -d. -f1)" -lt "$_wlimit" ] || die "timed out after $_wlimit s: $_wwhat"
        sleep 0.2
    done
    elapsed "$_wt" "$(now)"
}
pg_ready() { docker exec "$1" pg_isready -q -h /var/run/postgresql; }
streaming() { [ "$(psql_in "$1" -c "SELECT status FROM pg_stat_wal_receiver")" = streaming ]; }

# A one-off container that extracts a tar stream from stdin into a volume.
# Root with CHOWN, FOWNER and DAC_OVERRIDE only (like README's conf one-off containers): a
# new volume's top directory may be root's; the stream's entries are already
# owned by uid 999 (pack() below), and the top directory is handed over too.
fill_volume() { # volume mountpoint
    docker run --rm -i --name "$PREFIX-fill" --network none --user 0:0 $HARDENING \
        --cap-add CHOWN --cap-add FOWNER --cap-add DAC_OVERRIDE -v "$1:$2" --entrypoint sh "$IMAGE" \
        -c 'tar -x --same-owner --same-permissions -C "$1" && chmod 0700 "$1" && chown 999:999 "$1"' sh "$2"
}
# A tar stream of a local directory's content, every entry owned by uid 999.
pack() { tar -C "$1" --owner=$PG_UID --group=$PG_UID --numeric-owner -c .; }

# The PostgreSQL server of a node: the image's entrypoint as uid 999 on a
# volume that already holds a cluster (no init), settings from conf/.
run_pg() { # name volume [extra docker args...]
    name=$1 vol=$2; shift 2
    docker run -d --name "$name" --hostname "$name" --network "$NET" --user "$PG_UID:$PG_UID" \
        $HARDENING $PG_TMPFS -e PGDATA="$PGDATA_DIR" -v "$vol:$PGDIR" "$@" "$IMAGE" \
        postgres -c config_file="$PGCONF/postgresql.conf" ${PG_ARGS:-} >/dev/null
}
# The node's pgbackrest TLS server (the repository host connects to it for
# backups and for the standby's files), in a sidecar with the node's volume.
run_sidecar() { # node-name volume
    docker run -d --name "$1-br" --hostname "$1-br" --network "$NET" --user "$PG_UID:$PG_UID" \
        $HARDENING -v "$2:$PGDIR" --entrypoint pgbackrest "$IMAGE" \
        --config-path="$BR_CONF_PATH" server >/dev/null
}

# The spike's private state on the machine running it (what a Pulumi stack
# would keep in state): the CA key, the passphrase, the passwords. 0700,
# removed by down.sh.
STATE=${SPIKE_STATE:-/tmp/spike23-state}

# A key and certificate signed by the spike's CA, for server and client use:
# CN = the name (pgBackRest's tls-server-auth matches the client CN), SANs =
# every name the host is reached by.
issue_cert() { # dir cn san...
    dir=$1 cn=$2; shift 2
    sans=''; for s in "$@"; do sans="${sans:+$sans,}DNS:$s"; done
    mkdir -p "$dir"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/node.key" 2>/dev/null
    openssl req -new -key "$dir/node.key" -subj "/CN=$cn" -out "$dir/node.csr" 2>/dev/null
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n' "$sans" > "$dir/ext"
    openssl x509 -req -in "$dir/node.csr" -CA "$STATE/ca.crt" -CAkey "$STATE/ca.key" -CAcreateserial \
        -days 30 -extfile "$dir/ext" -out "$dir/node.crt" 2>/dev/null
    rm -f "$dir/node.csr" "$dir/ext"
    cp "$STATE/ca.crt" "$dir/ca.crt"
    chmod 0600 "$dir/node.key"
}
# Fills a template's @NAME@ placeholders from the shell variables of the same name.
render() { # template
    sed -e "s|@PGCONF@|$PGCONF|g" -e "s|@PGRUN@|$PGRUN|g" -e "s|@PGDATA_DIR@|$PGDATA_DIR|g" \
        -e "s|@BR_CONF_PATH@|$BR_CONF_PATH|g" -e "s|@STANZA@|$STANZA|g" -e "s|@REPO_HOST@|$REPO|g" \
        -e "s|@REPO_DIR@|$REPO_DIR|g" -e "s|@REPO_CONF_DIR@|$REPO_CONF_DIR|g" \
        -e "s|@ARCHIVE_TIMEOUT@|${ARCHIVE_TIMEOUT:-60}|g" "$1"
}
# The conf/ directory of a PostgreSQL node, as a tar stream (for fill_volume).
node_conf_tar() { # node-name
    d=$STATE/nodes/$1
    rm -rf "$d/tree"; mkdir -p "$d/tree/conf/pgbackrest" "$d/tree/run"
    cp "$d/node.key" "$d/node.crt" "$d/ca.crt" "$d/tree/conf/"
    render "$HERE/postgresql.conf.template" > "$d/tree/conf/postgresql.conf"
    render "$HERE/pg_hba.conf.template" > "$d/tree/conf/pg_hba.conf"
    : > "$d/tree/conf/pg_ident.conf"
    render "$HERE/pgbackrest-db.conf.template" > "$d/tree/conf/pgbackrest/pgbackrest.conf"
    if [ "${S3:-0}" = 1 ]; then
        # repo2 is the repository host's repo2 (the S3 store) reached through the
        # same TLS server: WAL goes to both repositories, and the S3 keys stay on
        # the repository host.
        sed -n 's/^repo1-host/repo2-host/p' "$d/tree/conf/pgbackrest/pgbackrest.conf" > "$d/repo2"
        awk -v f="$d/repo2" '{ print } /^repo1-host-config-path=/ { while ((getline l < f) > 0) print l }' \
            "$d/tree/conf/pgbackrest/pgbackrest.conf" > "$d/conf.new"
        mv "$d/conf.new" "$d/tree/conf/pgbackrest/pgbackrest.conf"; rm -f "$d/repo2"
    fi
    # libpq password file for the replication role (0600, as libpq demands).
    printf '*:*:replication:replicator:%s\n' "$(cat "$STATE/replication.pw")" > "$d/tree/conf/pgpass"
    chmod -R go-rwx "$d/tree"
    pack "$d/tree"
    rm -rf "$d/tree"
}

# Nodes whose certificates the repository host accepts (archive-push,
# archive-get, restore): the source cluster and the restore target's nodes.
CLIENT_NODES="$PREFIX-pg0 $PREFIX-pg1 $PREFIX-rpg0 $PREFIX-rpg1"
# Nodes the repository host backs up from (pgN-host), in this order.
PG_HOSTS=${PG_HOSTS:-"$PREFIX-pg0 $PREFIX-pg1"}

# The repository host's conf volume content as a tar stream. With S3=1 it
# adds repo2 (the S3-compatible store; see s3.sh).
repo_conf_tar() {
    d=$STATE/repo
    rm -rf "$d/tree"; mkdir -p "$d/tree/conf.d" "$d/tree/log"
    cp "$d/node.key" "$d/node.crt" "$d/ca.crt" "$d/tree/"
    auth=''; for c in $CLIENT_NODES; do auth="${auth}tls-server-auth=$c=$STANZA\n"; done
    hosts=''; i=1
    for h in $PG_HOSTS; do
        hosts="${hosts}pg$i-host=$h-br\npg$i-host-type=tls\npg$i-host-ca-file=$REPO_CONF_DIR/ca.crt\n"
        hosts="${hosts}pg$i-host-cert-file=$REPO_CONF_DIR/node.crt\npg$i-host-key-file=$REPO_CONF_DIR/node.key\n"
        hosts="${hosts}pg$i-host-config-path=$BR_CONF_PATH\npg$i-path=$PGDATA_DIR\npg$i-socket-path=$PGRUN\n"
        i=$((i + 1))
    done
    repo2=''
    if [ "${S3:-0}" = 1 ]; then
        cp "$STATE/ca.crt" "$d/tree/s3-ca.crt"
        repo2="repo2-type=s3\nrepo2-path=/$STANZA-repo\nrepo2-s3-bucket=$S3_BUCKET\nrepo2-s3-endpoint=$PREFIX-s3\n"
        repo2="${repo2}repo2-storage-port=$S3_PORT\nrepo2-s3-region=us-east-1\nrepo2-s3-uri-style=path\n"
        repo2="${repo2}repo2-storage-ca-file=$REPO_CONF_DIR/s3-ca.crt\nrepo2-cipher-type=aes-256-cbc\nrepo2-retention-full=1\n"
    fi
    render "$HERE/pgbackrest-repo.conf.template" | awk -v auth="$auth" -v hosts="$hosts" -v repo2="$repo2" '
        { gsub(/\\n/, "\n", auth) }
        /^@TLS_SERVER_AUTH@$/ { printf "%s", auth; next }
        /^@PG_HOSTS@$/ { printf "%s", hosts; next }
        /^@REPO2@$/ { printf "%s", repo2; next }
        { print }' | sed 's/\\n/\n/g' > "$d/tree/pgbackrest.conf"
    # The secrets file: placeholders replaced by the shell's builtins (read,
    # printf), so no secret is ever in a process's argv or environment.
    while IFS= read -r line; do
        case $line in
            *@REPO1_CIPHER_PASS@*) printf 'repo1-cipher-pass=%s\n' "$(cat "$STATE/repo1.pass")" ;;
            @REPO2_SECRETS@) [ "${S3:-0}" != 1 ] || {
                printf 'repo2-s3-key=%s\n' "$(cat "$STATE/s3.access")"
                printf 'repo2-s3-key-secret=%s\n' "$(cat "$STATE/s3.secret")"
                printf 'repo2-cipher-pass=%s\n' "$(cat "$STATE/repo2.pass")"; } ;;
            *) printf '%s\n' "$line" ;;
        esac
    done < "$HERE/pgbackrest-secrets.conf.template" > "$d/tree/conf.d/secrets.conf"
    chmod -R go-rwx "$d/tree"
    pack "$d/tree"
    rm -rf "$d/tree"
}
# The repository container: `pgbackrest server` as uid 999, repository volume
# and conf volume.
run_repo() {
    docker run -d --name "$REPO" --hostname "$REPO" --network "$NET" --user "$PG_UID:$PG_UID" $HARDENING \
        -v "$PREFIX-repo:$REPO_DIR" -v "$PREFIX-repo-conf:$REPO_CONF_DIR" --entrypoint pgbackrest "$IMAGE" \
        --config-path="$REPO_CONF_DIR" server >/dev/null
}

# Seeds an empty node volume as a standby of $3 with pg_basebackup over TLS
# (verify-full) through slot $4, in a one-off container as uid 999; the
# password comes from conf/pgpass (passfile=), never from an argv.
seed_standby() { # node-name volume primary-name slot
    docker run --rm --name "$PREFIX-seed" --network "$NET" --user "$PG_UID:$PG_UID" $HARDENING \
        -v "$2:$PGDIR" --entrypoint sh "$IMAGE" -c '
set -eu
conninfo="host=$1 user=replicator passfile=$2/pgpass sslmode=verify-full sslrootcert=$2/ca.crt application_name=$3"
pg_basebackup -d "$conninfo" -D "$4.partial" -S "$3" -X stream --checkpoint=fast
touch "$4.partial/standby.signal"
printf "primary_conninfo = '\''%s'\''\nprimary_slot_name = '\''%s'\''\n" "$conninfo" "$3" >> "$4.partial/postgresql.auto.conf"
mv "$4.partial" "$4"' sh "$3" "$PGCONF" "$4" "$PGDATA_DIR"
}

# pgbackrest restore into a node's volume (conf/ already there), in a one-off
# container as uid 999 on the network (it reaches the repository host with the
# node's certificate). Extra arguments go to `pgbackrest restore`.
restore_into() { # volume restore-args...
    vol=$1; shift
    docker run --rm --name "$PREFIX-restore" --network "$NET" --user "$PG_UID:$PG_UID" $HARDENING \
        -v "$vol:$PGDIR" --entrypoint sh "$IMAGE" -c 'mkdir -p -m 0700 "$1" && shift &&
exec pgbackrest --config-path="$0" --stanza=main --log-level-console=info restore "$@"' \
        "$BR_CONF_PATH" "$PGDATA_DIR" "$@"
}
in_recovery() { psql_in "$1" -c "SELECT pg_is_in_recovery()"; }
promoted() { pg_ready "$1" && [ "$(in_recovery "$1")" = f ]; }
