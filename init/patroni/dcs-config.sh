#!/bin/sh
# pg-cluster step "dcs-config" (ha: patroni): makes the configuration Patroni keeps in the DCS
# (timings, failover bounds, synchronous mode, the PostgreSQL settings every node shares) what the
# stack declares, through Patroni's REST API (PATCH /config) on the first member that runs. The
# step's input holds the configuration, so it runs again exactly when a declared value changes.
# Patroni applies a changed setting to every member with a reload where PostgreSQL allows it; a
# setting that needs a restart (max_connections, max_wal_senders, …) is then applied by restarting
# the members that wait for it one at a time, each running again (a replica streaming) before the
# next: never two members down at once. The replicas go first, the leader last; but a value some
# replicas must have at least as high as their leader's (max_connections, …) that is lowered
# reaches a replica only after the leader runs it and the replica replayed that (PostgreSQL keeps
# the leader's values in the replica's control file), so such a replica is restarted after the
# leader.
#
# Runs where Pulumi runs, through the docker CLI. A member that does not run is left out (the
# step says so): started later, it applies the configuration itself, but a restart it then waits
# for (patronictl list shows it) is not made until the next change of the configuration.
#   PGC_MEMBER_CONTAINERS   the Patroni members' containers, space-separated
#   PGC_DCS_CONFIG          the dynamic configuration (JSON)
#   PGC_PATCH_SCRIPT        init/patroni/patch-config.py
#   PGC_PGDATA, PGC_BIN_DIR the members' data directory and PostgreSQL's programs
#   PGC_TIMEOUT_SECONDS     how long the restarts may take, all together
set -eu

pgc_require PGC_MEMBER_CONTAINERS PGC_DCS_CONFIG PGC_PATCH_SCRIPT PGC_PGDATA PGC_BIN_DIR PGC_TIMEOUT_SECONDS

# member CONTAINER ACTION: patch-config.py's ACTION in CONTAINER, the declared configuration on stdin.
member() {
    printf '%s\n' "$PGC_DCS_CONFIG" |
        pgc_on "$(pgc_node_of "$1")" docker exec -i "$1" python3 -c "$PGC_PATCH_SCRIPT" "$PGC_CONF_DIR" "$PGC_PGDATA" \
            "$PGC_BIN_DIR" "$2"
}

running="" stopped=""
for container in $PGC_MEMBER_CONTAINERS; do
    state=$(pgc_on "$(pgc_node_of "$container")" pgc_container_state "$container") || state=unknown
    if [ "$state" = unknown ]; then
        echo "pg-cluster: cannot ask the Docker host of $container whether it runs: the DCS configuration was not set. Run pulumi up again once it answers" >&2
        exit 1
    fi
    if [ "$state" = running ]; then
        running="$running $container"
    else
        stopped="$stopped $container"
    fi
done
if [ -z "$running" ]; then
    echo "pg-cluster: no Patroni member runs ($PGC_MEMBER_CONTAINERS): the DCS configuration cannot be set" >&2
    exit 1
fi
if [ -n "$stopped" ]; then
    echo "pg-cluster: not running, so neither checked nor restarted:$stopped"
fi
set -- $running
changed=$(member "$1" patch)
echo "pg-cluster: the DCS holds the declared configuration ($changed)"
# Every run looks for members that wait for a restart, changed or not: a run that stopped halfway
# (a restart that failed) leaves them waiting, and the DCS already holds the configuration then.
# Each member is restarted once: the replicas that can go first, then the leader, then the
# replicas that waited for the leader's lower value (once they replayed it).
deadline=$(( $(date +%s) + PGC_TIMEOUT_SECONDS ))
while :; do
    now="" later="" leader=""
    for container in $running; do
        status=$(member "$container" settled) || {
            echo "pg-cluster: $container did not apply the DCS configuration (above); run pulumi up again once it runs" >&2
            exit 1
        }
        case "$status" in
            "primary 1") leader=$container ;;
            "replica 1") now="$now $container" ;;
            "replica 2") later="$later $container" ;;
        esac
    done
    [ -n "$now$later$leader" ] || break
    if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "pg-cluster: still waiting for a restart after ${PGC_TIMEOUT_SECONDS}s:$now$later $leader" >&2
        exit 1
    fi
    if [ -z "$now$leader" ]; then
        # The leader runs the lower value already: these replicas have yet to replay it.
        sleep 1
        continue
    fi
    for container in $now $leader; do
        echo "pg-cluster: restarting $container to apply a setting"
        member "$container" restart >/dev/null || {
            echo "pg-cluster: the restart of $container failed (above); the members before it run the new settings" >&2
            exit 1
        }
    done
done
echo "pg-cluster: every running member applied the declared configuration"
