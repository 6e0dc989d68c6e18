#!/bin/sh
# pg-cluster step "dcs-config" (ha: patroni): makes the configuration Patroni keeps in the DCS
# (timings, failover bounds, synchronous mode, the PostgreSQL settings every node shares) what the
# stack declares, through Patroni's REST API (PATCH /config) on the first member that runs. The
# step's input holds the configuration, so it runs again exactly when a declared value changes.
# Patroni applies a changed setting to every member with a reload where PostgreSQL allows it; a
# setting that needs a restart (max_connections, max_wal_senders, …) is then applied by restarting
# the members that wait for it one at a time, the replicas first and the leader last, each running
# again (a replica streaming) before the next: never two members down at once. A setting lowered
# on the leader can leave the replicas waiting again (PostgreSQL keeps them at least at the
# leader's value until they replayed its change), so the rounds go on until no member waits.
#
# Runs where Pulumi runs, through the docker CLI.
#   PGC_MEMBER_CONTAINERS   the Patroni members' containers, space-separated
#   PGC_DCS_CONFIG          the dynamic configuration (JSON)
#   PGC_PATCH_SCRIPT        init/patroni/patch-config.py
#   PGC_PGDATA              the members' data directory
set -eu

pgc_require PGC_MEMBER_CONTAINERS PGC_DCS_CONFIG PGC_PATCH_SCRIPT PGC_PGDATA

# member CONTAINER ACTION: patch-config.py's ACTION in CONTAINER, the declared configuration on stdin.
member() {
    printf '%s\n' "$PGC_DCS_CONFIG" | docker exec -i "$1" python3 -c "$PGC_PATCH_SCRIPT" "$PGC_CONF_DIR" "$PGC_PGDATA" "$2"
}

running=""
for container in $PGC_MEMBER_CONTAINERS; do
    state=$(docker container inspect --format '{{.State.Status}}' "$container" 2>/dev/null) || state=missing
    if [ "$state" = running ]; then
        running="$running $container"
    fi
done
if [ -z "$running" ]; then
    echo "pg-cluster: no Patroni member runs ($PGC_MEMBER_CONTAINERS): the DCS configuration cannot be set" >&2
    exit 1
fi
set -- $running
changed=$(member "$1" patch)
echo "pg-cluster: the DCS holds the declared configuration ($changed)"
# Every run looks for members that wait for a restart, changed or not: a run that stopped halfway
# (a restart that failed) leaves them waiting, and the DCS already holds the configuration then.
round=1
while :; do
    replicas="" leader=""
    for container in $running; do
        status=$(member "$container" settled) || {
            echo "pg-cluster: $container did not apply the DCS configuration (above); run pulumi up again once it runs" >&2
            exit 1
        }
        case "$status" in
            "primary 1") leader=$container ;;
            "replica 1") replicas="$replicas $container" ;;
        esac
    done
    [ -n "$replicas$leader" ] || break
    if [ "$round" -gt 4 ]; then
        echo "pg-cluster: still waiting for a restart after 4 rounds:$replicas $leader" >&2
        exit 1
    fi
    for container in $replicas $leader; do
        echo "pg-cluster: restarting $container to apply a setting (round $round)"
        member "$container" restart >/dev/null || {
            echo "pg-cluster: the restart of $container failed (above); the members before it run the new settings" >&2
            exit 1
        }
    done
    round=$((round + 1))
done
echo "pg-cluster: every running member applied the declared configuration"
