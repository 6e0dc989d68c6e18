#!/bin/sh
# pg-cluster step "handover" (ha: none), one per node: when the node's container is a Patroni
# member (the stack switches from ha: patroni back to none), stops it and makes its data
# directory a plain server's again (init/patroni/handover-in-container.sh), so that the node
# starts on the same data. Otherwise (a stack that never ran Patroni, or whose switch is done) it
# does nothing. Patroni's own files (its configuration, secrets, control-plane key) stay on the
# volume, unused: a switch that stops halfway can be undone by starting the members again.
#
# Every node's volume waits for the primary's hand-over, and the primary's waits for every
# replica's: the Patroni replicas stop first, then the leader (a clean stop: a checkpoint, and its
# leader key released when no replica is left to take it). The program checked before that the
# member that leads is the configured primary.
#
# Runs where Pulumi runs, through the docker CLI of the node's Docker host.
#   PGC_NODE, PGC_CONTAINER     the node and its container
#   PGC_ROLE                    primary | replica (ha: none's role of the node)
#   PGC_VOLUME, PGC_IMAGE       its data volume and the cluster's image (the one-off container)
#   PGC_MEMBER_LABEL            label=value that marks a Patroni member's container
#   PGC_CLEAN_SCRIPT            init/patroni/handover-in-container.sh
#   PGC_PROJECT, PGC_STACK, PGC_NAME_PREFIX   labels and name of the one-off container
set -eu

pgc_require PGC_NODE PGC_CONTAINER PGC_ROLE PGC_VOLUME PGC_IMAGE PGC_MEMBER_LABEL PGC_CLEAN_SCRIPT \
    PGC_PROJECT PGC_STACK PGC_NAME_PREFIX

label_key=${PGC_MEMBER_LABEL%%=*}
label_value=${PGC_MEMBER_LABEL#*=}
if ! found=$(docker container inspect --format "{{index .Config.Labels \"$label_key\"}}" "$PGC_CONTAINER" 2>&1); then
    case "$found" in
        *"No such container"* | *"no such container"*) found="" ;;
        *) echo "pg-cluster: $PGC_NODE: cannot inspect $PGC_CONTAINER: $found" >&2; exit 1 ;;
    esac
fi
if [ "$found" != "$label_value" ]; then
    echo "pg-cluster: $PGC_NODE runs no Patroni member: nothing to hand over"
    exit 0
fi

state=$(docker container inspect --format '{{.State.Status}}' "$PGC_CONTAINER")
if [ "$state" = running ] && [ "$PGC_ROLE" = primary ]; then
    # The replicas stopped before this step: the leader is the one server left. It must still
    # be the one that accepts writes (the program saw it lead; Patroni may have moved it since).
    leads=$(pgc_psql "$PGC_CONTAINER" postgres -At -c 'SELECT NOT pg_catalog.pg_is_in_recovery()' </dev/null 2>&1) || true
    if [ "$leads" != t ]; then
        echo "pg-cluster: $PGC_NODE (pg-cluster:primary) no longer leads ($leads): the switch to ha: none stops here," \
            "with the Patroni replicas stopped (their files are kept). Start them (docker start), let Patroni" \
            "elect a leader, set pg-cluster:primary to it and run pulumi up again" >&2
        exit 1
    fi
fi
if [ "$state" != exited ] && [ "$state" != created ]; then
    # SIGTERM: Patroni stops PostgreSQL with a checkpoint (its fast shutdown) before it exits. The
    # shutdown checkpoint of a busy server can take minutes: Docker must not kill it before.
    docker stop --time 900 "$PGC_CONTAINER" >/dev/null
fi
code=$(docker container inspect --format '{{.State.ExitCode}}' "$PGC_CONTAINER")
echo "pg-cluster: $PGC_NODE: Patroni stopped (exit code $code)" >&2

runner="$PGC_NAME_PREFIX-$PGC_NODE-handover"
docker rm -f -v "$runner" >/dev/null 2>&1 || true
# shellcheck disable=SC2086 # PGC_ONE_OFF_HARDENING is a list of options
docker run --rm --name "$runner" --user postgres --network none $PGC_ONE_OFF_HARDENING \
    --volume "$PGC_VOLUME:/var/lib/postgresql/data" \
    --label "pg-cluster.project=$PGC_PROJECT" --label "pg-cluster.stack=$PGC_STACK" --label "pg-cluster.node=$PGC_NODE" \
    --label pg-cluster.role=handover --env PGC_NODE --env PGC_ROLE \
    "$PGC_IMAGE" sh -c "$PGC_CLEAN_SCRIPT" >&2
echo "pg-cluster: $PGC_NODE handed over from Patroni as the $PGC_ROLE"
