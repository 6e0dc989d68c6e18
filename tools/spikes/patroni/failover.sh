#!/bin/sh
# SIGKILL of the leader's container under the steady writer: time until a new
# leader acknowledges a write; then the old leader is started again and must
# rejoin as a streaming replica (pg_rewind); every acknowledged id is checked.
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$here/lib.sh"

old=$(leader); [ -n "$old" ] || die "no leader"
writer_start "${1:-1000000}"
sleep 4
t0=$(now)
docker kill -s KILL "$PREFIX-$old" >/dev/null
log "killed leader $old"
until r=$(first_ok_after "$t0") && [ -n "$r" ]; do sleep 0.2; done
log "first acknowledged write after the kill: $r (seconds, node)"
log "a new leader with 1 streaming replica after $(wait_until 60 'new leader' has_leader_and 1) s more: $(leader)"
new=$(leader)
# Where the time went: the new leader's own log (times in UTC, like date -u).
log "killed at $(date -u -d @"$t0" +%H:%M:%S.%N | cut -c1-12) UTC; on $new:"
docker logs --since "$(date -d @"${t0%.*}" +%Y-%m-%dT%H:%M:%S)" "$PREFIX-$new" 2>&1 |
    grep -E 'promoted self|acquired session lock|starting as a primary|database system is ready to accept connections|received promote' | head -5 >&2
t1=$(now)
docker start "$PREFIX-$old" >/dev/null
log "old leader $old started again"
log "2 streaming replicas $(wait_until 120 'old leader rejoins' has_leader_and 2) s after its start"
writer_stop
log "$(check_acknowledged)"
docker logs --since "$(date -d @"${t1%.*}" +%Y-%m-%dT%H:%M:%S)" "$PREFIX-$old" 2>&1 | grep -i -E 'rewind|demot|timeline|crash' | head -15 >&2
patronictl_on "$(leader)" list >&2
