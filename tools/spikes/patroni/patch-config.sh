#!/bin/sh
# PATCH /config on the leader's REST API (client certificate + basic auth):
# a DCS setting must reach every member without restarting PostgreSQL.
# Default: work_mem (reload), and a Patroni setting (maximum_lag_on_failover).
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$here/lib.sh"

L=$(leader); [ -n "$L" ] || die "no leader"
value=${1:-24MB}
before=''
for m in $PG_MEMBERS; do before="$before $m=$(echo 'SELECT pg_postmaster_start_time()' | psql_in "$m")"; done
t0=$(now)
log "without basic auth: $(rest "$L" PATCH /config '{"postgresql":{"parameters":{"work_mem":"'"$value"'"}}}' '' || true)"
rest "$L" PATCH /config '{"maximum_lag_on_failover":33554432,"postgresql":{"parameters":{"work_mem":"'"$value"'"}}}' auth | cut -c1-120 >&2
for m in $PG_MEMBERS; do
    s=$(wait_until 60 "work_mem on $m" sh -c "echo 'SHOW work_mem' | docker exec -i $PREFIX-$m psql -h /var/run/postgresql -U postgres -XAtq | grep -qx '$value'")
    log "$m: work_mem=$value $(elapsed "$t0" "$(now)") s after the PATCH"
done
after=''
for m in $PG_MEMBERS; do after="$after $m=$(echo 'SELECT pg_postmaster_start_time()' | psql_in "$m")"; done
[ "$before" = "$after" ] && log "no PostgreSQL restarted (postmaster start times unchanged)" || log "RESTARTED: before$before after$after"
patronictl_on "$L" show-config 2>/dev/null | grep -E 'maximum_lag_on_failover|work_mem' >&2
patronictl_on "$L" list >&2
