#!/bin/sh
# Removes everything up.sh (and check.sh) created, and nothing else: the lab's dockerd
# processes (and h3's sshd) and whatever still runs in the lab's namespaces or cgroups, their
# mounts, the lab22-* namespaces and links, /run/lab22, /var/lib/lab22 and the ssh client config
# /etc/ssh/ssh_config.d/lab22.conf. Idempotent; exits non-zero when
# something lab22 is left.
set -u
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$here/lib.sh"
set +e
[ "$(id -u)" -eq 0 ] || die "must run as root"
STOP_TIMEOUT_S=30
started=$(now)

# --- containers: removed at once (nothing in the lab is worth a clean shutdown; dockerd would
# otherwise stop each one with its stop timeout). Over each engine's local socket, which works
# even when a check left the engine's cable cut.
for h in $LAB_HOSTS; do
    [ -n "$(dockerd_pid "$h")" ] || continue
    (
        sock=unix://$(host_run "$h")/docker.sock
        ids=$(timeout 10 docker --host "$sock" ps -aq)
        # shellcheck disable=SC2086  # one id a word
        [ -z "$ids" ] || timeout 30 docker --host "$sock" rm -f -v $ids >/dev/null
    ) &
done
wait
log "containers removed after $(elapsed "$started" "$(now)") s"

# --- engines: SIGTERM (dockerd stops its containerd), then wait -------------------------------
pids=''
for h in $LAB_HOSTS; do
    p=$(dockerd_pid "$h")
    [ -n "$p" ] && { kill -TERM "$p"; pids="$pids $p"; }
done
deadline=$(( $(date +%s) + STOP_TIMEOUT_S ))
for p in $pids; do
    while [ -d "/proc/$p" ] && [ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" != Z ]; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            log "dockerd $p did not stop within $STOP_TIMEOUT_S s: SIGKILL"
            kill -KILL "$p"
            break
        fi
        sleep 0.2
    done
done

log "engines stopped after $(elapsed "$started" "$(now)") s"

# --- leftovers: processes in the lab's network namespaces or cgroups (shims, containers) -----
lab_pids() {
    for ns in $(ip netns list 2>/dev/null | awk -v p="$LAB-" 'index($1, p) == 1 { print $1 }'); do
        ip netns pids "$ns" 2>/dev/null
    done
    for dir in /sys/fs/cgroup/*/"$LAB"-*; do
        [ -d "$dir" ] && find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null
    done
}
for round in 1 2 3; do
    left=$(lab_pids | sort -un | tr '\n' ' ')
    [ -z "${left% }" ] && break
    log "round $round: killing processes left in the lab: $left"
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null
    sleep 0.5
done
# Cgroups (cgroup v1: one tree per controller), deepest first.
for dir in /sys/fs/cgroup/*/"$LAB"-*; do
    [ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
done

# --- mounts under the lab's directories (overlay2 layers, netns files), deepest first ------
awk -v a="$LAB_DATA" -v b="$LAB_RUN" '$2 == a || index($2, a "/") == 1 || $2 == b || index($2, b "/") == 1 { print $2 }' \
    /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done

log "processes, cgroups and mounts gone after $(elapsed "$started" "$(now)") s"

# --- the ssh client config for h3 (its sshd went with the namespace's processes) -------------
rm -f "$LAB_SSH_CONFIG"

# --- network: deleting a namespace deletes the links in it; the host's cable goes with its peer
ip link del "$LAB_HOST_LINK" 2>/dev/null
for ns in $(ip netns list 2>/dev/null | awk -v p="$LAB-" 'index($1, p) == 1 { print $1 }'); do
    ip netns del "$ns"
done

# --- directories -------------------------------------------------------------------------
for d in "$LAB_RUN" "$LAB_DATA"; do
    [ -e "$d" ] && rm -rf --one-file-system "$d"
done

# --- what is left ----------------------------------------------------------------------------
left=''
ip netns list 2>/dev/null | grep -q "^$LAB-" && left="$left namespaces:$(ip netns list | grep "^$LAB-" | tr '\n' ' ')"
ip -o link show 2>/dev/null | grep -q " $LAB-" && left="$left links"
for d in "$LAB_RUN" "$LAB_DATA"; do [ -e "$d" ] && left="$left $d"; done
grep -q -e " $LAB_DATA" -e " $LAB_RUN" /proc/self/mounts && left="$left mounts"
# Our processes carry the lab's config paths on their command line.
ps -eo pid=,args= | grep -e "$LAB_RUN/" -e "$LAB_DATA/" | grep -v grep >/dev/null && left="$left processes"
ls -d /sys/fs/cgroup/*/"$LAB"-* >/dev/null 2>&1 && left="$left cgroups"
if [ -n "$left" ]; then
    log "still present:$left"
    exit 1
fi
log "lab removed in $(elapsed "$started" "$(now)") s; nothing named $LAB is left"
