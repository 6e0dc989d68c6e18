#!/bin/sh
# pg-cluster step "primary": makes the node named by pg-cluster:primary the cluster's one writable
# primary and every other node a standby streaming from it through its own slot. Runs when the
# configured primary or another of its inputs changes, and when the program found the cluster
# not as configured (PGC_FOUND says what it found). Every action is checked first and each is
# idempotent: a run interrupted anywhere and run again finishes the job. A node that is neither
# running nor stopped (paused, restarting, …) stops every role change; an old primary is fenced
# (standby.signal) before another node is promoted; every node is read again right before a
# promotion; a node whose WAL goes past what the primary has is not rewound without consent
# (PGC_ACCEPT_DATA_LOSS naming it and the position its WAL ends at).
#
#   configured primary is … | what this step does
#   the writable primary     | slots for every other node on it; standbys that follow another
#                            | node are repointed; a stopped old primary is rewound and started as
#                            | a standby; a stopped standby is configured and stays stopped; another writable
#                            | node is refused (stopped, it is found again as a stopped node that
#                            | was a primary); a stopped node with WAL past the point where the
#                            | primary's history left its timeline is rewound only with consent
#   a standby, and one other | planned switchover: refuse unless it streams and is at most
#   node is writable         | PGC_MAX_LAG_BYTES behind; stop the old primary cleanly (a fast
#                            | shutdown sends its last WAL to the standbys); wait until the target
#                            | has received the shutdown checkpoint; promote; slots; the old
#                            | primary rewound if needed and restarted as a standby; others repointed
#   a standby, no node is    | failover: refuse if another standby has more WAL, or too few can be
#   writable                 | compared (unless consented); promote; slots; standbys repointed; a
#                            | stopped old primary is rewound and restarted as a standby, and the
#                            | WAL it wrote that the new primary never received is reported
#   not running, or several  | refuse, with what was found
#   nodes writable           |
#
# Runs where Pulumi runs, through the docker CLI (DOCKER_HOST) and each node's Unix socket (peer
# authentication, hardened sessions: pgc_psql). When the nodes are on several Docker hosts
# (PGC_NODE_DOCKER), every docker call that acts on a node (its container, its volume, a one-off
# container on it, a session on its socket) goes to that node's own host (pgc_on), and standbys
# reach the primary at its host's address and published port (PGC_NODE_ENDPOINTS: pgc_peer_host,
# pgc_peer_port). It needs no password: standbys and pg_rewind log in as the replication role with
# the password file each node's conf step keeps on its volume.
#   PGC_PRIMARY                 the configured primary (a node name)
#   PGC_NAME_PREFIX             <project>-<stack>: node containers are <prefix>-<node>, volumes <prefix>-<node>-data
#   PGC_NETWORK, PGC_IMAGE      the cluster network and image, for the one-off rejoin containers
#                               (across hosts PGC_NODE_IMAGES gives the image's ID on each node's host)
#   PGC_PRIMARY_PORT            the server port on the cluster network (standbys are given
#                               pgc_peer_port of the primary, which is this port on one host)
#   PGC_REPLICATION_USER        the replication role
#   PGC_MAX_LAG_BYTES           how far behind a switchover target may be
#   PGC_TIMEOUT_SECONDS         how long to wait for a server to stop, start, receive or promote
#   PGC_ACCEPT_DATA_LOSS        consent ("" for none): "node@position" entries separated by spaces,
#                               each node whose WAL this run may discard and the position it ends
#                               at ("unknown": a standby that cannot be compared); applied only
#                               when it names exactly what the run finds (DataLossConsent)
#   PGC_READ_MAX_LAG_BYTES      the read gate's bound: a standby that replays more bytes of WAL
#                               behind what its primary last reported refuses reads (0: no bound)
#   PGC_SYNC_COUNT              k of synchronous "any k"/"first k" (0: asynchronous): how many
#                               standbys a failover must compare to find every acknowledged commit
#   PGC_REJOIN_SCRIPT           init/cluster/rejoin-in-container.sh
#   PGC_PROJECT, PGC_STACK      labels of the one-off containers
#   PGC_DATABASE                the application database, where the read gate is kept
#   PGC_TLS                     on: standbys reach the primary over TLS and check its certificate
#   PGC_LOST_NODES              the nodes on hosts of pg-cluster:lostHosts (unset: none), separated
#                               by spaces: their hosts do not answer, and this run goes on without
#                               them. They are neither listed, fenced nor rewound; a failover says
#                               that an old primary among them was not fenced.
# It holds a lock on the Docker host of the first node (pg0, wherever the primary is) while it runs: the container
# <prefix>-primary-lock (created, never started), which another run finds and waits for.
# Stdout: one line, "<primary> primary timeline <n>[; what changed]". Progress goes to stderr.
set -eu

pgc_require PGC_TLS PGC_READ_MAX_LAG_BYTES PGC_PRIMARY PGC_NAME_PREFIX PGC_NETWORK PGC_IMAGE PGC_PRIMARY_PORT PGC_REPLICATION_USER \
    PGC_MAX_LAG_BYTES PGC_TIMEOUT_SECONDS PGC_REJOIN_SCRIPT PGC_PROJECT PGC_STACK PGC_DATABASE

primary=$PGC_PRIMARY
say() { echo "pg-cluster: $*" >&2; }
fail() { echo "pg-cluster: $*" >&2; exit 1; }
container() { printf '%s-%s' "$PGC_NAME_PREFIX" "$1"; }
# Where standbys reach the primary (pgc_peer_host, pgc_peer_port): on several hosts, from
# PGC_NODE_ENDPOINTS, which must name it.
if [ -z "$(pgc_peer_host "$primary")" ] || [ -z "$(pgc_peer_port "$primary")" ]; then
    fail "no address is known where the other nodes reach the primary $primary (PGC_NODE_ENDPOINTS); nothing was changed"
fi
# state_of NODE: its container's state (pgc_container_state): "missing" only when its host says
# there is no such container, "unknown" when the host could not be asked.
state_of() {
    pgc_on "$1" pgc_container_state "$(container "$1")" || echo unknown
}
# q NODE SQL: one query over the node's socket; unaligned, tuples only.
q() { printf '%s\n' "$2" | pgc_on "$1" pgc_psql "$(container "$1")" postgres -At; }
lsn_number() { printf '%s' $(( (0x${1%%/*} << 32) | 0x${1#*/} )); }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
deadline() { echo $(( $(date +%s) + PGC_TIMEOUT_SECONDS )); }
has() { case " $1 " in *" $2 "*) return 0 ;; esac; return 1; }
lsn_text() { printf '%X/%X' $(( $1 >> 32 )) $(( $1 & 0xFFFFFFFF )); }
# sorted_list WORDS…: the words sorted (C locale, as the program's TreeMap), separated by SEP.
sorted_list() { sep=$1; shift; printf '%s\n' "$@" | LC_ALL=C sort | tr '\n' "$sep" | sed "s/[$sep]*\$//"; }
# require_consent FOUND REFUSAL WHAT: FOUND ("node@position" …) is what this run would discard. It
# goes on only when PGC_ACCEPT_DATA_LOSS names each of these nodes at exactly that position; else
# it fails with REFUSAL and the one command that consents (to WHAT). Consent for other nodes is kept
# in that command; consent that applies to nothing is reported at the end of the run.
consent_used=""
require_consent() {
    [ -n "$1" ] || return 0
    missing=""
    for entry in $1; do
        has "${PGC_ACCEPT_DATA_LOSS:-}" "$entry" || missing="$missing $entry"
    done
    if [ -z "$missing" ]; then
        consent_used="$consent_used $1"
        # shellcheck disable=SC2086 # a word list
        say "acceptDataLoss $(sorted_list ',' $1): $3"
        return 0
    fi
    wanted="$1"
    for entry in ${PGC_ACCEPT_DATA_LOSS:-}; do
        case " $1 " in *" ${entry%@*}@"*) ;; *) wanted="$wanted $entry" ;; esac
    done
    # shellcheck disable=SC2086 # word lists
    fail "$2 To $3, consent for one pulumi up: pulumi config set pg-cluster:acceptDataLoss $(sorted_list ',' $wanted)${PGC_ACCEPT_DATA_LOSS:+ (pg-cluster:acceptDataLoss = \"$(sorted_list ',' $PGC_ACCEPT_DATA_LOSS)\" does not name$missing)}, then remove it again (pulumi config rm pg-cluster:acceptDataLoss)."
}
if [ -n "${PGC_FOUND:-}" ]; then
    say "found: $PGC_FOUND"
fi

# Test hook (FailoverDockerTest): with PGC_TEST_PAUSE_AFTER_PROMOTE naming a file that does not
# exist yet, the step creates it right after a promotion and waits, so that the test can kill the
# run exactly there. Unset in normal use.
pause_after_promote() {
    if [ -n "${PGC_TEST_PAUSE_AFTER_PROMOTE:-}" ] && [ ! -e "$PGC_TEST_PAUSE_AFTER_PROMOTE" ]; then
        : >"$PGC_TEST_PAUSE_AFTER_PROMOTE"
        sleep 600
    fi
}

# Test hook (FailoverSafetyDockerTest): with PGC_TEST_FAIL_BEFORE_PROMOTE naming a file that
# exists, a switchover fails (once: the file goes) right before it would promote, after the old
# primary was stopped. Unset in normal use.
fail_before_promote() {
    if [ -n "${PGC_TEST_FAIL_BEFORE_PROMOTE:-}" ] && [ -e "$PGC_TEST_FAIL_BEFORE_PROMOTE" ]; then
        rm -f "$PGC_TEST_FAIL_BEFORE_PROMOTE"
        fail "test hook: failing right before the promotion of $primary"
    fi
}

# A running node accepts connections (it may still be starting).
await_accepting() {
    until_time=$(deadline)
    until pgc_on "$1" docker exec -u postgres "$(container "$1")" pg_isready -q -h /var/run/postgresql >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$until_time" ] || fail "$1 does not accept connections after ${PGC_TIMEOUT_SECONDS}s"
        sleep 0.1
    done
}

# timeline_of_sql: SQL for a node's timeline: a writable node's current one; a standby's last
# restartpoint's.
timeline_of_sql() {
    printf '%s' "CASE WHEN pg_is_in_recovery() THEN (SELECT timeline_id FROM pg_control_checkpoint())
            ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END"
}
timeline_of() {
    q "$1" "SELECT $(timeline_of_sql)"
}

# set_role NODE primary|standby: the role file on a running node's volume (pgc_set_role).
set_role() {
    pgc_on "$1" docker exec -u postgres "$(container "$1")" sh -c "printf '%s\\n' $2 >$PGC_ROLE_FILE.new && chmod 0644 $PGC_ROLE_FILE.new && mv -f $PGC_ROLE_FILE.new $PGC_ROLE_FILE"
}

# switch_point TLI [NODE NODE_TLI]: the position where the history of NODE (on timeline NODE_TLI;
# the primary by default) left timeline TLI, read from that node's timeline history file; nothing
# when TLI is not an earlier timeline of that history (its own, or one that went its own way).
switch_point() {
    sp_node=${2:-$primary} sp_tli=${3:-$primary_timeline}
    [ "$1" -lt "$sp_tli" ] || return 0
    q "$sp_node" "SELECT pg_read_file('pg_wal/' || lpad(upper(to_hex($sp_tli)), 8, '0') || '.history')" |
        awk -v tli="$1" '$1 == tli { print $2 }'
}

# refuse_timeline_reuse: a promotion starts the timeline after the newest one the target knows of.
# A node that knows of that timeline or a later one (promoted on its own, or a standby that followed
# such a node) uses the number for a history of its own: two histories under one number cannot be
# told apart (pg_rewind would find nothing to undo, a standby would stream the wrong bytes), so the
# promotion is refused before anything is changed.
refuse_timeline_reuse() {
    next_tli=$(( $(newest_timeline_known "$primary") + 1 ))
    for node in $nodes; do
        [ "$node" != "$primary" ] || continue
        case "$(state_of "$node")" in
            running) theirs=$(newest_timeline_known "$node") ;;
            exited | created) theirs=$(report_of "$node" | sed -n 's/^timeline //p') ;;
            *) continue ;;
        esac
        if [ "${theirs:-0}" -ge "$next_tli" ]; then
            fail "refusing to promote $primary: it would start timeline $next_tli, and $node knows of timeline $theirs, a history $primary never followed ($node, or a node it followed, was promoted outside pg-cluster). Two histories under one timeline number could not be told apart. Nothing was changed. Make $node the primary instead (pulumi config set pg-cluster:primary $node), or take it out of the cluster first (README: Troubleshooting)"
        fi
    done
}

# on_exit (the EXIT trap): a switchover that stopped the old primary and failed before it asked
# for the promotion starts the old primary again, so the cluster is never left without one; then
# the lock goes.
restart_old="" lock_id=""
# The lock lives with the first node, whichever node the run makes the primary: two runs that ask
# for different primaries find the same lock.
lock_node=pg0
# The nodes on lost hosts (pg-cluster:lostHosts): nothing of theirs can be asked.
lost_nodes=${PGC_LOST_NODES:-}
lost() { case " $lost_nodes " in *" $1 "*) return 0 ;; esac; return 1; }
if lost "$lock_node"; then
    # While pg0's host is lost the lock lives with the first node that answers.
    lock_node=$(printf '%s\n' "${PGC_NODE_DOCKER:-}" | awk -v lost=" $lost_nodes " 'index(lost, " " $1 " ") == 0 { print $1; exit }')
    [ -n "$lock_node" ] || fail "every node is on a lost host (PGC_LOST_NODES: $lost_nodes); nothing was changed"
fi
on_exit() {
    exit_status=$?
    if [ -n "$restart_old" ] && [ "$exit_status" -ne 0 ]; then
        echo "pg-cluster: the switchover failed before $primary was promoted: starting $restart_old again as the primary" >&2
        fence "$restart_old" unfence ||
            echo "pg-cluster: could not take the fence of $restart_old away; see README: Troubleshooting" >&2
        pgc_on "$restart_old" docker start "$(container "$restart_old")" >/dev/null ||
            echo "pg-cluster: could not start $restart_old again; start it by hand: docker start $(container "$restart_old")" >&2
    fi
    if [ -n "$lock_id" ]; then
        pgc_on "$lock_node" docker rm -f -v "$lock_id" >/dev/null 2>&1 || echo "pg-cluster: could not remove the lock $lock; docker rm -v $lock" >&2
    fi
}
trap on_exit EXIT

# One run at a time reads and changes the cluster's roles, whoever runs it: the Pulumi stack lock
# does not cover two people with backends of their own on one Docker host, a step that goes on
# after `pulumi cancel`, or a run on another machine. The lock is a container that is created and
# never started (creating a name is atomic in Docker), labelled with its owner (host and process)
# and when it expires. A lock whose process is gone (same host) or that expired is taken over.
lock="$PGC_NAME_PREFIX-primary-lock"
lock_host=$(hostname 2>/dev/null || echo unknown)
lock_owner="$lock_host, pid $$, since $(date -u +%Y-%m-%dT%H:%M:%SZ)"
lock_expires=$(( $(date +%s) + 4 * PGC_TIMEOUT_SECONDS + 600 ))
take_lock() {
    lock_id=$(pgc_on "$lock_node" docker create --name "$lock" --network none --label "pg-cluster.project=$PGC_PROJECT" \
        --label "pg-cluster.stack=$PGC_STACK" --label pg-cluster.role=lock --label "pg-cluster.lock.owner=$lock_owner" \
        --label "pg-cluster.lock.host=$lock_host" --label "pg-cluster.lock.pid=$$" \
        --label "pg-cluster.lock.expires=$lock_expires" "$(pgc_image_of "$lock_node")" true 2>/dev/null) || lock_id=""
    [ -n "$lock_id" ]
}
if ! take_lock; then
    held=$(pgc_on "$lock_node" docker container inspect --format \
        '{{.Id}}|{{index .Config.Labels "pg-cluster.lock.expires"}}|{{index .Config.Labels "pg-cluster.lock.host"}}|{{index .Config.Labels "pg-cluster.lock.pid"}}|{{index .Config.Labels "pg-cluster.lock.owner"}}' \
        "$lock" 2>/dev/null) || held=""
    held_id=$(printf '%s' "$held" | cut -d'|' -f1)
    held_expires=$(printf '%s' "$held" | cut -d'|' -f2)
    held_host=$(printf '%s' "$held" | cut -d'|' -f3)
    held_pid=$(printf '%s' "$held" | cut -d'|' -f4)
    held_owner=$(printf '%s' "$held" | cut -d'|' -f5-)
    case "$held_expires" in '' | *[!0-9]*) held_expires=0 ;; esac
    case "$held_pid" in *[!0-9]*) held_pid="" ;; esac
    gone=""
    if [ -n "$held" ] && [ "$held_expires" -lt "$(date +%s)" ]; then
        gone="expired"
    elif [ -n "$held" ] && [ "$held_host" = "$lock_host" ] && [ -n "$held_pid" ] && ! kill -0 "$held_pid" 2>/dev/null; then
        gone="is gone (its process $held_pid on this host no longer runs)"
    fi
    if [ -n "$gone" ]; then
        # Removed by its ID: a lock another run took meanwhile has another one, and stays.
        say "the lock of $held_owner $gone; taking it over"
        pgc_on "$lock_node" docker rm -f -v "$held_id" >/dev/null 2>&1 || true
        take_lock || fail "another run took the lock $lock meanwhile; nothing was changed. Run pulumi up again when it is done"
    else
        fail "another run is changing this cluster's roles: the lock $lock is held by ${held_owner:-a run that cannot be named}, for $(( held_expires - $(date +%s) )) s more at most. Nothing was changed. Wait for it and run pulumi up again; if that run is gone, remove its lock (docker rm -v $lock) first"
    fi
fi


# The stack's nodes: its node containers (labelled with the seed of their data), created so far.
# A node of config that has no container yet is seeded later by its own steps. On several Docker
# hosts, each host is asked once (through one of its nodes) and the nodes are those any of them
# has; a host that does not answer stops the run, as a node it holds cannot be told from one that
# is gone.
if [ -z "${PGC_NODE_DOCKER:-}" ]; then
    nodes=$(docker ps -a --filter "label=pg-cluster.project=$PGC_PROJECT" --filter "label=pg-cluster.stack=$PGC_STACK" \
        --filter label=pg-cluster.seed --format '{{.Label "pg-cluster.node"}}' | sort)
else
    listed=""
    for docker_host in $(printf '%s\n' "$PGC_NODE_DOCKER" | awk -v lost=" $lost_nodes " \
        'NF >= 2 && index(lost, " " $1 " ") == 0 && !seen[$2]++ { print $2 }'); do
        host_node=$(printf '%s\n' "$PGC_NODE_DOCKER" | awk -v h="$docker_host" '$2 == h { print $1; exit }')
        # Each name is marked, so that what docker says on stderr (captured with it, for the
        # message below) is never taken for a node.
        if answer=$(pgc_on "$host_node" docker ps -a --filter "label=pg-cluster.project=$PGC_PROJECT" \
            --filter "label=pg-cluster.stack=$PGC_STACK" --filter label=pg-cluster.seed \
            --format 'pg-cluster-node={{.Label "pg-cluster.node"}}' 2>&1); then
            listed="$listed$answer
"
        else
            host_nodes=$(printf '%s\n' "$PGC_NODE_DOCKER" | awk -v h="$docker_host" '$2 == h { s = s (s == "" ? "" : ", ") $1 } END { print s }')
            fail "the Docker host $docker_host of $host_nodes does not answer ($(printf '%s\n' "$answer" | grep -v '^pg-cluster-node=' | sed -n '/./{p;q;}')). Nothing was changed."
        fi
    done
    nodes=$(printf '%s' "$listed" | sed -n 's/^pg-cluster-node=//p' | sort -u)
    for node in $lost_nodes; do
        nodes=$(printf '%s\n' "$nodes" | grep -vx "$node" || true)
    done
fi
# Only a container that has exited (or was never started) is stopped: its data may be rewound, and
# it cannot write. A paused container still holds its server (and its writes, once unpaused); a
# restarting one is being started again by Docker; a removing or dead one, or one Docker cannot
# tell about, is unknown. Such a node is "unsettled": no role changes while there is one.
writable="" standbys="" stopped="" unsettled="" timelines=""
for node in $nodes; do
    node_state=$(state_of "$node")
    case "$node_state" in
        running)
            # Whether it accepts writes, and its timeline. A node that does not answer at once (still
            # starting) is waited for, then asked again.
            scan_query="SELECT CASE WHEN pg_is_in_recovery() THEN 't' ELSE 'f' END || ' ' || ($(timeline_of_sql))"
            answer=$(q "$node" "$scan_query" 2>/dev/null) || {
                await_accepting "$node"
                answer=$(q "$node" "$scan_query") || fail "cannot query $node"
            }
            set -- $answer
            [ "$#" -eq 2 ] || fail "cannot query $node (it answered: $answer)"
            if [ "$1" = f ]; then writable="$writable $node"; else standbys="$standbys $node"; fi
            timelines="$timelines $node:$2"
            ;;
        missing) ;; # removed since it was listed (a scale-down in progress)
        exited | created) stopped="$stopped $node" ;;
        *) unsettled="${unsettled:+$unsettled, }$node is $node_state" ;;
    esac
done
say "found: writable:${writable:- none}; standbys:${standbys:- none}; stopped:${stopped:- none}${unsettled:+; unsettled: $unsettled}${lost_nodes:+; on lost hosts: $lost_nodes}"
# A node on a lost host must be lost to the cluster, not only to this machine (whose Docker calls
# fail when the host is cut off from it alone, or its dockerd is down while the containers run): a
# server there that a node here still reaches may be a primary that clients reach too. Asked from
# the configured primary (or the first running node) at the lost node's address, for 3 s.
if [ -n "$lost_nodes" ]; then
    asker=""
    for node in $primary $writable $standbys; do
        if has "$writable $standbys" "$node"; then asker=$node; break; fi
    done
    [ -n "$asker" ] || fail "no node that answers runs, so none can tell whether the nodes on lost hosts ($lost_nodes) are lost to the cluster too. Nothing was changed. Start the configured primary $primary (docker start $(container "$primary")) and run pulumi up again"
    for node in $lost_nodes; do
        # pg_isready's own exit status, printed: 0 accepting, 1 rejecting, 2 no answer, 3 no attempt
        # (a failing docker exec prints none, and is not taken for an answer).
        # shellcheck disable=SC2016 # expanded in the container
        answer=$(pgc_on "$asker" docker exec -u postgres "$(container "$asker")" sh -c 'pg_isready -q -t 3 -h "$1" -p "$2"; echo "pg_isready=$?"' \
            sh "$(pgc_peer_host "$node")" "$(pgc_peer_port "$node")" 2>/dev/null) || true
        case "$answer" in
            *pg_isready=0* | *pg_isready=1*) fail "$node's server answers at $(pgc_peer_host "$node"):$(pgc_peer_port "$node") from $asker's host: its host is named in pg-cluster:lostHosts, but it is not lost to the cluster, only to this machine's Docker calls (a network cut between here and there, or its Docker engine down while its containers run). It may still be a primary that clients reach. Nothing was changed. Reach its Docker engine and run pulumi up without pg-cluster:lostHosts, or stop that server first." ;;
            *pg_isready=2* | *pg_isready=3*) ;;
            *) fail "cannot ask from $asker whether $node (on a lost host) answers at $(pgc_peer_host "$node"):$(pgc_peer_port "$node"); nothing was changed. Run pulumi up again" ;;
        esac
    done
fi

# refuse_if_unsettled: a switchover or a failover waits until every node has settled (the same
# refusal as the program's, Topology.check, which decided on what it saw minutes ago).
refuse_if_unsettled() {
    if [ -n "$unsettled" ]; then
        fail "refusing to make $primary the primary: $unsettled, neither running nor stopped. A paused node holds its server and accepts writes once unpaused; a restarting one is being started again by Docker. Nothing was changed. Unpause it (docker unpause), or stop it for good (docker stop), and run pulumi up again."
    fi
}

# slots_sql: SQL for a slot on the primary for every other node, and none of its own.
slots_sql() {
    for node in $nodes; do
        [ "$node" != "$primary" ] || continue
        printf '%s\n' "SELECT pg_create_physical_replication_slot($(pgc_literal "$node"), true)
            WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $(pgc_literal "$node"));"
    done
    printf '%s\n' "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
        WHERE slot_name = $(pgc_literal "$primary") AND NOT active;"
}
ensure_slots() {
    slots_sql | pgc_on "$primary" pgc_psql "$(container "$primary")" postgres -At >/dev/null
}

# ensure_primary_objects: in one session on the primary, the slots and pg-cluster's schema
# (init/lib/cluster-schema.sh): the exporters' expiry function, and the read gate in the
# application database, for which a standby must stream from the primary this step made.
ensure_primary_objects() {
    {
        slots_sql
        pgc_cluster_schema_sql "$PGC_DATABASE" "$PGC_READ_MAX_LAG_BYTES" "$(pgc_peer_host "$primary")"
    } | pgc_on "$primary" pgc_psql "$(container "$primary")" postgres -At >/dev/null
}

# scanned_timeline NODE: NODE's timeline as the node scan read it (timeline_of), or read now.
scanned_timeline() {
    for entry in $timelines; do
        case "$entry" in "$1:"*) echo "${entry#*:}"; return 0 ;; esac
    done
    timeline_of "$1"
}

# recheck_before_promote: the node states were read at the start of the run; right before a
# promotion they are read again, and any change that makes it unsafe refuses it: a node that
# accepts writes (an old primary started by hand), one that is paused or restarting, a target that
# is no longer a running standby.
recheck_before_promote() {
    for node in $nodes; do
        node_state=$(state_of "$node")
        case "$node_state" in
            running)
                recovery=$(q "$node" "SELECT pg_is_in_recovery()") ||
                    fail "refusing to promote $primary: $node runs but does not answer now; nothing more was changed"
                [ "$recovery" = t ] ||
                    fail "refusing to promote $primary: $node accepts writes now (it did not when this run started); nothing more was changed"
                ;;
            exited | created | missing)
                [ "$node" != "$primary" ] || fail "refusing to promote $primary: it is $node_state now"
                ;;
            *) fail "refusing to promote $primary: $node is $node_state now; nothing more was changed" ;;
        esac
    done
}

# one_off NODE ROLE NETWORK [--env VAR=VALUE]…: runs init/cluster/rejoin-in-container.sh as
# postgres in a one-off container (hardened, labelled with the stack, the node and ROLE) on the
# stopped NODE's volume, attached to NETWORK; its stdout is the script's.
one_off() {
    one_off_node=$1 one_off_role=$2 one_off_network=$3
    shift 3
    # shellcheck disable=SC2086 # PGC_ONE_OFF_HARDENING is a list of options
    pgc_on "$one_off_node" docker run --rm $PGC_ONE_OFF_HARDENING --name "$(container "$one_off_node")-$one_off_role" --user postgres \
        --network "$one_off_network" --volume "$(container "$one_off_node")-data:/var/lib/postgresql/data" \
        --label "pg-cluster.project=$PGC_PROJECT" --label "pg-cluster.stack=$PGC_STACK" \
        --label "pg-cluster.node=$one_off_node" --label "pg-cluster.role=$one_off_role" \
        --env "PGC_NODE=$one_off_node" "$@" "$(pgc_image_of "$one_off_node")" sh -c "$PGC_REJOIN_SCRIPT"
}

# fence NODE fence|unfence: an old primary that is stopped gets standby.signal (and the marker that
# says pg-cluster put it there) before another node is promoted, or loses them again.
fence() {
    one_off "$1" fence none --env "PGC_FENCE=$2"
}

# wal_report NODE: what the stopped node's own files say ("standby" or "was-primary", "fenced",
# "timeline <n>" and "wal-end <LSN> <length>"), from a one-off container that changes nothing.
wal_report() {
    one_off "$1" report none --env PGC_REPORT_ONLY=1
}

# commits_past NODE TLI FORK: how many commits NODE's WAL holds on timeline TLI from FORK on, or
# "unknown" when that WAL cannot be read (recycled, missing). WAL past a fork without a commit in it
# (the shutdown checkpoint of a clean stop, running-transactions records) holds nothing a client
# was told was committed: rewinding it discards no write. Read with pg_waldump, through docker exec
# on a running node, from a one-off container (its volume read-only) on a stopped one.
commits_past() {
    if [ "$(state_of "$1")" = running ]; then
        dump=$(pgc_on "$1" docker exec -u postgres "$(container "$1")" pg_waldump --path=/var/lib/postgresql/data/pgdata/pg_wal \
            --timeline="$2" --start="$3" 2>&1) || true
    else
        # shellcheck disable=SC2086 # PGC_ONE_OFF_HARDENING is a list of options
        dump=$(pgc_on "$1" docker run --rm $PGC_ONE_OFF_HARDENING --user postgres --network none \
            --volume "$(container "$1")-data:/var/lib/postgresql/data:ro" \
            --label "pg-cluster.project=$PGC_PROJECT" --label "pg-cluster.stack=$PGC_STACK" \
            --label "pg-cluster.node=$1" --label pg-cluster.role=report \
            "$(pgc_image_of "$1")" pg_waldump --path=/var/lib/postgresql/data/pgdata/pg_wal --timeline="$2" --start="$3" \
            2>&1) || true
    fi
    case "$dump" in
        *"could not find file"* | *"could not open"* | *"No such file"* | *"could not locate"*) echo unknown ;;
        *) printf '%s\n' "$dump" | grep -c -E 'desc: (COMMIT|PREPARE)' || true ;;
    esac
}

# report_of NODE: wal_report, or the run fails saying why: a node whose rewind did not finish is
# to be seeded afresh.
report_of() {
    report_status=0
    report=$(wal_report "$1") || report_status=$?
    case "$report_status" in
        0) printf '%s\n' "$report" ;;
        6) fail "$1 cannot rejoin as a standby of $primary: an earlier pg_rewind of it did not finish, so its data may be half-copied (its container stays stopped, fenced as a standby, and its health check fails should it be started). Seed it afresh from $primary: pulumi up --replace <URN of volume $(container "$1")-data> (README: Troubleshooting)" ;;
        *) fail "cannot read the data of the stopped node $1 (exit status $report_status); nothing more was changed" ;;
    esac
}

# rejoin NODE MODE: NODE (stopped here first if it runs) becomes a standby of the primary: rewound,
# configured. MODE: "start" starts it again; "start-if-primary" starts it only if it was a
# primary (an old primary), and leaves a standby that someone stopped as it was. Prints the rejoin
# container's stdout ("was-primary" and "wal-end …" for an old primary).
rejoin() {
    if [ "$(state_of "$1")" = running ]; then
        say "stopping $1 (fast shutdown)"
        pgc_on "$1" docker stop --time 60 "$(container "$1")" >/dev/null
    fi
    rejoin_state=$(state_of "$1")
    case "$rejoin_state" in
        exited | created) ;;
        *) fail "$1 is $rejoin_state, not stopped: its data is not rewound while anything may hold it" ;;
    esac
    # pg_rewind reads the source's timeline from its control file, which a just promoted primary
    # updates only at its first checkpoint: without one, it may see no divergence to undo.
    q "$primary" "CHECKPOINT" >/dev/null
    status=0
    out=$(one_off "$1" rejoin "$PGC_NETWORK" --env "PGC_PRIMARY_HOST=$(pgc_peer_host "$primary")" \
        --env "PGC_PRIMARY_PORT=$(pgc_peer_port "$primary")" --env "PGC_REPLICATION_USER=$PGC_REPLICATION_USER" \
        --env "PGC_TLS=$PGC_TLS") || status=$?
    case "$status" in
        0) ;;
        5 | 6) fail "$1 cannot rejoin as a standby of $primary: $([ "$status" = 5 ] && echo "pg_rewind failed" || echo "an earlier pg_rewind of it did not finish"), so its data may be half-copied (its container stays stopped, fenced as a standby, and its health check fails should it be started). Seed it afresh from $primary: pulumi up --replace <URN of volume $(container "$1")-data> (README: Troubleshooting)" ;;
        *) fail "$1 cannot rejoin as a standby of $primary (exit status $status)" ;;
    esac
    if [ "$2" = start ] || { [ "$2" = start-if-primary ] && printf '%s\n' "$out" | grep -q '^was-primary$'; }; then
        pgc_on "$1" docker start "$(container "$1")" >/dev/null
        await_accepting "$1"
        [ "$(q "$1" "SELECT pg_is_in_recovery()")" = t ] || fail "$1 started, but not as a standby"
        say "$1 runs again, as a standby of $primary"
    fi
    printf '%s\n' "$out"
}

# await_following NODE SECONDS: true once NODE streams from the primary and has replayed what the
# primary had written when this was called. Streaming alone is not enough: a standby whose history
# went past the point where the primary's timeline forked off connects, but replays nothing.
await_following() {
    pgc_target=$(q "$primary" "SELECT pg_current_wal_lsn()")
    until_time=$(( $(date +%s) + $2 ))
    until [ "$(q "$1" "SELECT count(*) FROM pg_stat_wal_receiver
            WHERE status = 'streaming' AND sender_host = $(pgc_literal "$(pgc_peer_host "$primary")")
              AND pg_last_wal_replay_lsn() >= $(pgc_literal "$pgc_target")::pg_lsn")" = 1 ]; do
        [ "$(date +%s)" -lt "$until_time" ] || return 1
        sleep 0.1
    done
}

# wal_timeline_sql: SQL for the timeline of a running standby's WAL: its WAL receiver's, when one
# runs; else the newest among its WAL files that hold its last position; else its last
# restartpoint's (which may be older: it moves only at restartpoints).
wal_timeline_sql() {
    printf '%s\n' "(WITH size AS (SELECT setting::bigint AS bytes FROM pg_settings WHERE name = 'wal_segment_size'),
        seg AS (SELECT floor((greatest(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) - '0/0'::pg_lsn - 1)
                    / size.bytes)::bigint AS no, 4294967296 / size.bytes AS per_id FROM size)
    SELECT coalesce(
        (SELECT received_tli FROM pg_stat_wal_receiver WHERE received_tli > 0),
        (SELECT max(('x' || substr(name, 1, 8))::bit(32)::int) FROM pg_ls_waldir(), seg
            WHERE name ~ '^[0-9A-F]{24}\$' AND substr(name, 9) = lpad(upper(to_hex(seg.no / seg.per_id)), 8, '0')
                || lpad(upper(to_hex(seg.no % seg.per_id)), 8, '0')),
        (SELECT timeline_id FROM pg_control_checkpoint())))"
}

# newest_timeline_known NODE: the newest timeline a running node knows of: its own, or one of its
# timeline history files (a node promoted on its own, or a standby that followed one, knows its).
newest_timeline_known() {
    q "$1" "SELECT greatest($(timeline_of_sql),
        (SELECT coalesce(max(('x' || substr(name, 1, 8))::bit(32)::int), 0) FROM pg_ls_waldir()
            WHERE name ~ '^[0-9A-F]{8}[.]history\$'))"
}

# diverged NODE: for a running standby, "ok" when it can follow the primary (switching timelines
# where the primary did, or it already streams from it on the primary's timeline); else "<LSN>
# <bytes> <commits>": what it replayed goes past the position where the primary's timeline history
# left the timeline its WAL is on (bytes past it, and the commits among them: commits_past), or
# "<LSN> unknown" when that timeline is not in the primary's history at all. Replayed, not received, as PostgreSQL itself decides whether a standby can follow
# (and Patroni): a partial record received from a primary that died counts for nothing. Fails
# when the standby cannot be asked.
diverged() {
    dv_node=$1
    answer=$(q "$1" "SELECT pg_last_wal_replay_lsn()::text || ' ' || $(wal_timeline_sql) || ' ' || (SELECT count(*)
        FROM pg_stat_wal_receiver WHERE status = 'streaming' AND received_tli = $primary_timeline
            AND sender_host = $(pgc_literal "$(pgc_peer_host "$primary")"))") || return 1
    set -- $answer
    [ "$#" -eq 3 ] || return 1
    if [ "$3" != 0 ] || [ "$2" -eq "$primary_timeline" ]; then
        echo ok
        return 0
    fi
    fork=$(switch_point "$2") || return 1
    if [ -z "$fork" ]; then
        echo "$1 unknown"
    elif [ "$(lsn_number "$1")" -gt "$(lsn_number "$fork")" ]; then
        echo "$1 $(( $(lsn_number "$1") - $(lsn_number "$fork") )) $(commits_past "$dv_node" "$2" "$fork")"
    else
        echo ok
    fi
}

# How long a run waits for a repointed standby to stream and replay what the primary has, before it
# reports it as slow and goes on.
follow_seconds=30

# follow NODE [rewind]: a running standby streams from the primary through its slot; one that
# cannot (diverged: its history went past the point where the primary's timeline forked off) is
# rewound first. The host in primary_conninfo is quoted when pg_basebackup -R wrote it; a standby
# that does not check the primary's certificate as the cluster says (TLS on or off), or that still
# carries a password in its primary_conninfo (written before the password file), is pointed at it
# again. A standby that does not catch up within the timeout is a warning, not a failure: it goes on
# following, and the read gate keeps readers off it meanwhile.
follow() {
    current=$(q "$1" "SELECT coalesce(substring(current_setting('primary_conninfo') from 'host=''?([^ '']+)'), '')
        || ' ' || current_setting('primary_slot_name')
        || ' ' || CASE WHEN current_setting('primary_conninfo') ~ 'sslmode=''?verify-full' THEN 'on' ELSE 'off' END
        || CASE WHEN current_setting('primary_conninfo') ~ 'password=' THEN ' password' ELSE '' END")
    if [ "$current" = "$(pgc_peer_host "$primary") $1 $PGC_TLS" ] && [ -z "${repoint_all:-}" ] && [ "${2:-}" != rewind ]; then
        return 0
    fi
    if [ "${2:-}" = rewind ]; then
        say "$1 holds WAL past where $primary's history left its timeline; rewinding it"
        rejoin "$1" start >/dev/null
    else
        # shellcheck disable=SC2034 # both read by pgc_primary_conninfo (init/lib/common.sh)
        PGC_PRIMARY_HOST=$(pgc_peer_host "$primary") PGC_PRIMARY_PORT=$(pgc_peer_port "$primary")
        conninfo=$(pgc_primary_conninfo "$1")
        {
            echo "ALTER SYSTEM SET primary_conninfo = $(pgc_literal "$conninfo");"
            echo "ALTER SYSTEM SET primary_slot_name = $(pgc_literal "$1");"
            echo "SELECT pg_reload_conf();"
        } | pgc_on "$1" pgc_psql "$(container "$1")" postgres -At >/dev/null
    fi
    if ! await_following "$1" "$follow_seconds"; then
        say "warning: $1 does not stream from $primary and replay its WAL yet after ${follow_seconds}s; it goes on trying (docker logs $(container "$1"))"
        slow="$slow $1"
        return 0
    fi
    # A fenced old primary that follows the primary needs its fence no more.
    pgc_on "$1" docker exec -u postgres "$(container "$1")" rm -f "$PGC_FENCE_MARKER"
    say "$1 streams from $primary"
}

# scan_standbys: which running standbys (but the primary) are still to follow the primary in this
# run (pending), and which of them diverged (rewind), decided from the primary's timeline history
# before any is touched. Rewinding one discards the WAL it holds past the fork: those not already
# consented to in this run are added to "found" (and why to "refusal").
followed="" slow=""
scan_standbys() {
    pending="" rewind=""
    for node in $standbys; do
        [ "$node" != "$primary" ] || continue
        has "$followed" "$node" && continue
        pending="$pending $node"
        past=$(diverged "$node") || fail "cannot tell whether $node can follow $primary (it did not answer); nothing more was changed"
        if [ "$past" != ok ]; then
            set -- $past
            rewind="$rewind $node"
            # Consented to already in this run (a failover that discards what it holds).
            case " $consent_used " in *" $node@"*) continue ;; esac
            if [ "${3:-}" = 0 ]; then
                # Past the fork, but no commit: nothing a client was told was committed is lost.
                event="${event:+$event; }$node was rewound; its $2 bytes of WAL past $primary's history held no commit"
                continue
            fi
            if pgc_on "$node" docker exec "$(container "$node")" test -e "$PGC_FENCE_MARKER"; then
                # An old primary fenced by pg-cluster when it promoted another node, started by
                # hand since: what it wrote past the fork is that promotion's loss, reported.
                event="${event:+$event; }$node (old primary, fenced by pg-cluster when it promoted another node, started since) was rewound; what it replayed past $primary's history (up to $1) is lost"
                continue
            fi
            found="$found $node@$1"
            if [ "$2" = unknown ]; then
                refusal="$refusal $node runs as a standby on a timeline that is not in the history of the primary $primary (its WAL ends at $1): it followed a node promoted on its own."
            else
                refusal="$refusal $node runs as a standby and holds WAL up to $1, $2 bytes past where the history of the primary $primary left its timeline ($3 commits): it followed an old primary that took writes."
            fi
        fi
    done
}

# follow_pending: the pending standbys follow the primary (rewound first when they diverged).
follow_pending() {
    for node in $pending; do
        if has "$rewind" "$node"; then follow "$node" rewind; else follow "$node"; fi
        set_role "$node" standby
        followed="$followed $node"
    done
}

# follow_standbys: every running standby (but the primary) follows the primary; once per run.
follow_standbys() {
    found="" refusal=""
    primary_timeline=$(timeline_of "$primary")
    scan_standbys
    require_consent "$found" "${refusal# } Nothing more was changed. If that node should be the primary: pulumi config set pg-cluster:primary <node> (and stop $primary)." \
        "keep $primary and rewind them"
    follow_pending
}

event=""
if has "$writable" "$primary"; then
    # A writable node's timeline does not change while it runs: the scan's answer holds.
    primary_timeline=$(scanned_timeline "$primary")
    for node in $writable; do
        [ "$node" != "$primary" ] || continue
        node_timeline=$(scanned_timeline "$node")
        # What it writes goes on growing: it is stopped first; then this step finds it as a stopped
        # node that was a primary, reads where its WAL ends and asks for consent to that position.
        if [ "$node_timeline" -lt "$primary_timeline" ]; then
            what="$node is an old primary that came back after a failover"
        else
            what="$node was promoted outside pg-cluster"
        fi
        fail "$node accepts writes too, on timeline $node_timeline, beside the configured primary $primary (timeline $primary_timeline): $what. Nothing was changed. If $node should be the primary: pulumi config set pg-cluster:primary $node and stop $primary. To keep $primary: stop $node (docker stop $(container "$node")) and run pulumi up. It is rewound and rejoins as a standby; if it holds WAL that $primary never had (what it wrote on its own), that run names the position where its WAL ends and rewinds it only with pg-cluster:acceptDataLoss naming that position."
    done
elif has "$standbys" "$primary"; then
    refuse_if_unsettled
    set -- $writable
    if [ "$#" -gt 1 ]; then
        fail "refusing to promote $primary: several nodes accept writes ($writable); reconcile first (README: Troubleshooting)"
    fi
    if [ "$#" -eq 1 ]; then
        old=$1
        # 1. Planned switchover: the target must stream from the old primary and be caught up.
        lag=$(q "$old" "SELECT state || ' ' || coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint, -1)
            FROM pg_stat_replication WHERE application_name = $(pgc_literal "$primary")")
        if [ -z "$lag" ]; then
            fail "refusing to switch over to $primary: it is not connected to the primary $old (no WAL sender for it); nothing was changed"
        fi
        set -- $lag
        if [ "$1" != streaming ] || [ "$2" -lt 0 ] || [ "$2" -gt "$PGC_MAX_LAG_BYTES" ]; then
            fail "refusing to switch over to $primary: it is $1 and $2 bytes behind $old (at most $PGC_MAX_LAG_BYTES allowed); nothing was changed. Wait until it catches up and run pulumi up again"
        fi
        refuse_timeline_reuse
        # 2. Stop writes on the old primary: a fast shutdown sends its last WAL to the standbys.
        #    From here until the promotion is asked for, any failure (a refusal below, a failing
        #    docker or psql command under set -e) starts it again as the primary.
        say "switchover $old -> $primary: $primary is $2 bytes behind; stopping $old (fast shutdown)"
        restart_old=$old
        stopped_at=$(now_ms)
        pgc_on "$old" docker stop --time 60 "$(container "$old")" >/dev/null
        # shellcheck disable=SC2086 # PGC_ONE_OFF_HARDENING is a list of options
        facts=$(pgc_on "$old" docker run --rm --user postgres --network none $PGC_ONE_OFF_HARDENING \
            --volume "$(container "$old")-data:/var/lib/postgresql/data" \
            --label "pg-cluster.project=$PGC_PROJECT" --label "pg-cluster.stack=$PGC_STACK" \
            "$(pgc_image_of "$old")" pg_controldata /var/lib/postgresql/data/pgdata)
        checkpoint=$(printf '%s\n' "$facts" | sed -n 's/^Latest checkpoint location: *//p')
        cluster_state=$(printf '%s\n' "$facts" | sed -n 's/^Database cluster state: *//p')
        if [ "$cluster_state" != "shut down" ]; then
            fail "refusing to switch over to $primary: $old did not shut down cleanly ($cluster_state); it is started again as the primary"
        fi
        # 3. The target must have everything up to the old primary's shutdown checkpoint.
        until_time=$(deadline)
        while :; do
            received=$(q "$primary" "SELECT coalesce(pg_last_wal_receive_lsn()::text, '0/0')")
            [ "$(lsn_number "$received")" -le "$(lsn_number "$checkpoint")" ] || break
            if [ "$(date +%s)" -ge "$until_time" ]; then
                fail "refusing to promote $primary: it received WAL up to $received, not the shutdown checkpoint of $old at $checkpoint; $old is started again as the primary"
            fi
            sleep 0.05
        done
        fail_before_promote
        recheck_before_promote
        # Fenced before the promotion: started by hand from now on, it comes back read-only.
        fence "$old" fence || fail "cannot fence $old before promoting $primary"
        set_role "$primary" primary
        # Once asked, a promotion may finish even if the call fails: the old primary stays stopped.
        restart_old=""
        [ "$(q "$primary" "SELECT pg_promote(true, $PGC_TIMEOUT_SECONDS)")" = t ] || fail "$primary did not finish promotion within ${PGC_TIMEOUT_SECONDS}s"
        promoted_at=$(now_ms)
        say "$primary promoted, $((promoted_at - stopped_at)) ms after $old stopped taking writes (received up to $received, shutdown checkpoint $checkpoint)"
        pause_after_promote
        ensure_slots
        # 4. The old primary becomes a standby of the new one first (it has every commit the new
        #    primary has, and with synchronous commit the new primary's commits wait for a
        #    standby), then the other standbys follow; one that is slow is a warning.
        rejoin "$old" start >/dev/null
        repoint_all=1
        follow_standbys
        event="switchover from $old; writes paused $((promoted_at - stopped_at)) ms${event:+; $event}"
    else
        # Failover: no node accepts writes. Promote only a standby that holds every acknowledged
        # commit: the most advanced of enough standbys. A standby's position is the greater of what
        # it received and what it replayed (a standby restarted while the primary is down asks for
        # WAL from the start of a segment: its receive position is then behind its replay), on its
        # timeline; a stopped standby's is read from its own files.
        refuse_timeline_reuse
        position="SELECT $(wal_timeline_sql) || ' ' || greatest(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::text"
        set -- $(q "$primary" "$position")
        target_tli=$1 received=$2
        ahead="" answered="$primary" discard=""
        compare() { # NODE TIMELINE LSN: is NODE ahead of the target?
            if [ "$2" -gt "$target_tli" ] || { [ "$2" -eq "$target_tli" ] && [ "$(lsn_number "$3")" -gt "$(lsn_number "$received")" ]; }; then
                ahead="$ahead $1 (timeline $2, WAL up to $3)"
                discard="$discard $1@$3"
                ahead_bytes=$(( $(lsn_number "$3") - $(lsn_number "$received") ))
                [ "$ahead_bytes" -gt "${most_ahead:-0}" ] && most_ahead=$ahead_bytes
            fi
            answered="$answered $1"
        }
        for node in $standbys; do
            [ "$node" != "$primary" ] || continue
            set -- $(q "$node" "$position")
            compare "$node" "$1" "$2"
        done
        old_primaries=""
        for node in $stopped; do
            report=$(report_of "$node")
            end=$(printf '%s\n' "$report" | sed -n 's/^wal-end //p')
            node_timeline=$(printf '%s\n' "$report" | sed -n 's/^timeline //p')
            if printf '%s\n' "$report" | grep -q '^was-primary$'; then
                # The old primary (on the target's timeline): what it wrote that the target never
                # received is this failover's loss, reported when it rejoins. An old primary of an
                # earlier failover (an older timeline) that pg-cluster did not fence, and whose WAL
                # goes past where the target's history left its timeline, took writes after it was
                # replaced: discarding them needs consent. (A newer timeline was refused above.)
                old_primaries="$old_primaries $node"
                if [ "${node_timeline:-0}" -lt "$target_tli" ] && ! printf '%s\n' "$report" | grep -q '^fenced$'; then
                    [ -n "$end" ] || fail "cannot read where the WAL of $node (an old primary, stopped) ends; nothing was changed. Seed it afresh or start it to look (README: Troubleshooting)"
                    set -- $end
                    end=$(lsn_text $(( $(lsn_number "$1") + $2 )))
                    fork=$(switch_point "$node_timeline" "$primary" "$target_tli")
                    if [ -n "$fork" ] && [ "$(lsn_number "$end")" -gt "$(lsn_number "$fork")" ] \
                        && [ "$(commits_past "$node" "$node_timeline" "$fork")" != 0 ]; then
                        discard="$discard $node@$end"
                        ahead="$ahead $node (an old primary of timeline $node_timeline that took writes after $primary's history left it at $fork, WAL up to $end)"
                    fi
                fi
                continue
            fi
            [ -n "$end" ] || continue
            set -- $end
            # The end of its last record; taken to be on the target's timeline (both followed the
            # same primary; a node that went its own way shows up as ahead, or when it is rewound).
            compare "$node" "$target_tli" "$(lsn_text $(( $(lsn_number "$1") + $2 )))"
        done
        # Under "any k" or "first k" a commit was acknowledged by k of the N standbys: only when at
        # least N - k + 1 of them answered does the most advanced hold every acknowledged commit.
        # Those that could not be compared (their WAL could not be read) are named "unknown".
        # shellcheck disable=SC2086 # word lists
        set -- $nodes $lost_nodes
        standby_count=$(( $# - 1 ))
        required=$(( standby_count - ${PGC_SYNC_COUNT:-0} + 1 ))
        set -- $answered
        refusal=""
        if [ "${PGC_SYNC_COUNT:-0}" -gt 0 ] && [ "$#" -lt "$required" ]; then
            unknown=""
            for node in $nodes $lost_nodes; do
                has "$answered $old_primaries" "$node" || unknown="$unknown $node"
            done
            lost_named=""
            for node in $unknown; do
                if lost "$node"; then lost_named="$lost_named $node (on a lost host)"; else lost_named="$lost_named $node"; fi
            done
            for node in $unknown; do discard="$discard $node@unknown:$received"; done
            refusal="with synchronous replication of $PGC_SYNC_COUNT of $standby_count standbys, $required of them must be compared to know which holds every acknowledged commit, and only $# could be (not:$lost_named${unsettled:+; $unsettled})"
        fi
        if [ -n "$ahead" ]; then
            refusal="${refusal:+$refusal; }other standbys have more WAL:$ahead (${most_ahead:-0} bytes more)"
        fi
        require_consent "$discard" "refusing to fail over to $primary (timeline $target_tli, WAL up to $received): $refusal. Nothing was changed. Promote the most advanced one instead (pulumi config set pg-cluster:primary <node>), or bring the others back (docker start)." \
            "accept losing what only they have"
        say "failover to $primary (received WAL up to $received)${ahead:+; discarding what only$ahead had, ${most_ahead:-0} bytes}"
        # Every stopped old primary is fenced first: started by hand from now on, it comes back
        # read-only, never as a second writable primary.
        for node in $stopped; do
            fence "$node" fence || fail "cannot fence the stopped node $node; nothing was promoted"
        done
        recheck_before_promote
        set_role "$primary" primary
        [ "$(q "$primary" "SELECT pg_promote(true, $PGC_TIMEOUT_SECONDS)")" = t ] || fail "$primary did not finish promotion within ${PGC_TIMEOUT_SECONDS}s"
        pause_after_promote
        ensure_slots
        event="failover: $primary promoted at $received${ahead:+; lost what only$ahead had (${most_ahead:-0} bytes)}${event:+; $event}"
        for node in $lost_nodes; do
            # Its host does not answer: it was neither fenced nor stopped, and clients that still
            # reach it may write there. Back, it is found writable beside the primary and refused
            # until it is stopped; the next run rewinds it and reports what it wrote on its own.
            event="$event; $node (on a lost host) was not fenced: stop it when its host is back (docker stop $(container "$node")), then pulumi up rejoins it"
        done
        repoint_all=1
        follow_standbys
        # Stopped nodes that were primaries come back as standbys; what they wrote that the new
        # primary never received is reported. Stopped standbys are repointed and stay stopped.
        for node in $stopped; do
            rejoined=$(rejoin "$node" start-if-primary)
            end=$(printf '%s\n' "$rejoined" | sed -n 's/^wal-end //p')
            if [ -n "$end" ]; then
                set -- $end
                lost=$(( $(lsn_number "$1") + $2 - $(lsn_number "$received") ))
                [ "$lost" -gt 0 ] || lost=0
                event="$event; $node (old primary, WAL up to $(lsn_text "$(lsn_number "$1")")) rejoined as a standby; $lost bytes of its WAL had not reached $primary and are lost"
                say "$node: its WAL ends at $1 (+$2); $primary had received up to $received: $lost bytes lost"
            fi
        done
        stopped=""
        # The first checkpoint on the new timeline (a rejoin above took one before its rewind;
        # a switchover's always does): until then pg_control names the old timeline, and a backup
        # from a standby (pgBackRest) refuses to start. After the standbys follow: it does not
        # lengthen the time commits may wait for a synchronous standby.
        q "$primary" "CHECKPOINT" >/dev/null || say "warning: a CHECKPOINT on $primary failed; a backup may fail until its next one"
    fi
else
    fail "the configured primary $primary is $(state_of "$primary"); start it (or unpause it), or fail over to a running standby (pulumi config set pg-cluster:primary <node>)"
fi

ensure_primary_objects
set_role "$primary" primary
# primary_timeline: read after the last promotion of this run (follow_standbys), or by the scan when
# there was none; the primary's timeline changes only when it is promoted.
# An old primary (stopped by a switchover or a failover, here or in a run that was killed, or by
# hand) comes back as a standby; a standby someone stopped stays stopped, but starts as a standby
# of the primary when it comes back. What decides whether a rewind discards anything is the
# primary's timeline history: the position where it left the node's timeline. A node fenced by
# pg-cluster when it promoted another node loses what it wrote past that point, which is reported
# (the failover chose it). Any other node whose WAL goes past that point wrote things the primary
# never had (an old primary that came back and took writes); a node whose timeline is not in the
# primary's history was promoted on its own: both are rewound only with consent naming where their
# WAL ends, asked for once with the running standbys that diverged, before anything is rewound.
found="" refusal="" rejoins=""
for node in $stopped; do
    report=$(report_of "$node")
    rejoins="$rejoins $node"
    node_timeline=$(printf '%s\n' "$report" | sed -n 's/^timeline //p')
    end=$(printf '%s\n' "$report" | sed -n 's/^wal-end //p')
    if [ -n "$end" ]; then
        set -- $end
        end=$(lsn_text $(( $(lsn_number "$1") + $2 )))
    fi
    fork=$(switch_point "${node_timeline:-0}")
    if printf '%s\n' "$report" | grep -q '^was-primary$'; then
        what="was a primary"
    else
        what="is a standby"
    fi
    if [ "${node_timeline:-0}" -eq "$primary_timeline" ]; then
        continue # the primary's own timeline: a standby that followed it; an old primary cannot be on it
    elif [ -z "$end" ]; then
        fail "cannot read where the WAL of the stopped node $node ends, so nobody can tell what rewinding it would discard. Nothing more was changed. Seed it afresh from $primary: pulumi up --replace <URN of volume $(container "$node")-data> (README: Troubleshooting)"
    elif [ -z "$fork" ]; then
        found="$found $node@$end"
        refusal="$refusal $node is stopped and $what on timeline $node_timeline, which is not in the history of the primary $primary (timeline $primary_timeline): $([ "$what" = "was a primary" ] && echo "it was promoted on its own" || echo "it followed a node promoted on its own") and holds writes $primary never had (its WAL ends at $end)."
    elif [ "$(lsn_number "$end")" -gt "$(lsn_number "$fork")" ]; then
        beyond=$(( $(lsn_number "$end") - $(lsn_number "$fork") ))
        commits=$(commits_past "$node" "$node_timeline" "$fork")
        if [ "$commits" = 0 ]; then
            event="${event:+$event; }$node rejoined as a standby; its $beyond bytes of WAL past $fork, where $primary's history left timeline $node_timeline, held no commit"
        elif printf '%s\n' "$report" | grep -q '^fenced$'; then
            event="${event:+$event; }$node (old primary, fenced by pg-cluster when it promoted another node, WAL up to $end) rejoined as a standby; $beyond bytes of its WAL past $fork, where $primary's history left timeline $node_timeline, had not reached $primary and are lost"
        else
            found="$found $node@$end"
            refusal="$refusal $node is stopped and $what on timeline $node_timeline, and holds WAL that $primary never had: $([ "$what" = "was a primary" ] && echo "an old primary that took writes" || echo "a standby that followed an old primary that took writes") after $primary's history left that timeline at $fork (its WAL ends at $end, $beyond bytes further, with $commits commits)."
        fi
    fi
done
scan_standbys
discarded="$found"
require_consent "$found" "${refusal# } Nothing more was changed. If one of them should be the primary: pulumi config set pg-cluster:primary <node> (and stop $primary)." \
    "keep $primary and discard what they wrote on their own"
follow_pending
for node in $rejoins; do
    rejoin "$node" start-if-primary >/dev/null
done
for entry in $discarded; do
    event="${event:+$event; }${entry%@*} was rewound and follows $primary; what it held past $primary's history (WAL up to ${entry#*@}) was discarded (acceptDataLoss)"
done
unused=""
for entry in ${PGC_ACCEPT_DATA_LOSS:-}; do
    has "$consent_used" "$entry" || unused="$unused $entry"
done
if [ -n "$unused" ]; then
    # shellcheck disable=SC2086 # a word list
    say "pg-cluster:acceptDataLoss: $(sorted_list ',' $unused) applied to nothing in this run; remove it: pulumi config rm pg-cluster:acceptDataLoss"
fi

for node in $slow; do
    event="${event:+$event; }warning: $node does not stream from $primary yet"
done
echo "$primary primary timeline $primary_timeline${event:+; $event}"
