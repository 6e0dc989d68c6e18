#!/bin/sh
# pg-cluster step "leader" (ha: patroni, with pg-cluster:primary set): makes the preferred member
# the leader through a planned switchover of Patroni's (init/patroni/switchover.py, run in the
# first member that runs). It runs when the preference changes, and when the program found
# another member leading (PGC_FOUND, with the time, so that each finding is new).
#   PGC_PREFERRED           the preferred member (pg-cluster:primary)
#   PGC_MEMBER_CONTAINERS   the Patroni members' containers, space-separated
#   PGC_MAX_LAG_BYTES       how far behind the candidate may be
#   PGC_TIMEOUT_SECONDS     how long to wait for it to lead
#   PGC_SYNCHRONOUS         on | off: whether the candidate must be a synchronous or quorum standby
#   PGC_SWITCHOVER_SCRIPT   init/patroni/switchover.py
set -eu

pgc_require PGC_PREFERRED PGC_MEMBER_CONTAINERS PGC_MAX_LAG_BYTES PGC_TIMEOUT_SECONDS PGC_SYNCHRONOUS PGC_SWITCHOVER_SCRIPT
if [ -n "${PGC_FOUND:-}" ]; then
    echo "pg-cluster: found $PGC_FOUND" >&2
fi
for container in $PGC_MEMBER_CONTAINERS; do
    state=$(pgc_on "$(pgc_node_of "$container")" pgc_container_state "$container") || state=unknown
    [ "$state" = running ] || continue
    pgc_on "$(pgc_node_of "$container")" docker exec "$container" python3 -c "$PGC_SWITCHOVER_SCRIPT" "$PGC_CONF_DIR" \
        "$PGC_PREFERRED" \
        "$PGC_MAX_LAG_BYTES" "$PGC_TIMEOUT_SECONDS" "$PGC_SYNCHRONOUS"
    exit 0
done
echo "pg-cluster: no Patroni member runs ($PGC_MEMBER_CONTAINERS): cannot make $PGC_PREFERRED the leader" >&2
exit 1
