#!/bin/sh
# Stops the second Docker engine started by start.sh and removes what start.sh added to the
# host's network: the bridges of its networks, its default bridge, its firewall rule.
# Images, containers and volumes stay in its data root for the next start, unless --purge
# is given (then the data root is deleted too). The cached root filesystem always stays.
# The system's own engine is never touched.
#
# Usage (as root):  sh tools/docker26/stop.sh [--purge]
set -eu

STOP_TIMEOUT_S=60

log() { printf 'docker26: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$here/settings.sh"

purge=false
case ${1:-} in
    '') ;;
    --purge) purge=true ;;
    *) die "unknown argument: $1 (usage: stop.sh [--purge])" ;;
esac
[ "$(id -u)" -eq 0 ] || die "must run as root"

pid=$(docker26_pid)
bridges=''
if [ -n "$pid" ]; then
    # Bridges of this engine's networks: dockerd leaves them behind when it exits (it
    # recreates them at its next start), and they would keep routing their subnets.
    bridges=$(docker26_client network ls --quiet --no-trunc --filter driver=bridge 2>/dev/null |
        while read -r id; do
            name=$(docker26_client network inspect --format \
                '{{index .Options "com.docker.network.bridge.name"}}' "$id" 2>/dev/null || true)
            name=${name:-br-$(printf '%.12s' "$id")}
            # Only bridges this engine made for its own networks (br-<id>; its default bridge is
            # handled below by name). Anything else, docker0 above all, is the system engine's.
            case $name in
                br-*) printf '%s\n' "$name" ;;
            esac
        done) || true
    containerd_pid=$(cat "$DOCKER26_EXEC_ROOT/containerd/containerd.pid" 2>/dev/null || true)
    log "stopping dockerd (pid $pid; it stops its containers first)"
    kill -TERM "$pid"
    waited=0
    while [ -n "$(docker26_pid)" ] && [ "$waited" -lt "$STOP_TIMEOUT_S" ]; do
        sleep 1
        waited=$((waited + 1))
    done
    if [ -n "$(docker26_pid)" ]; then
        log "dockerd still runs after $STOP_TIMEOUT_S s: killing it"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 1
    fi
    # The containerd dockerd started normally exits with it.
    if [ -n "$containerd_pid" ] && [ "$(cat "/proc/$containerd_pid/comm" 2>/dev/null)" = containerd ]; then
        log "stopping its containerd (pid $containerd_pid)"
        kill -TERM "$containerd_pid" 2>/dev/null || true
    fi
else
    log "not running"
fi

for bridge in $bridges "$DOCKER26_BRIDGE"; do
    # Only bridges: never delete an interface of another kind by mistake.
    if [ -d "/sys/class/net/$bridge/bridge" ]; then
        ip link delete "$bridge" type bridge && log "removed bridge $bridge"
    fi
done

if command -v iptables >/dev/null 2>&1; then
    while docker26_forward_rule -C 2>/dev/null; do
        docker26_forward_rule -D
        log "removed the firewall rule ($DOCKER26_RULE_COMMENT)"
    done
fi

rm -f "$DOCKER26_PIDFILE" "$DOCKER26_SOCKET" "$DOCKER26_CONFIG" "$DOCKER26_ROOTFS_MARK"

if [ "$purge" = true ]; then
    if awk -v prefix="$DOCKER26_DATA_ROOT/" 'index($2, prefix) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
        die "something is still mounted under $DOCKER26_DATA_ROOT; not deleting it"
    fi
    rm -rf --one-file-system "$DOCKER26_DATA_ROOT"
    log "deleted the data root $DOCKER26_DATA_ROOT"
fi
log "stopped"
