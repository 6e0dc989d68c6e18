#!/bin/sh
# Brings up the spike's cluster by hand: a network, 3 etcd members (static
# cluster, TLS for clients and peers, client certificates required) and 3
# Patroni members (PostgreSQL 17 in the same container), plus a client
# container for the write loop. Prints the bring-up time.
#
# Usage: DOCKER_HOST=... SPIKE_IMAGE=pg-cluster-test/postgres:17-<hash> sh up.sh
# Every secret (CA key, member keys, passwords) is made in a private
# temporary directory that is removed on exit; it reaches the volumes on the
# stdin of one-off containers, never through an argv or an environment.
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$here/lib.sh"

work=$(mktemp -d /tmp/spike21-up.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 0700 "$work"
started=$(now)

# --- CA and certificates (openssl on the machine running the script) --------
# One CA for etcd, PostgreSQL and the REST API in this spike (see NOTES.md).
log "CA and member certificates"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/ca.key" 2>/dev/null
openssl req -x509 -new -key "$work/ca.key" -subj "/CN=$PREFIX CA" -days 30 -out "$work/ca.crt" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
issue() { # name host -> $work/$name/member.{key,crt}: server and client use, for the host name
    mkdir -p "$work/$1"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/$1/member.key" 2>/dev/null
    openssl req -new -key "$work/$1/member.key" -subj "/CN=$2" -out "$work/$1/member.csr" 2>/dev/null
    printf 'subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n' "$2" > "$work/$1/ext"
    openssl x509 -req -in "$work/$1/member.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" \
        -CAcreateserial -days 30 -extfile "$work/$1/ext" -out "$work/$1/member.crt" 2>/dev/null
    rm -f "$work/$1/member.csr" "$work/$1/ext"
    cp "$work/ca.crt" "$work/$1/ca.crt"
    chmod 0600 "$work/$1/member.key"
}
for m in $ETCD_MEMBERS $PG_MEMBERS; do issue "$m" "$PREFIX-$m"; done

pw() { openssl rand -hex 24; }
RESTAPI_PASSWORD=$(pw); REPLICATION_PASSWORD=$(pw); REWIND_PASSWORD=$(pw); APP_PASSWORD=$(pw)

# --- network ----------------------------------------------------------------
docker network create "$NET" >/dev/null
SUBNET=$(docker network inspect -f '{{(index .IPAM.Config 0).Subnet}}' "$NET")
log "network $NET $SUBNET"

# A one-off container that extracts a tar stream from stdin into a volume,
# as the user that will own the files (no capability needed).
fill_volume() { # volume mountpoint user
    docker run --rm -i --name "$PREFIX-fill" --network none --user "$3" $HARDENING \
        -v "$1:$2" --entrypoint sh "$IMAGE" -c 'umask 077; tar -x -C "$1" && chmod 0700 "$1"' sh "$2"
}

# --- etcd ---------------------------------------------------------------------
initial_cluster=''
etcd_hosts=''
for m in $ETCD_MEMBERS; do
    initial_cluster="${initial_cluster:+$initial_cluster,}$m=https://$PREFIX-$m:2380"
    etcd_hosts="${etcd_hosts:+$etcd_hosts,}$PREFIX-$m:2379"
done
for m in $ETCD_MEMBERS; do
    mkdir -p "$work/$m/conf" && mv "$work/$m/member.key" "$work/$m/member.crt" "$work/$m/ca.crt" "$work/$m/conf/"
    sed -e "s|@MEMBER@|$m|g" -e "s|@HOST@|$PREFIX-$m|g" -e "s|@INITIAL_CLUSTER@|$initial_cluster|g" \
        -e "s|@CLUSTER_TOKEN@|$PREFIX|g" "$here/etcd.conf.yml.template" > "$work/$m/conf/etcd.conf.yml"
    docker volume create "$PREFIX-$m" >/dev/null
    tar -C "$work/$m" -c conf | fill_volume "$PREFIX-$m" "$ETCD_DIR" etcd
    # Health: etcd's own /health, through etcdctl with the member's client
    # certificate (the endpoint needs one: client-cert-auth).
    docker run -d --name "$PREFIX-$m" --hostname "$PREFIX-$m" --network "$NET" --user etcd $HARDENING \
        -v "$PREFIX-$m:$ETCD_DIR" --entrypoint etcd \
        --health-cmd "etcdctl --endpoints=https://127.0.0.1:2379 --cacert=$ETCD_DIR/conf/ca.crt --cert=$ETCD_DIR/conf/member.crt --key=$ETCD_DIR/conf/member.key --command-timeout=2s endpoint health" \
        --health-interval 2s --health-timeout 3s --health-retries 3 \
        "$IMAGE" --config-file "$ETCD_DIR/conf/etcd.conf.yml" >/dev/null
done
for m in $ETCD_MEMBERS; do
    until [ "$(docker inspect -f '{{.State.Health.Status}}' "$PREFIX-$m")" = healthy ]; do
        [ "$(docker inspect -f '{{.State.Running}}' "$PREFIX-$m")" = true ] || { docker logs --tail 30 "$PREFIX-$m"; die "$m stopped"; }
        sleep 0.2
    done
done
etcd_ready=$(now)
log "etcd: 3 members healthy after $(elapsed "$started" "$etcd_ready") s"

# --- Patroni members --------------------------------------------------------
for m in $PG_MEMBERS; do
    mkdir -p "$work/$m/conf/patroni"
    mv "$work/$m/member.key" "$work/$m/member.crt" "$work/$m/ca.crt" "$work/$m/conf/"
    sed -e "s|@SCOPE@|$SCOPE|g" -e "s|@MEMBER@|$m|g" -e "s|@HOST@|$PREFIX-$m|g" \
        -e "s|@ETCD_HOSTS@|$etcd_hosts|g" -e "s|@SUBNET@|$SUBNET|g" \
        "$here/patroni.yml.template" > "$work/$m/conf/patroni/00-patroni.yml"
    sed -e "s|@RESTAPI_PASSWORD@|$RESTAPI_PASSWORD|" -e "s|@REPLICATION_PASSWORD@|$REPLICATION_PASSWORD|" \
        -e "s|@REWIND_PASSWORD@|$REWIND_PASSWORD|" \
        "$here/patroni-secrets.yml.template" > "$work/$m/conf/patroni/10-secrets.yml"
    chmod 0600 "$work/$m/conf/patroni/10-secrets.yml"
    docker volume create "$PREFIX-$m" >/dev/null
    tar -C "$work/$m" -c conf | fill_volume "$PREFIX-$m" "$PGDIR" postgres
done
patroni_started=$(now)
for m in $PG_MEMBERS; do
    # Patroni is PID 1 (it then reaps children and passes signals on, see
    # patroni/__main__.py), as user postgres, with no capability at all.
    # SIGTERM is Patroni's clean shutdown (the image's STOPSIGNAL is SIGINT,
    # meant for a bare postgres).
    docker run -d --name "$PREFIX-$m" --hostname "$PREFIX-$m" --network "$NET" --user postgres $HARDENING \
        --tmpfs "/var/run/postgresql:rw,noexec,nosuid,nodev,size=1m,uid=$PG_UID,gid=$PG_UID,mode=0700" \
        --stop-signal SIGTERM --stop-timeout 60 --shm-size 128m \
        -v "$PREFIX-$m:$PGDIR" --entrypoint patroni \
        --health-cmd "python3 -c 'import ssl,urllib.request as u;c=ssl.create_default_context(cafile=\"$CONF/ca.crt\");c.load_cert_chain(\"$CONF/member.crt\",\"$CONF/member.key\");u.urlopen(\"https://localhost:8008/liveness\",context=c,timeout=2)'" \
        --health-interval 2s --health-timeout 3s --health-retries 3 --health-start-period 60s \
        "$IMAGE" "$PATRONI_CONFIG" >/dev/null
done

# Ready: a leader that runs, and both other members streaming.
deadline=$(( $(date +%s) + 180 ))
until [ -n "$(leader 2>/dev/null)" ] && [ "$(streaming_count)" = 2 ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { for m in $PG_MEMBERS; do docker logs --tail 20 "$PREFIX-$m"; done; die "no leader with 2 streaming replicas after 180 s"; }
    sleep 0.2
done
ready=$(now)
L=$(leader)
log "Patroni: leader $L and 2 streaming replicas $(elapsed "$patroni_started" "$ready") s after the members started"
log "bring-up total (certificates, etcd, Patroni): $(elapsed "$started" "$ready") s"

# --- application role, table and client -----------------------------------
printf "CREATE ROLE app LOGIN PASSWORD '%s';\nCREATE TABLE spike (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), node text DEFAULT host(inet_server_addr()));\nGRANT INSERT, SELECT ON spike TO app;\n" "$APP_PASSWORD" |
    psql_in "$L" >/dev/null
docker run -d --name "$CLIENT" --network "$NET" --user postgres $HARDENING --entrypoint sleep "$IMAGE" infinity >/dev/null
docker exec "$PREFIX-$L" cat "$CONF/ca.crt" | docker exec -i "$CLIENT" sh -c 'cat > /tmp/ca.crt'
printf '*:5432:postgres:app:%s\n' "$APP_PASSWORD" | docker exec -i "$CLIENT" sh -c 'umask 077; cat > /tmp/pgpass'
docker exec -i "$CLIENT" sh -c 'cat > /tmp/writer.sh' < "$here/writer.sh"
log "client $CLIENT ready"
patronictl_on "$L" list >&2
