#!/bin/sh
# DCS loss under the steady writer: one etcd member killed (quorum kept:
# nothing may change), then a second one (quorum lost). Without failsafe_mode
# the leader must demote itself once it cannot update the leader key; with
# failsafe_mode on it keeps the leader role while every member still answers
# its POST /failsafe. Usage: sh etcd-loss.sh [off|on] [watch-seconds]
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$here/lib.sh"

mode=${1:-off}
watch=${2:-45}
L=$(leader); [ -n "$L" ] || die "no leader"
case $mode in on) fs=true ;; *) fs=false ;; esac
rest "$L" PATCH /config '{"failsafe_mode":'"$fs"'}' auth >/dev/null
sleep 6
log "failsafe_mode=$fs, leader $L"
writer_start "${3:-3000000}"
sleep 3
docker kill -s KILL "$PREFIX-etcd0" >/dev/null
t1=$(now)
log "etcd0 killed"
sleep 20
writer_log | awk -v t="$t1" '$1 > t { n[$2]++ } END { printf "after one etcd member lost (20 s): %d ok, %d failed writes\n", n["ok"], n["fail"] }' >&2
log "leader now: $(leader)"
docker kill -s KILL "$PREFIX-etcd1" >/dev/null
t2=$(now)
log "etcd1 killed: etcd has lost its quorum"
sleep "$watch"
writer_log | awk -v t="$t2" '$1 > t { if ($2 == "ok") { last = $1; n++ } else f++ } END {
    if (n) printf "after quorum loss: %d ok (last %.1f s after), %d failed\n", n, last - t, f; else printf "after quorum loss: no write acknowledged, %d failed\n", f }' >&2
for m in $PG_MEMBERS; do log "$m: pg_is_in_recovery=$(echo 'SELECT pg_is_in_recovery()' | psql_in "$m" 2>&1)"; done
docker logs --since 60s "$PREFIX-$L" 2>&1 | grep -v -E 'connection (received|authenticated|authorized)|disconnection' | grep -i -E 'demot|failsafe|lock|etcd|read.only|leader' | tail -8 >&2
docker start "$PREFIX-etcd0" "$PREFIX-etcd1" >/dev/null
t3=$(now)
log "etcd0 and etcd1 started again"
log "leader and 2 streaming replicas $(wait_until 120 'recovery' has_leader_and 2) s after that: $(leader)"
until r=$(first_ok_after "$t3") && [ -n "$r" ]; do sleep 0.2; done
log "first acknowledged write after the restart of etcd: $r"
writer_stop
log "$(check_acknowledged)"
