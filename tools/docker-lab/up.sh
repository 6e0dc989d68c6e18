#!/bin/sh
# Brings up the three-host Docker lab (issue 22 spike), from nothing, as root:
#
#   root namespace                 lab22-net namespace              lab22-hN namespace
#   lab22-host 10.222.0.1/24  <->  lab22-hostp --+
#                                                lab22-br (bridge)
#                                  lab22-hNp ----+          <->     lab22-hNe 10.222.0.1N/24
#                                                                   dockerd: tcp://10.222.0.1N:2376 (TLS,
#                                                                   client certificates required), its own
#                                                                   iptables, docker0, containerd
#
# Then copies the test image into every engine without a registry (docker save | docker load,
# skipped where the image ID is already present).
#
# Usage: sh up.sh            (LAB22_IMAGE=pg-cluster-test/postgres:17 by default; LAB22_IMAGE=''
#                             skips the image; LAB22_IMAGE_HOSTS='h1' puts it on those hosts only)
# Idempotent: what exists is kept. down.sh removes everything.
set -eu
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$here/lib.sh"

IMAGE=${LAB22_IMAGE-pg-cluster-test/postgres:17}
# Where the image comes from: the machine's default engine, read only (docker save).
SOURCE_DOCKER_HOST=${LAB22_SOURCE_DOCKER_HOST:-unix:///var/run/docker.sock}
START_TIMEOUT_S=60

[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, links, dockerd)"
for cmd in ip nsenter unshare setsid openssl docker; do
    command -v "$cmd" >/dev/null 2>&1 || die "$cmd is missing"
done
started=$(now)

# --- the lab subnet must be free on this machine ---------------------------------------
taken=$(ip -4 route show | awk -v p="$LAB_SUBNET_PREFIX." -v own="$LAB_HOST_LINK" \
    'index($1, p) == 1 && $0 !~ ("dev " own " ") { print }')
[ -z "$taken" ] || die "the lab subnet $LAB_SUBNET_PREFIX.0/$LAB_PREFIX_LEN is already routed here: $taken"

mkdir -p "$LAB_RUN" "$LAB_DATA" "$LAB_PKI"
chmod 0700 "$LAB_RUN" "$LAB_PKI"

# --- 1. certificates (openssl; ECDSA P-256 keys, 1 day) ------------------------------------
# One CA for the Docker endpoints. Each engine's certificate names its lab IP address (the
# client checks the address it dialled); the host's client certificate is what every engine
# requires (--tlsverify).
pki_started=$(now)
new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; chmod 0600 "$1"; }
# sign KEY CERT SUBJECT EXTFILE-CONTENT
sign() {
    openssl req -new -key "$1" -subj "/CN=$3" -out "$2.csr"
    printf '%s\n' "$4" > "$2.ext"
    openssl x509 -req -in "$2.csr" -CA "$LAB_PKI/ca.pem" -CAkey "$LAB_PKI/ca-key.pem" \
        -CAcreateserial -days 1 -sha256 -extfile "$2.ext" -out "$2" 2>/dev/null
    rm -f "$2.csr" "$2.ext"
}
if [ ! -f "$LAB_PKI/ca.pem" ]; then
    new_key "$LAB_PKI/ca-key.pem"
    openssl req -x509 -new -key "$LAB_PKI/ca-key.pem" -subj "/CN=$LAB docker CA" -days 1 -sha256 \
        -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign \
        -out "$LAB_PKI/ca.pem"
fi
if [ ! -f "$LAB_CLIENT_CERTS/cert.pem" ]; then
    mkdir -p "$LAB_CLIENT_CERTS"
    cp "$LAB_PKI/ca.pem" "$LAB_CLIENT_CERTS/ca.pem"
    new_key "$LAB_CLIENT_CERTS/key.pem"
    sign "$LAB_CLIENT_CERTS/key.pem" "$LAB_CLIENT_CERTS/cert.pem" "$LAB-pulumi-host" \
        'basicConstraints=CA:false
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth'
fi
for h in $LAB_HOSTS; do
    tls=$(host_run "$h")/tls
    [ -f "$tls/server-cert.pem" ] && continue
    mkdir -p "$tls"
    cp "$LAB_PKI/ca.pem" "$tls/ca.pem"
    new_key "$tls/server-key.pem"
    sign "$tls/server-key.pem" "$tls/server-cert.pem" "$LAB-$h" "basicConstraints=CA:false
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:$(host_address "$h")"
done
log "certificates ready in $(elapsed "$pki_started" "$(now)") s ($LAB_PKI)"

# --- 2. network -------------------------------------------------------------------------
net_started=$(now)
ns_exists() { [ -e "/run/netns/$1" ]; }
ns_exists "$LAB_SWITCH_NS" || ip netns add "$LAB_SWITCH_NS"
ip -n "$LAB_SWITCH_NS" link set lo up
ip -n "$LAB_SWITCH_NS" link show "$LAB_BRIDGE" >/dev/null 2>&1 ||
    ip -n "$LAB_SWITCH_NS" link add "$LAB_BRIDGE" type bridge
ip -n "$LAB_SWITCH_NS" link set "$LAB_BRIDGE" up

# The host's cable.
if ! ip link show "$LAB_HOST_LINK" >/dev/null 2>&1; then
    ip link add "$LAB_HOST_LINK" type veth peer name "$LAB_HOST_PEER" netns "$LAB_SWITCH_NS"
fi
ip -n "$LAB_SWITCH_NS" link set "$LAB_HOST_PEER" master "$LAB_BRIDGE" up
ip -4 addr show dev "$LAB_HOST_LINK" | grep -q "inet $LAB_HOST_ADDRESS/" ||
    ip addr add "$LAB_HOST_ADDRESS/$LAB_PREFIX_LEN" dev "$LAB_HOST_LINK"
ip link set "$LAB_HOST_LINK" up

for h in $LAB_HOSTS; do
    ns=$(host_ns "$h") port=$(host_switch_port "$h") nic=$(host_nic "$h")
    ns_exists "$ns" || ip netns add "$ns"
    ip -n "$ns" link set lo up
    if ! ip -n "$ns" link show "$nic" >/dev/null 2>&1; then
        ip -n "$LAB_SWITCH_NS" link add "$port" type veth peer name "$nic" netns "$ns"
    fi
    ip -n "$LAB_SWITCH_NS" link set "$port" master "$LAB_BRIDGE" up
    ip -n "$ns" -4 addr show dev "$nic" | grep -q "inet $(host_address "$h")/" ||
        ip -n "$ns" addr add "$(host_address "$h")/$LAB_PREFIX_LEN" dev "$nic"
    ip -n "$ns" link set "$nic" up
done
log "network ready in $(elapsed "$net_started" "$(now)") s"

# --- 3. engines ---------------------------------------------------------------------------
engines_started=$(now)
rootfs=$(docker26_rootfs)
if [ -n "$rootfs" ]; then
    log "dockerd from tools/docker26's root filesystem $rootfs"
else
    log "no tools/docker26 root filesystem; using the system's dockerd ($(dockerd --version))"
fi

for h in $LAB_HOSTS; do
    [ -n "$(dockerd_pid "$h")" ] && { log "$h: dockerd already runs (pid $(dockerd_pid "$h"))"; continue; }
    run=$(host_run "$h") data=$(host_data "$h")
    mkdir -p "$run/exec" "$data"
    # Own config file: dockerd would otherwise read the system engine's /etc/docker/daemon.json.
    # iptables: true = dockerd manages the tables *of its own network namespace* (NAT for
    # published ports, masquerading of its containers' outgoing traffic), as on a real host; the
    # root namespace's tables are never touched (check.sh proves it).
    # dns 127.0.0.1: the lab has no name server; a lookup of an unknown name fails at once instead
    # of stalling (same reasoning as tools/docker26/settings.sh).
    cat > "$run/daemon.json" <<EOF
{
  "hosts": ["unix://$run/docker.sock", "$(host_endpoint "$h")"],
  "tls": true,
  "tlsverify": true,
  "tlscacert": "$run/tls/ca.pem",
  "tlscert": "$run/tls/server-cert.pem",
  "tlskey": "$run/tls/server-key.pem",
  "data-root": "$data",
  "exec-root": "$run/exec",
  "pidfile": "$(host_pidfile "$h")",
  "iptables": true,
  "ip6tables": false,
  "cgroup-parent": "/$LAB-$h",
  "dns": ["127.0.0.1"]
}
EOF
    printf '\n=== %s up.sh: starting dockerd for %s\n' "$(date -u +%FT%TZ)" "$h" >> "$(host_log "$h")"
    # nsenter --net, not "ip netns exec": the latter remounts /sys and hides the cgroup v1
    # mounts, and dockerd fails (shared/ENVIRONMENT.md).
    if [ -n "$rootfs" ]; then
        # shellcheck disable=SC2016
        nsenter --net="/run/netns/$(host_ns "$h")" -- setsid unshare --mount --propagation slave -- /bin/sh -c '
            set -e
            rootfs=$1
            shift
            mount --bind "$rootfs/etc/ld.so.cache" /etc/ld.so.cache
            if [ -d /usr/lib/modules ]; then mount --rbind /usr/lib/modules "$rootfs/usr/lib/modules"; fi
            mount --rbind "$rootfs/usr" /usr
            exec /usr/sbin/dockerd "$@"
        ' "$LAB-$h" "$rootfs" --config-file "$run/daemon.json" \
            </dev/null >>"$(host_log "$h")" 2>&1 &
    else
        nsenter --net="/run/netns/$(host_ns "$h")" -- setsid dockerd --config-file "$run/daemon.json" \
            </dev/null >>"$(host_log "$h")" 2>&1 &
    fi
done
for h in $LAB_HOSTS; do
    deadline=$(( $(date +%s) + START_TIMEOUT_S ))
    until lab_docker "$h" version --format '{{.Server.Version}}' >/dev/null 2>&1; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            tail -n 20 "$(host_log "$h")" >&2
            die "$h: dockerd did not answer on $(host_endpoint "$h") within $START_TIMEOUT_S s"
        fi
        sleep 0.3
    done
    log "$h: Docker $(lab_docker "$h" version --format '{{.Server.Version}}') on $(host_endpoint "$h") (pid $(dockerd_pid "$h"))"
done
log "engines ready in $(elapsed "$engines_started" "$(now)") s"

# --- 3b. ssh:// to h3 (when sshd is installed) ----------------------------------------------
# An sshd in h3's namespace, on h3's address, for root with the lab's key only; its sessions get
# DOCKER_HOST of h3's engine, so `ssh root@10.222.0.13 docker system dial-stdio` (what the docker
# CLI and the provider run for ssh://) reaches that engine. Clients find the lab's key and h3's
# host key in $LAB_SSH_CONFIG (a Host block for h3's address alone; down.sh removes it).
if [ -x /usr/sbin/sshd ] && command -v ssh-keygen >/dev/null 2>&1 && [ -d "$(dirname "$LAB_SSH_CONFIG")" ]; then
    ssh_dir=$LAB_RUN/ssh
    mkdir -p "$ssh_dir" /run/sshd
    chmod 0700 "$ssh_dir"
    [ -f "$ssh_dir/host_key" ] || ssh-keygen -q -t ed25519 -N '' -C "$LAB h3" -f "$ssh_dir/host_key"
    [ -f "$ssh_dir/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "$LAB client" -f "$ssh_dir/id_ed25519"
    cp "$ssh_dir/id_ed25519.pub" "$ssh_dir/authorized_keys"
    h3=$(host_address h3)
    printf '%s %s\n' "$h3" "$(cut -d' ' -f1,2 "$ssh_dir/host_key.pub")" > "$ssh_dir/known_hosts"
    cat > "$ssh_dir/sshd_config" <<EOF_SSHD
ListenAddress $h3:22
HostKey $ssh_dir/host_key
PidFile $ssh_dir/sshd-h3.pid
AuthorizedKeysFile $ssh_dir/authorized_keys
PermitRootLogin prohibit-password
AllowUsers root
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
SetEnv DOCKER_HOST=unix://$(host_run h3)/docker.sock
MaxStartups 200:30:400
MaxSessions 200
EOF_SSHD
    cat > "$LAB_SSH_CONFIG" <<EOF_SSH
# Written by pg-cluster's tools/docker-lab/up.sh for its lab host h3; removed by down.sh.
Host $h3
    User root
    IdentityFile $ssh_dir/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $ssh_dir/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    BatchMode yes
EOF_SSH
    if [ "$(cat "/proc/$(cat "$ssh_dir/sshd-h3.pid" 2>/dev/null || echo 0)/comm" 2>/dev/null)" != sshd ]; then
        nsenter --net="/run/netns/$(host_ns h3)" -- /usr/sbin/sshd -f "$ssh_dir/sshd_config" -E "$LAB_DATA/sshd-h3.log"
    fi
    t=$(now)
    until DOCKER_HOST="ssh://root@$h3" docker version --format '{{.Server.Version}}' >/dev/null 2>&1; do
        [ "$(elapsed "$t" "$(now)" | cut -d. -f1)" -lt 20 ] || die "h3: docker over ssh://root@$h3 does not answer (see $LAB_DATA/sshd-h3.log)"
        sleep 0.3
    done
    log "h3: Docker over ssh://root@$h3 (sshd in h3's namespace) in $(elapsed "$t" "$(now)") s"
fi

# --- 4. the image, without a registry -----------------------------------------------------
# The program's path for offline hosts (issue 22): the first host gets the image, every other
# host is copied from it, keyed on the image ID.
if [ -n "$IMAGE" ]; then
    id=$(docker --host "$SOURCE_DOCKER_HOST" image inspect --format '{{.Id}}' "$IMAGE") ||
        die "image $IMAGE not found on $SOURCE_DOCKER_HOST (build it first: src/test/image/build.sh)"
    from=''
    for h in ${LAB22_IMAGE_HOSTS:-$LAB_HOSTS}; do
        if lab_docker "$h" image inspect "$id" >/dev/null 2>&1; then
            log "$h: image $id already present, not copied"
        else
            t=$(now)
            if [ -z "$from" ]; then
                docker --host "$SOURCE_DOCKER_HOST" save "$IMAGE" | lab_docker "$h" load >/dev/null
                log "$h: docker save (default engine) | docker load took $(elapsed "$t" "$(now)") s"
            else
                lab_docker "$from" save "$IMAGE" | lab_docker "$h" load >/dev/null
                log "$h: docker save ($from) | docker load took $(elapsed "$t" "$(now)") s"
            fi
            got=$(lab_docker "$h" image inspect --format '{{.Id}}' "$IMAGE")
            [ "$got" = "$id" ] || die "$h: loaded image ID $got differs from the source's $id"
        fi
        [ -n "$from" ] || from=$h
    done
fi

log "lab up in $(elapsed "$started" "$(now)") s; client: DOCKER_CERT_PATH=$LAB_CLIENT_CERTS DOCKER_TLS_VERIFY=1 DOCKER_HOST=$(host_endpoint h1)"
