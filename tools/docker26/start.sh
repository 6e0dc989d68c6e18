#!/bin/sh
# Starts a second Docker engine, version 26 or newer, next to the system's engine (Debian 12's
# docker.io is 20.10; Docker 26+ reads some container settings back differently, e.g.
# HostConfig.NetworkMode). No download other than Debian packages:
#
#  1. Once, a Debian trixie root filesystem with trixie's docker.io (dockerd 26.1, containerd,
#     runc, docker-proxy, docker-init, CLI) is made with debootstrap and cached under
#     $PG_CLUSTER_DOCKER26_CACHE (default /var/cache/pg-cluster/docker26), keyed by this file's
#     content: change the recipe and the next start builds a new one.
#  2. dockerd runs in a private mount namespace in which that root filesystem's /usr is mounted
#     over /usr (the host is merged-/usr, so /bin, /sbin, /lib, /lib64 follow). Everything else
#     is the host's: /etc, /var, /run, /proc, /sys, /dev, the network. So host paths mean the
#     same to both engines, ports published on 127.0.0.1 are the host's 127.0.0.1, and the
#     socket lands in the host's /run.
#  3. It has its own socket, data root, exec root, pid file, config file (never
#     /etc/docker/daemon.json), containerd (started by dockerd), default bridge, address pool
#     and cgroup parent. It does not touch iptables (the system engine owns the DOCKER chains
#     and a second engine would flush them): published ports go through docker-proxy, and one
#     firewall rule lets frames between containers on one bridge pass (see settings.sh).
#
# Usage (as root, from any directory):
#     DOCKER_HOST=$(sh tools/docker26/start.sh | tail -n 1)
#     docker --host "$DOCKER_HOST" info        # any docker CLI >= 20.10
#     sh tools/docker26/docker info             # the engine's own 26.x CLI
#     docker save IMAGE | docker --host "$DOCKER_HOST" load
#     sh tools/docker26/stop.sh
#
# Idempotent: when the engine already runs, it only reports it. Progress goes to stderr;
# stdout gets the server version and, as its last line, the DOCKER_HOST value.
set -eu

SUITE=trixie
PACKAGES=docker.io,docker-cli
MIN_MAJOR=26
# debootstrap of docker.io needs about 0.5 GB; ask for headroom.
MIN_FREE_KB=1500000
START_TIMEOUT_S=90

log() { printf 'docker26: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

started=$(date +%s)
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$here/settings.sh"

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, mount namespaces, bridges need it)"
[ -L /bin ] && [ -L /lib ] && [ -L /sbin ] ||
    die "the host is not merged-/usr (/bin, /lib are not symlinks into /usr); this layout is required"

# --- host tools ---------------------------------------------------------------
# command -> Debian package (util-linux is essential: unshare, nsenter, flock, setsid).
missing=''
for pair in debootstrap:debootstrap iptables:iptables ip:iproute2 sha256sum:coreutils; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
done
if [ -n "$missing" ]; then
    log "installing:$missing"
    apt-get update -q >&2
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >&2
fi
iptables -w -m physdev -h >/dev/null 2>&1 || die "iptables lacks the physdev match (xt_physdev)"

mkdir -p "$DOCKER26_RUN_DIR"
# One start at a time (two CI steps may call this concurrently). dockerd must not inherit fd 9.
exec 9>"$DOCKER26_RUN_DIR/start.lock"
flock 9

# --- already running? ----------------------------------------------------------
report() {
    version=$(docker26_client version --format '{{.Server.Version}}')
    major=${version%%.*}
    [ "$major" -ge "$MIN_MAJOR" ] 2>/dev/null || die "server version $version is older than $MIN_MAJOR"
    log "ready after $(( $(date +%s) - started )) s (log: $DOCKER26_LOG)"
    printf 'server version: %s\n' "$version"
    printf '%s\n' "$DOCKER26_HOST"
}

wait_until_ready() {
    deadline=$(( $(date +%s) + START_TIMEOUT_S ))
    while :; do
        pid=$(docker26_pid)
        if [ -n "$pid" ] && docker26_client info >/dev/null 2>&1; then
            return 0
        fi
        if [ -n "${launched_pid:-}" ] && ! kill -0 "$launched_pid" 2>/dev/null; then
            tail -n 30 "$DOCKER26_LOG" >&2 || true
            die "dockerd exited during start (log above, full log: $DOCKER26_LOG)"
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            tail -n 30 "$DOCKER26_LOG" >&2 || true
            die "dockerd did not answer within $START_TIMEOUT_S s (full log: $DOCKER26_LOG)"
        fi
        sleep 0.3
    done
}

key=$(sha256sum "$here/start.sh" | cut -c1-16)
rootfs="$DOCKER26_CACHE/$key/rootfs"

if [ -n "$(docker26_pid)" ]; then
    log "already running (pid $(docker26_pid))"
    in_use=$(cat "$DOCKER26_ROOTFS_MARK" 2>/dev/null || true)
    [ "$in_use" = "$rootfs" ] ||
        log "note: it runs from $in_use, not from this recipe's $rootfs (stop.sh, then start.sh, to switch)"
    wait_until_ready
    report
    exit 0
fi

# --- 1. root filesystem (once per recipe) ----------------------------------------
build_dir=''
cleanup() {
    status=$?
    if [ -n "$build_dir" ] && [ -d "$build_dir" ]; then
        # debootstrap may leave /proc, /sys or /dev mounted on failure: never rm through a mount.
        awk -v prefix="$build_dir/" 'index($2, prefix) == 1 { print $2 }' /proc/self/mounts |
            sort -r | while read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done
        if awk -v prefix="$build_dir/" 'index($2, prefix) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
            log "warning: something is still mounted under $build_dir; leaving it in place"
        else
            rm -rf --one-file-system "$build_dir"
        fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

if [ ! -f "$DOCKER26_CACHE/$key/complete" ]; then
    mkdir -p "$DOCKER26_CACHE"
    free_kb=$(df -Pk "$DOCKER26_CACHE" | awk 'NR == 2 { print $4 }')
    [ "${free_kb:-0}" -ge "$MIN_FREE_KB" ] ||
        die "not enough free space in $DOCKER26_CACHE: ${free_kb:-?} KB free, need $MIN_FREE_KB KB"
    build_started=$(date +%s)
    build_dir=$(mktemp -d "$DOCKER26_CACHE/.build.XXXXXX")
    log "building the $SUITE root filesystem with $PACKAGES in $build_dir (a minute or two)"
    # No mirror argument: debootstrap's default mirror is used.
    debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$build_dir/rootfs" >&2
    # What dockerd runs (looked up on PATH), and the loader cache mounted over the host's.
    for cmd in dockerd containerd containerd-shim-runc-v2 runc docker-proxy docker-init docker; do
        [ -e "$build_dir/rootfs/usr/bin/$cmd" ] || [ -e "$build_dir/rootfs/usr/sbin/$cmd" ] ||
            die "$cmd missing from the $SUITE root filesystem"
    done
    [ -e "$build_dir/rootfs/etc/ld.so.cache" ] || die "/etc/ld.so.cache missing from the root filesystem"
    rm -rf "$build_dir"/rootfs/var/cache/apt/archives/*.deb "$build_dir"/rootfs/var/lib/apt/lists/*
    # Mount point for the host's kernel modules (dockerd may modprobe).
    mkdir -p "$build_dir/rootfs/usr/lib/modules"
    rm -rf "${DOCKER26_CACHE:?}/$key"
    mv "$build_dir" "$DOCKER26_CACHE/$key"
    build_dir=''
    : > "$DOCKER26_CACHE/$key/complete"
    log "root filesystem built in $(( $(date +%s) - build_started )) s, $(du -sh --one-file-system "$rootfs" | cut -f1)"
    # Older recipes' root filesystems: nothing runs from them (the engine is stopped here).
    for old in "$DOCKER26_CACHE"/*/; do
        old=${old%/}
        [ "$old" = "$DOCKER26_CACHE/$key" ] || [ ! -f "$old/complete" ] && continue
        log "removing the root filesystem of an older recipe: $old"
        rm -rf --one-file-system "$old"
    done
fi

# --- 2. network: own default bridge, firewall rule -------------------------------
if ! ip link show "$DOCKER26_BRIDGE" >/dev/null 2>&1; then
    ip link add "$DOCKER26_BRIDGE" type bridge
fi
if ! ip -4 addr show dev "$DOCKER26_BRIDGE" | grep -q "inet $DOCKER26_BRIDGE_CIDR "; then
    ip addr add "$DOCKER26_BRIDGE_CIDR" dev "$DOCKER26_BRIDGE"
fi
ip link set "$DOCKER26_BRIDGE" up
docker26_forward_rule -C 2>/dev/null || docker26_forward_rule -A

# --- 3. configuration ----------------------------------------------------------------
# Written to our own file: dockerd would otherwise read the system engine's
# /etc/docker/daemon.json. "dns": see settings.sh, DOCKER26_UPSTREAM_DNS.
mkdir -p "$DOCKER26_EXEC_ROOT" "$DOCKER26_DATA_ROOT" "$(dirname "$DOCKER26_LOG")"
cat > "$DOCKER26_CONFIG" <<EOF
{
  "hosts": ["$DOCKER26_HOST"],
  "data-root": "$DOCKER26_DATA_ROOT",
  "exec-root": "$DOCKER26_EXEC_ROOT",
  "pidfile": "$DOCKER26_PIDFILE",
  "bridge": "$DOCKER26_BRIDGE",
  "iptables": false,
  "ip6tables": false,
  "ip-forward": false,
  "ip-masq": false,
  "userland-proxy": true,
  "default-address-pools": [{"base": "$DOCKER26_ADDRESS_POOL", "size": $DOCKER26_ADDRESS_POOL_SIZE}],
  "cgroup-parent": "$DOCKER26_CGROUP_PARENT",
  "dns": ["$DOCKER26_UPSTREAM_DNS"]
}
EOF

# --- the system engine's default bridge -------------------------------------------------
# dockerd (26) deletes an interface named docker0 at start when its own default bridge has
# another name; that docker0 is the system engine's, whose containers on its default network
# then fail to start ("could not find bridge docker0"). Remember it, and put it back as it was.
system_bridge_addresses=$(ip -4 -o addr show dev docker0 2>/dev/null | awk '{ print $4 }' || true)
system_bridge_existed=false
ip link show docker0 >/dev/null 2>&1 && system_bridge_existed=true
restore_system_bridge() {
    if [ "$system_bridge_existed" = true ] && ! ip link show docker0 >/dev/null 2>&1; then
        ip link add docker0 type bridge
        for address in $system_bridge_addresses; do
            ip addr add "$address" dev docker0
        done
        ip link set docker0 up
        log "put back the system engine's bridge docker0 ($system_bridge_addresses), which dockerd 26 removed"
    fi
}

# --- 4. start -------------------------------------------------------------------------
# In the new mount namespace (propagation slave: host mounts still show up inside, nothing
# mounted inside leaks out): the root filesystem's dynamic-loader cache, the host's kernel
# modules inside the root filesystem's /usr, then that /usr over the host's, and dockerd.
log "starting dockerd from $rootfs"
printf '%s\n' "$rootfs" > "$DOCKER26_ROOTFS_MARK"
{
    printf '\n=== %s start.sh: starting dockerd from %s\n' "$(date -u +%FT%TZ)" "$rootfs"
} >> "$DOCKER26_LOG"
# shellcheck disable=SC2016
PATH=$DOCKER26_PATH setsid unshare --mount --propagation slave -- /bin/sh -c '
    set -e
    rootfs=$1
    shift
    mount --bind "$rootfs/etc/ld.so.cache" /etc/ld.so.cache
    if [ -d /usr/lib/modules ]; then mount --rbind /usr/lib/modules "$rootfs/usr/lib/modules"; fi
    mount --rbind "$rootfs/usr" /usr
    exec /usr/sbin/dockerd "$@"
' docker26-start "$rootfs" --config-file "$DOCKER26_CONFIG" \
    </dev/null >>"$DOCKER26_LOG" 2>&1 9>&- &
launched_pid=$!
wait_until_ready
restore_system_bridge
report
