#!/bin/sh
# pg-cluster status: the replication view of one stack in one table, from each node's own
# pg_stat_replication, pg_stat_wal_receiver and pg_replication_slots (README: Check replication).
#
#   ops/status.sh [STACK [PROJECT]]
#
# STACK defaults to the selected Pulumi stack (`pulumi stack --show-name`), PROJECT to pg-cluster.
# Nodes are found by their labels on the Docker engine the docker CLI talks to (DOCKER_HOST), and
# asked over their Unix sockets (docker exec), so a stopped, lagging or stale node is shown too.
# Columns, per node:
#   node, container   its name and Docker state (with health)
#   role              primary (accepts writes), standby, or ? (not running)
#   receiver          a standby's WAL receiver: streaming, waiting, … and the host it streams from
#   sync              its sync_state on the primary (async, quorum, sync, potential)
#   sent … replay     LSNs on the primary: sent to it, written, flushed, replayed; the primary's
#                     own row shows its current WAL position under "sent"
#   lag               bytes not yet replayed, and pg_stat_replication.replay_lag
#   slot              its slot on the primary: active, wal_status, WAL held back
# Exit status: 0 when there is exactly one primary and every running standby streams from it,
# 1 otherwise (the table says why), 2 when the stack has no node on this engine.
set -eu

stack=${1:-$(pulumi stack --show-name 2>/dev/null || true)}
project=${2:-pg-cluster}
if [ -z "$stack" ]; then
    echo "status: name the stack (ops/status.sh STACK), or select one with pulumi stack select" >&2
    exit 2
fi

nodes=$(docker ps -a --filter "label=pg-cluster.project=$project" --filter "label=pg-cluster.stack=$stack" \
    --filter label=pg-cluster.seed --format '{{.Label "pg-cluster.node"}} {{.Names}}' | sort)
if [ -z "$nodes" ]; then
    echo "status: no node of stack $stack (project $project) on this Docker engine (DOCKER_HOST=${DOCKER_HOST:-default})" >&2
    exit 2
fi

# q CONTAINER SQL: '|'-separated rows over the node's socket; empty when the node does not answer.
# A superuser session, hardened like every one pg-cluster opens (search_path pinned: nothing a client
# role made stands in for a built-in).
q() {
    docker exec -u postgres -e PGOPTIONS='-c search_path=pg_catalog,pg_temp' "$1" \
        psql -X -q -At -F '|' -d postgres -c "$2" 2>/dev/null || true
}

primaries="" problems=""
rows=$(mktemp)
trap 'rm -f "$rows" "$rows.roles"' EXIT
printf 'node|container|role|receiver|sync|sent|write|flush|replay|lag bytes|lag time|slot\n' >"$rows"

# First the roles, to find the primary whose views describe the standbys.
echo "$nodes" | {
    while read -r node container; do
        state=$(docker container inspect --format '{{.State.Status}}{{if .State.Health}} ({{.State.Health.Status}}){{end}}' "$container")
        role="?"
        case "$state" in
            running*) case "$(q "$container" "SELECT pg_is_in_recovery()")" in
                          f) role=primary ;;
                          t) role=standby ;;
                      esac ;;
        esac
        echo "$node $container $role $(printf '%s' "$state" | tr ' ' '_')"
    done
} >"$rows.roles"

while read -r node container role state; do
    [ "$role" = primary ] && primaries="$primaries $node"
done <"$rows.roles"
set -- $primaries
primary="" primary_container=""
if [ "$#" -eq 1 ]; then
    primary=$1
    primary_container=$(awk -v n="$1" '$1 == n { print $2 }' "$rows.roles")
elif [ "$#" -eq 0 ]; then
    problems="$problems; no node accepts writes"
else
    problems="$problems; several nodes accept writes:$primaries"
fi

while read -r node container role state; do
    state=$(printf '%s' "$state" | tr '_' ' ')
    receiver="" sync="" sent="" write="" flush="" replay="" lag="" lagtime="" slot=""
    if [ "$role" = primary ]; then
        sent=$(q "$container" "SELECT pg_current_wal_lsn()")
    fi
    if [ "$role" = standby ]; then
        receiver=$(q "$container" "SELECT status || ' from ' || coalesce(sender_host, '?') FROM pg_stat_wal_receiver")
        receiver=${receiver:-none}
        case "$receiver" in
            streaming*) ;;
            *) problems="$problems; $node does not stream (WAL receiver: $receiver)" ;;
        esac
    fi
    if [ -n "$primary_container" ] && [ "$role" != primary ]; then
        repl=$(q "$primary_container" "SELECT sync_state, sent_lsn, write_lsn, flush_lsn, replay_lsn,
                pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint, coalesce(replay_lag::text, '0')
            FROM pg_stat_replication WHERE application_name = '$node' ORDER BY backend_start DESC LIMIT 1")
        if [ -n "$repl" ]; then
            IFS='|' read -r sync sent write flush replay lag lagtime <<EOF
$repl
EOF
        fi
        slot=$(q "$primary_container" "SELECT CASE WHEN active THEN 'active' ELSE 'inactive' END || ' ' || coalesce(wal_status, '?')
                || ' ' || coalesce(pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)), '-')
            FROM pg_replication_slots WHERE slot_name = '$node'")
        slot=${slot:-none}
        case "$slot" in
            *" lost "* | *" unreserved "*) problems="$problems; the slot of $node is ${slot#* }" ;;
        esac
    fi
    printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$node" "$state" "$role" "$receiver" "$sync" "$sent" "$write" \
        "$flush" "$replay" "$lag" "$lagtime" "$slot" >>"$rows"
done <"$rows.roles"

awk -F '|' '
    { for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > width[i]) width[i] = length($i) } n = NF; rows = NR }
    END {
        for (r = 1; r <= rows; r++) {
            line = ""
            for (i = 1; i <= n; i++) line = line sprintf("%-" width[i] "s", cell[r, i]) (i < n ? "  " : "")
            sub(/ +$/, "", line)
            print line
        }
    }' "$rows"

if [ -n "$problems" ]; then
    echo "status: ${problems#; }"
    exit 1
fi
echo "status: one primary ($primary), every running standby streams"
