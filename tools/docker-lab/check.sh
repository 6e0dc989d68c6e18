#!/bin/sh
# Proves what the lab is for (issue 22 spike), on a lab brought up by up.sh:
#
#   net      a container on h1 publishes 5432 on h1's lab address; a container on h2 and the
#            host reach it over TCP; the listener sees which address each came from; the root
#            namespace's firewall holds no lab rule
#   pg       PostgreSQL 17 streaming replication across hosts: primary on h1 (port published on
#            h1's address), standby on h2 seeded by pg_basebackup over TLS (verify-full against a
#            certificate whose SAN is h1's lab IP), hostssl rules for the peers' addresses only
#   hostdown what the docker CLI says about an unreachable host: engine stopped, then cable cut
#            (h3; restarts h3's engine and plugs the cable back in afterwards)
#
#   tls      what h1's endpoint answers to a client without TLS, without a client certificate,
#            with another CA, without server verification, under a name its certificate lacks
#   swarm    (only when asked) h1 and h2 in a swarm, an attachable overlay between them, h3 outside
#
# Usage: sh check.sh [net|pg|tls|hostdown|swarm]...   (no argument: net pg tls hostdown)
set -eu
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$here/lib.sh"

IMAGE=${LAB22_IMAGE:-pg-cluster-test/postgres:17}
PG_PORT=5432
PG_UID=999
PG_STAGE=$LAB_RUN/pg     # per-node config handed to the containers (certificates, secrets, hba)
PG_CONF=/etc/lab22-pg    # where it lands inside the containers

# ---------------------------------------------------------------------------------------------
check_net() {
    h1=$(host_address h1)
    lab_docker h1 rm -f "$LAB-listener" >/dev/null 2>&1 || true
    # Answers every connection with one line and prints the peer's address (perl-base is in the image).
    lab_docker h1 run -d --name "$LAB-listener" -p "$h1:$PG_PORT:$PG_PORT" --entrypoint perl "$IMAGE" \
        -MIO::Socket::INET -e '$| = 1; my $s = IO::Socket::INET->new(LocalPort => shift, Listen => 5, ReuseAddr => 1) or die $!;
            while (my $c = $s->accept) { print $c->peerhost, "\n"; print $c "hello from h1\n"; close $c }' "$PG_PORT" >/dev/null
    sleep 0.5
    log "net: from a container on h2 to $h1:$PG_PORT:"
    lab_docker h2 run --rm --entrypoint bash "$IMAGE" -c \
        "exec 3<>/dev/tcp/$h1/$PG_PORT && head -n 1 <&3" >&2
    log "net: from the host to $h1:$PG_PORT:"
    bash -c "exec 3<>/dev/tcp/$h1/$PG_PORT && head -n 1 <&3" >&2
    log "net: peers the listener saw (h2's containers leave h2 masqueraded as h2's lab address):"
    lab_docker h1 logs "$LAB-listener" >&2
    log "net: h2 container -> h1's address on a port nobody publishes (expect refused):"
    lab_docker h2 run --rm --entrypoint bash "$IMAGE" -c \
        "exec 3<>/dev/tcp/$h1/5999" >&2 2>&1 || true
    # The lab's engines manage iptables only inside their own namespaces.
    if iptables-save | grep -e "$LAB_SUBNET_PREFIX\." -e "$LAB" >/dev/null; then
        die "net: the root namespace's firewall mentions the lab"
    fi
    log "net: root namespace firewall: no rule mentions $LAB_SUBNET_PREFIX.0/24 or $LAB; h1's own nat table:"
    nsenter --net="/run/netns/$(host_ns h1)" iptables -t nat -S DOCKER >&2
    lab_docker h1 rm -f "$LAB-listener" >/dev/null
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL certificates: a CA of their own (not the Docker endpoints' CA); each server's
# certificate names its host's lab IP address, which is what clients dial.
pg_pki() {
    pki=$PG_STAGE/pki
    [ -f "$pki/ca.crt" ] && return 0
    mkdir -p "$pki"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/ca.key" 2>/dev/null
    openssl req -x509 -new -key "$pki/ca.key" -subj "/CN=$LAB postgres CA" -days 1 -sha256 \
        -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign -out "$pki/ca.crt"
    for h in h1 h2; do
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/$h.key" 2>/dev/null
        openssl req -new -key "$pki/$h.key" -subj "/CN=$LAB-pg-$h" -out "$pki/$h.csr"
        printf 'basicConstraints=CA:false\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:%s\n' \
            "$(host_address "$h")" > "$pki/$h.ext"
        openssl x509 -req -in "$pki/$h.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
            -days 1 -sha256 -extfile "$pki/$h.ext" -out "$pki/$h.crt" 2>/dev/null
        rm -f "$pki/$h.csr" "$pki/$h.ext"
    done
    openssl rand -hex 16 > "$PG_STAGE/superuser-password"
    openssl rand -hex 16 > "$PG_STAGE/replication-password"
    chmod 0600 "$PG_STAGE/superuser-password" "$PG_STAGE/replication-password"
}

# Stage the config directory of node $1 (h1|h2) as $PG_STAGE/$1/lab22-pg.
pg_stage() {
    h=$1 dir=$PG_STAGE/$1/lab22-pg
    rm -rf "${PG_STAGE:?}/$h"
    mkdir -p "$dir"
    cp "$PG_STAGE/pki/ca.crt" "$dir/ca.crt"
    cp "$PG_STAGE/pki/$h.crt" "$dir/server.crt"
    cp "$PG_STAGE/pki/$h.key" "$dir/server.key"
    cp "$PG_STAGE/superuser-password" "$dir/superuser-password"
    # Replication from the peers' host addresses only (what the standbys' traffic looks like after
    # their engines masquerade it), the superuser only from the machine that runs pulumi, only
    # over TLS; everything else is refused.
    {
        echo 'local   all          all                         peer'
        # "all" does not match replication connections (pg_hba.conf docs): both lines are needed.
        echo 'hostnossl all        all          all            reject'
        echo 'hostnossl replication all         all            reject'
        for peer in $LAB_HOSTS; do
            [ "$peer" = "$h" ] && continue
            echo "hostssl replication  replicator   $(host_address "$peer")/32  scram-sha-256"
        done
        echo "hostssl all          postgres     $LAB_HOST_ADDRESS/32   scram-sha-256"
        echo 'host    all          all          all            reject'
    } > "$dir/pg_hba.conf"
    # Standbys read the replication password from a passfile, never from argv or the environment.
    printf '%s:%s:replication:replicator:%s\n' "$(host_address h1)" "$PG_PORT" \
        "$(cat "$PG_STAGE/replication-password")" > "$dir/pgpass"
    cp "$PG_STAGE/replication-password" "$dir/replication-password"
    chmod 0600 "$dir"/*.key "$dir"/server.key "$dir/pgpass" "$dir"/*-password 2>/dev/null || true
}

# Copy the staged directory of node $2 into container $3 on engine $1 as $PG_CONF, owned by postgres.
pg_upload() {
    tar -C "$PG_STAGE/$2" --owner="$PG_UID" --group="$PG_UID" --numeric-owner -cf - lab22-pg |
        lab_docker "$1" cp -a - "$3:/etc"
}

pg_server_args() {
    printf '%s\n' postgres -c listen_addresses=* -c ssl=on -c ssl_min_protocol_version=TLSv1.3 \
        -c "ssl_cert_file=$PG_CONF/server.crt" -c "ssl_key_file=$PG_CONF/server.key" \
        -c "hba_file=$PG_CONF/pg_hba.conf" -c wal_level=replica
}

psql_on() { _h=$1 _c=$2; shift 2; lab_docker "$_h" exec --user postgres "$_c" psql -X -q -U postgres -At "$@"; }

wait_ready() {
    _h=$1 _c=$2 deadline=$(( $(date +%s) + 120 ))
    # TCP, not the socket: the entrypoint's temporary init server listens on the socket only.
    until lab_docker "$_h" exec "$_c" pg_isready -q -h 127.0.0.1 2>/dev/null; do
        [ "$(date +%s)" -lt "$deadline" ] || { lab_docker "$_h" logs --tail 30 "$_c" >&2; die "$_c on $_h not ready"; }
        sleep 0.5
    done
}

check_pg() {
    h1=$(host_address h1)
    primary=$LAB-pg1 standby=$LAB-pg2
    for c in "h1 $primary" "h2 $standby" "h2 $LAB-pg2-basebackup" "h3 $LAB-outsider"; do
        # shellcheck disable=SC2086  # "engine container", split on purpose
        set -- $c
        lab_docker "$1" rm -f -v "$2" >/dev/null 2>&1 || true
    done
    lab_docker h1 volume rm "$primary" >/dev/null 2>&1 || true
    lab_docker h2 volume rm "$standby" >/dev/null 2>&1 || true
    rm -rf "$PG_STAGE"
    pg_pki
    pg_stage h1
    pg_stage h2
    t0=$(now)

    # --- primary on h1, its port published on h1's lab address only -----------------------
    mkdir -p "$PG_STAGE/h1/initdb"
    cat > "$PG_STAGE/h1/initdb/10-lab22-replication.sh" <<EOF
#!/bin/sh
# Sourced by the entrypoint against its temporary socket-only server.
set -eu
psql -X -v ON_ERROR_STOP=1 -U postgres -q -v pw="\$(cat $PG_CONF/replication-password)" <<'SQL'
CREATE ROLE replicator REPLICATION LOGIN PASSWORD :'pw';
SELECT pg_create_physical_replication_slot('lab22_h2');
SQL
EOF
    chmod 0755 "$PG_STAGE/h1/initdb/10-lab22-replication.sh"
    # shellcheck disable=SC2046
    lab_docker h1 create --name "$primary" -p "$h1:$PG_PORT:$PG_PORT" -v "$primary:/var/lib/postgresql/data" \
        -e "POSTGRES_PASSWORD_FILE=$PG_CONF/superuser-password" "$IMAGE" $(pg_server_args) >/dev/null
    pg_upload h1 h1 "$primary"
    tar -C "$PG_STAGE/h1/initdb" --owner="$PG_UID" --group="$PG_UID" --numeric-owner -cf - . |
        lab_docker h1 cp -a - "$primary:/docker-entrypoint-initdb.d"
    lab_docker h1 start "$primary" >/dev/null
    wait_ready h1 "$primary"
    t1=$(now)
    log "pg: primary on h1 ready in $(elapsed "$t0" "$t1") s (initdb included)"
    psql_on h1 "$primary" -c "CREATE TABLE acked(id int PRIMARY KEY); INSERT INTO acked SELECT generate_series(1, 1000)"

    # --- standby on h2: pg_basebackup from h1's address, verify-full, then streaming -----------
    conninfo="host=$h1 port=$PG_PORT user=replicator sslmode=verify-full sslrootcert=$PG_CONF/ca.crt passfile=$PG_CONF/pgpass application_name=pg2"
    lab_docker h2 create --name "$LAB-pg2-basebackup" --user postgres -v "$standby:/var/lib/postgresql/data" \
        --entrypoint pg_basebackup "$IMAGE" -d "$conninfo" -D /var/lib/postgresql/data \
        -R -S lab22_h2 -X stream -c fast >/dev/null
    pg_upload h2 h2 "$LAB-pg2-basebackup"
    lab_docker h2 start -a "$LAB-pg2-basebackup" >&2
    lab_docker h2 rm "$LAB-pg2-basebackup" >/dev/null
    t2=$(now)
    log "pg: base backup on h2 from $h1 took $(elapsed "$t1" "$t2") s"
    # shellcheck disable=SC2046
    lab_docker h2 create --name "$standby" -p "$(host_address h2):$PG_PORT:$PG_PORT" \
        -v "$standby:/var/lib/postgresql/data" "$IMAGE" $(pg_server_args) >/dev/null
    pg_upload h2 h2 "$standby"
    lab_docker h2 start "$standby" >/dev/null
    wait_ready h2 "$standby"
    deadline=$(( $(date +%s) + 60 ))
    until [ "$(psql_on h1 "$primary" -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 1 ]; do
        [ "$(date +%s)" -lt "$deadline" ] || { lab_docker h2 logs --tail 30 "$standby" >&2; die "pg: the standby does not stream"; }
        sleep 0.5
    done
    t3=$(now)
    log "pg: standby on h2 streaming $(elapsed "$t2" "$t3") s after the base backup"

    log "pg: pg_stat_replication on the primary (h1), with the walsender's TLS:"
    psql_on h1 "$primary" -P footer=off -F ' | ' -c "SELECT r.application_name, r.client_addr, r.state, r.sync_state, s.ssl, s.version, s.cipher
        FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)" >&2
    log "pg: the standby's primary_conninfo (written by pg_basebackup -R):"
    lab_docker h2 exec "$standby" grep primary_conninfo /var/lib/postgresql/data/postgresql.auto.conf >&2
    psql_on h1 "$primary" -c "INSERT INTO acked SELECT generate_series(1001, 2000)"
    lsn=$(psql_on h1 "$primary" -c "SELECT pg_current_wal_lsn()")
    deadline=$(( $(date +%s) + 30 ))
    until [ "$(psql_on h2 "$standby" -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ]; do
        [ "$(date +%s)" -lt "$deadline" ] || die "pg: the standby did not replay $lsn"
        sleep 0.2
    done
    log "pg: standby has $(psql_on h2 "$standby" -c 'SELECT count(*) FROM acked') rows of 2000, in recovery: $(psql_on h2 "$standby" -c 'SELECT pg_is_in_recovery()')"

    # --- who may connect -------------------------------------------------------------------------
    log "pg: the host ($LAB_HOST_ADDRESS) as postgres, verify-full against h1's address:"
    PGPASSWORD=$(cat "$PG_STAGE/superuser-password") psql -X -At \
        "host=$h1 port=$PG_PORT user=postgres dbname=postgres sslmode=verify-full sslrootcert=$PG_STAGE/pki/ca.crt" \
        -c "SELECT 'connected as ' || current_user || ' from ' || inet_client_addr() || ', ' || (SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid())" >&2
    log "pg: verify-full when the name the client expects is not in h1's certificate (hostaddr=h1, host=10.222.0.99):"
    PGPASSWORD=x psql -X -At "hostaddr=$h1 host=10.222.0.99 port=$PG_PORT user=postgres dbname=postgres sslmode=verify-full sslrootcert=$PG_STAGE/pki/ca.crt" \
        -c 'SELECT 1' >&2 2>&1 || true
    log "pg: a container on h3 (not a replication peer of h1's hba for postgres) as postgres (expect pg_hba refusal):"
    lab_docker h3 run --rm --name "$LAB-outsider" -e PGPASSWORD=x --entrypoint psql "$IMAGE" -X -At \
        "host=$h1 port=$PG_PORT user=postgres dbname=postgres sslmode=require" -c 'SELECT 1' >&2 2>&1 || true
    log "pg: a container on h3 as replicator without TLS (expect the hostnossl reject):"
    lab_docker h3 run --rm --name "$LAB-outsider" -e PGPASSWORD=x --entrypoint psql "$IMAGE" -X -At \
        "host=$h1 port=$PG_PORT user=replicator dbname=replication replication=true sslmode=disable" -c 'IDENTIFY_SYSTEM' >&2 2>&1 || true
    log "pg: passwords visible in docker inspect of the primary? $(lab_docker h1 inspect "$primary" | grep -c -F "$(cat "$PG_STAGE/superuser-password")" || true) match(es)"
}

# ---------------------------------------------------------------------------------------------
# Runs "docker --host <h3> version" and reports exit status, time and output.
probe_h3() {
    t=$(now)
    set +e
    out=$(lab_docker h3 version --format '{{.Server.Version}}' 2>&1)
    rc=$?
    set -e
    log "hostdown: [$1] exit $rc after $(elapsed "$t" "$(now)") s: $out"
}

check_hostdown() {
    pid=$(dockerd_pid h3)
    [ -n "$pid" ] || die "hostdown: h3's dockerd is not running"
    probe_h3 "h3 up"
    kill -TERM "$pid"
    while [ -d "/proc/$pid" ]; do sleep 0.2; done
    probe_h3 "h3's dockerd stopped, its address up"
    # Restart the engine (same config) before cutting the cable.
    LAB22_IMAGE='' sh "$here/up.sh" 2>/dev/null
    probe_h3 "h3 restarted"
    ip -n "$LAB_SWITCH_NS" link set "$(host_switch_port h3)" down
    probe_h3 "h3's cable cut, the host's ARP entry for it still fresh"
    ip neigh flush dev "$LAB_HOST_LINK" 2>/dev/null || true
    probe_h3 "h3's cable cut, ARP entry flushed"
    t=$(now)
    set +e
    out=$(timeout 120 sh -c ". '$here/lib.sh'; lab_docker h3 ps" 2>&1)
    rc=$?
    set -e
    log "hostdown: [cable cut, docker ps] exit $rc after $(elapsed "$t" "$(now)") s: $out"
    ip -n "$LAB_SWITCH_NS" link set "$(host_switch_port h3)" up
    probe_h3 "h3's cable back"
    # A host that answers ARP but drops the connection silently (dead behind a router, a
    # firewall): the rule is in h3's own namespace, removed right after.
    nsenter --net="/run/netns/$(host_ns h3)" iptables -w -I INPUT -p tcp --dport "$LAB_DOCKER_PORT" -j DROP
    probe_h3 "h3 drops SYNs to $LAB_DOCKER_PORT silently"
    nsenter --net="/run/netns/$(host_ns h3)" iptables -w -D INPUT -p tcp --dport "$LAB_DOCKER_PORT" -j DROP
    probe_h3 "h3 answers again"
}

# ---------------------------------------------------------------------------------------------
# What an engine's TLS endpoint says to clients that are not the lab's host (issue 22, test 5).
check_tls() {
    ep=$(host_endpoint h1)
    other=$LAB_RUN/pki/other
    mkdir -p "$other"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$other/ca-key.pem" 2>/dev/null
    openssl req -x509 -new -key "$other/ca-key.pem" -subj "/CN=not the lab CA" -days 1 -out "$other/ca.pem"
    try() {
        what=$1
        shift
        set +e
        out=$(timeout 60 docker --host "$ep" "$@" version --format '{{.Server.Version}}' 2>&1)
        rc=$?
        set -e
        log "tls: [$what] exit $rc: $out"
    }
    try "no TLS at all (plain HTTP to the TLS port)"
    try "TLS, server verified, no client certificate" --tlsverify --tlscacert "$LAB_CLIENT_CERTS/ca.pem"
    try "client certificate, but another CA to verify the server" --tlsverify --tlscacert "$other/ca.pem" \
        --tlscert "$LAB_CLIENT_CERTS/cert.pem" --tlskey "$LAB_CLIENT_CERTS/key.pem"
    # The CLI still loads a CA file with --tls; it does not use it to verify.
    try "client certificate, server not verified (--tls, another CA, no --tlsverify)" --tls --tlscacert "$other/ca.pem" \
        --tlscert "$LAB_CLIENT_CERTS/cert.pem" --tlskey "$LAB_CLIENT_CERTS/key.pem"
    # A name that does not resolve (no name server for the lab): the error the program would relay.
    set +e
    out=$(timeout 60 docker --host "tcp://$LAB-h1.invalid:$LAB_DOCKER_PORT" --tlsverify --tlscacert "$LAB_CLIENT_CERTS/ca.pem" \
        --tlscert "$LAB_CLIENT_CERTS/cert.pem" --tlskey "$LAB_CLIENT_CERTS/key.pem" version 2>&1 | tail -n 1)
    set -e
    log "tls: [an unknown host name] $out"
    rm -rf "$other"
}

# ---------------------------------------------------------------------------------------------
# The swarm option: h1 and h2 in one swarm, h3 outside. An attachable overlay network carries a
# connection between containers on h1 and h2; what h3 says when asked to use it. Leaves the
# swarm afterwards (h2 leaves, h1 leaves with --force, the network goes with it).
check_swarm() {
    h1=$(host_address h1)
    t=$(now)
    lab_docker h1 swarm init --advertise-addr "$h1" --listen-addr "$h1:2377" >/dev/null
    token=$(lab_docker h1 swarm join-token -q worker)
    lab_docker h2 swarm join --advertise-addr "$(host_address h2)" --listen-addr "$(host_address h2):2377" \
        --token "$token" "$h1:2377" >/dev/null
    log "swarm: h1 manager, h2 worker in $(elapsed "$t" "$(now)") s; swarm state: h1 $(lab_docker h1 info --format '{{.Swarm.LocalNodeState}}/{{.Swarm.ControlAvailable}}'), h2 $(lab_docker h2 info --format '{{.Swarm.LocalNodeState}}/{{.Swarm.ControlAvailable}}'), h3 $(lab_docker h3 info --format '{{.Swarm.LocalNodeState}}')"
    lab_docker h1 network create -d overlay --attachable "$LAB-overlay" >/dev/null
    lab_docker h1 run -d --name "$LAB-overlay-listener" --network "$LAB-overlay" --entrypoint perl "$IMAGE" \
        -MIO::Socket::INET -e '$| = 1; my $s = IO::Socket::INET->new(LocalPort => 5432, Listen => 5, ReuseAddr => 1) or die $!;
            while (my $c = $s->accept) { print $c->peerhost, "\n"; print $c "hello over the overlay\n"; close $c }' >/dev/null
    t=$(now)
    set +e
    lab_docker h2 run --rm --network "$LAB-overlay" --entrypoint bash "$IMAGE" -c \
        "for i in 1 2 3 4 5 6 7 8 9 10; do exec 3<>/dev/tcp/$LAB-overlay-listener/5432 2>/dev/null && { head -n 1 <&3; exit 0; }; sleep 1; done; exit 1" >&2
    rc=$?
    set -e
    log "swarm: h2 container -> $LAB-overlay-listener (by name, on h1) over the overlay: exit $rc after $(elapsed "$t" "$(now)") s; the listener saw:"
    lab_docker h1 logs "$LAB-overlay-listener" >&2
    log "swarm: h3 (not in the swarm) asked to run a container on the overlay:"
    lab_docker h3 run --rm --network "$LAB-overlay" --entrypoint true "$IMAGE" >&2 2>&1 || true
    log "swarm: h3 asked to create an overlay network:"
    lab_docker h3 network create -d overlay --attachable "$LAB-overlay" >&2 2>&1 || true
    lab_docker h1 rm -f "$LAB-overlay-listener" >/dev/null
    lab_docker h2 swarm leave >/dev/null
    lab_docker h1 swarm leave --force >/dev/null
    log "swarm: left; h1 $(lab_docker h1 info --format '{{.Swarm.LocalNodeState}}'), h2 $(lab_docker h2 info --format '{{.Swarm.LocalNodeState}}')"
}

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ $# -gt 0 ] || set -- net pg tls hostdown
for step in "$@"; do
    case $step in
        net) check_net ;;
        pg) check_pg ;;
        hostdown) check_hostdown ;;
        tls) check_tls ;;
        swarm) check_swarm ;;
        *) die "unknown step $step (net, pg, tls, hostdown, swarm)" ;;
    esac
done
