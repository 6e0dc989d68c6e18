#!/bin/sh
# Planned switchover through patronictl (REST API POST /switchover on the
# leader, with client certificate and basic auth) under the steady writer:
# the write gap is the longest time between two acknowledged writes.
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$here/lib.sh"

old=$(leader); [ -n "$old" ] || die "no leader"
candidate=${1:-}
if [ -z "$candidate" ]; then for m in $PG_MEMBERS; do [ "$m" = "$old" ] || { candidate=$m; break; }; done; fi
writer_start "${2:-2000000}"
sleep 4
t0=$(now)
patronictl_on "$old" switchover --leader "$old" --candidate "$candidate" --force >&2
t1=$(now)
log "patronictl switchover returned after $(elapsed "$t0" "$t1") s"
log "leader $(leader), 2 streaming replicas after $(wait_until 120 'old leader streams again' has_leader_and 2) s more"
sleep 2
writer_stop
writer_log | awk -v t="$t0" '$2 == "ok" { if (p && $1 > t - 1 && $1 - p > gap) { gap = $1 - p; at = p } p = $1 }
    END { printf "longest gap between acknowledged writes: %.2f s (from %.2f s after the command)\n", gap, at - t }' >&2
log "$(check_acknowledged)"
patronictl_on "$(leader)" list >&2
