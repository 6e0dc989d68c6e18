# Names, addresses and helpers of the three-host Docker lab (issue 22 spike). Sourced, not run.
#
# Everything this lab creates on the machine is named lab22-*: network namespaces, links,
# directories (/var/lib/lab22, /run/lab22), cgroup parents, containers and volumes inside
# the lab's own engines. It never talks to the machine's default engine except to read an
# image (docker save), and never to tools/docker26's engine.
set -eu

LAB=lab22
LAB_HOSTS='h1 h2 h3'
LAB_SUBNET_PREFIX=10.222.0
LAB_PREFIX_LEN=24
# The machine that runs pulumi ("the host") has this address on the lab network.
LAB_HOST_ADDRESS=$LAB_SUBNET_PREFIX.1
LAB_DOCKER_PORT=2376

LAB_RUN=/run/$LAB             # configs, exec roots, pid files, sockets, certificates
LAB_DATA=/var/lib/$LAB        # data roots (images, containers, volumes), log files
LAB_PKI=$LAB_RUN/pki
# Client certificate directory in the layout DOCKER_CERT_PATH expects (ca.pem, cert.pem, key.pem).
LAB_CLIENT_CERTS=$LAB_PKI/client
# With sshd installed, h3 also answers ssh://root@<h3>. Every ssh client on the machine finds the
# lab's key and h3's host key through this file (for h3's address only; /etc/ssh/ssh_config
# includes ssh_config.d/*.conf): the program's probe, the docker CLI and the provider alike.
LAB_SSH_CONFIG=/etc/ssh/ssh_config.d/$LAB.conf

# The switch: a bridge in a namespace of its own. A bridge in the root namespace would see its
# frames go through the root namespace's FORWARD chain (br_netfilter), whose policy the
# system engine sets to DROP; the lab must not add rules there.
LAB_SWITCH_NS=$LAB-net
LAB_BRIDGE=$LAB-br
# The host's cable to the switch: $LAB-host (root namespace, has $LAB_HOST_ADDRESS) <-> $LAB-hostp.
LAB_HOST_LINK=$LAB-host
LAB_HOST_PEER=$LAB-hostp

# Docker 26 from tools/docker26's cached root filesystem when it is there (what users run is
# 26-28); otherwise the system's dockerd. Read only: nothing of tools/docker26's engine is used.
LAB_DOCKER26_CACHE=${PG_CLUSTER_DOCKER26_CACHE:-/var/cache/pg-cluster/docker26}

log() { printf '%s %s\n' "$(date +%H:%M:%S.%N | cut -c1-12)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# Per-host names. $1 = h1|h2|h3.
host_index() { printf '%s' "${1#h}"; }
host_address() { printf '%s.%s' "$LAB_SUBNET_PREFIX" "$((10 + $(host_index "$1")))"; }
host_ns() { printf '%s-%s' "$LAB" "$1"; }
host_endpoint() { printf 'tcp://%s:%s' "$(host_address "$1")" "$LAB_DOCKER_PORT"; }
host_run() { printf '%s/%s' "$LAB_RUN" "$1"; }
host_data() { printf '%s/%s' "$LAB_DATA" "$1"; }
host_pidfile() { printf '%s/dockerd.pid' "$(host_run "$1")"; }
host_log() { printf '%s/%s.log' "$LAB_DATA" "$1"; }
# Cable of host $1: $LAB-$1p on the switch <-> $LAB-$1e inside the host's namespace.
host_switch_port() { printf '%s-%sp' "$LAB" "$1"; }
host_nic() { printf '%s-%se' "$LAB" "$1"; }

# The pid of host $1's dockerd, or nothing (a zombie does not count).
dockerd_pid() {
    _pid=$(cat "$(host_pidfile "$1")" 2>/dev/null) || return 0
    case $_pid in '' | *[!0-9]*) return 0 ;; esac
    [ "$(cat "/proc/$_pid/comm" 2>/dev/null)" = dockerd ] &&
        [ "$(awk '{ print $3 }' "/proc/$_pid/stat" 2>/dev/null)" != Z ] &&
        printf '%s\n' "$_pid"
    return 0
}

# The docker CLI against host $1 over TCP with TLS, verifying the server against the lab CA
# and presenting the host's client certificate (what the program's providers will do).
lab_docker() {
    _h=$1
    shift
    docker --host "$(host_endpoint "$_h")" --tlsverify \
        --tlscacert "$LAB_CLIENT_CERTS/ca.pem" --tlscert "$LAB_CLIENT_CERTS/cert.pem" \
        --tlskey "$LAB_CLIENT_CERTS/key.pem" "$@"
}

# The docker26 root filesystem to run dockerd from, or nothing.
docker26_rootfs() {
    for _d in "$LAB_DOCKER26_CACHE"/*/; do
        [ -f "$_d/complete" ] && [ -x "$_d/rootfs/usr/sbin/dockerd" ] && { printf '%s\n' "${_d%/}/rootfs"; return 0; }
    done
    return 0
}
