# Names and places of the second Docker engine (Docker >= 26 from Debian trixie), shared by
# start.sh, stop.sh and the docker wrapper. Sourced, not executed.

# Everything the running engine keeps in memory-backed /run: socket, pid file, exec root
# (containerd state, network namespaces), generated daemon.json, start lock.
DOCKER26_RUN_DIR=/run/docker26
DOCKER26_SOCKET=$DOCKER26_RUN_DIR/docker.sock
DOCKER26_HOST=unix://$DOCKER26_SOCKET
DOCKER26_PIDFILE=$DOCKER26_RUN_DIR/dockerd.pid
DOCKER26_EXEC_ROOT=$DOCKER26_RUN_DIR/exec
DOCKER26_CONFIG=$DOCKER26_RUN_DIR/daemon.json
# Records which root filesystem the running engine uses (stop/prune must not pull it away).
DOCKER26_ROOTFS_MARK=$DOCKER26_RUN_DIR/rootfs

# Persistent: images and volumes survive a stop/start; the root filesystem is built once.
DOCKER26_CACHE=${PG_CLUSTER_DOCKER26_CACHE:-/var/cache/pg-cluster/docker26}
DOCKER26_DATA_ROOT=${PG_CLUSTER_DOCKER26_DATA:-/var/lib/docker26}
DOCKER26_LOG=${PG_CLUSTER_DOCKER26_LOG:-/var/log/docker26.log}

# Network. The engine shares the host's network namespace (so ports it publishes on 127.0.0.1
# are the host's 127.0.0.1) but leaves iptables to the system engine. Its default bridge is
# its own (docker0 belongs to the system engine) and its automatic subnets come from a range
# the system engine does not use.
DOCKER26_BRIDGE=docker26
DOCKER26_BRIDGE_CIDR=10.225.255.1/24
DOCKER26_ADDRESS_POOL=10.226.0.0/16
DOCKER26_ADDRESS_POOL_SIZE=24
# Upstream of the containers' embedded DNS server (127.0.0.11), which asks it for every name
# that is not a container. Without NAT (no iptables) the host's nameserver is unreachable from
# a container, so each such lookup (e.g. of a container that has just been removed) would stall
# ~16 s in timeouts. Nothing listens on port 53 at this address: the lookup fails at once.
DOCKER26_UPSTREAM_DNS=127.0.0.1
# Cgroup parent of its containers (the system engine uses /docker).
DOCKER26_CGROUP_PARENT=/docker26
# Comment that marks the one firewall rule start.sh adds (see start.sh, "firewall").
DOCKER26_RULE_COMMENT=pg-cluster-docker26

DOCKER26_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# The firewall rule, one definition for adding (-A), checking (-C) and deleting (-D) it.
# Why it is needed: the system engine sets the host's FORWARD policy to DROP and, with
# br_netfilter (bridge-nf-call-iptables=1), frames between two containers on one bridge pass
# through FORWARD. It accepts them only on its own bridges, so without this rule containers on
# this engine's networks could not talk to each other. --physdev-is-bridged matches traffic that
# stays on one bridge (switched), never traffic routed between two networks, so the system
# engine's isolation between its networks is kept.
docker26_forward_rule() {
    iptables -w "$1" FORWARD -m physdev --physdev-is-bridged \
        -m comment --comment "$DOCKER26_RULE_COMMENT" -j ACCEPT
}

# The pid of the running engine's dockerd, or nothing.
docker26_pid() {
    _pid=$(cat "$DOCKER26_PIDFILE" 2>/dev/null) || return 0
    case $_pid in '' | *[!0-9]*) return 0 ;; esac
    # comm is "dockerd" also for a zombie that nobody reaped yet: check the state too.
    [ "$(cat "/proc/$_pid/comm" 2>/dev/null)" = dockerd ] &&
        [ "$(awk '{ print $3 }' "/proc/$_pid/stat" 2>/dev/null)" != Z ] &&
        printf '%s\n' "$_pid"
    return 0
}

# The engine's own docker CLI (26.x), run in the engine's mount namespace where /usr is
# the trixie root filesystem's. Needs the engine to run.
docker26_client() {
    _pid=$(docker26_pid)
    [ -n "$_pid" ] || { echo "docker26: the engine is not running" >&2; return 1; }
    PATH=$DOCKER26_PATH nsenter --target "$_pid" --mount -- \
        /usr/bin/docker --host "$DOCKER26_HOST" "$@"
}
