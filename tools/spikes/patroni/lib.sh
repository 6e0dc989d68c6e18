# Shared names and helpers of the Patroni spike (issue 21). Sourced, not run.
# Everything runs on the Docker engine DOCKER_HOST names (the spike used the
# second engine, tools/docker26/) and is named spike21-*.
set -eu

: "${DOCKER_HOST:?set DOCKER_HOST to the engine the spike may use (never the shared one)}"
export DOCKER_HOST
IMAGE=${SPIKE_IMAGE:-pg-cluster-test/postgres:17}
PREFIX=spike21
SCOPE=$PREFIX
NET=$PREFIX-net
ETCD_MEMBERS='etcd0 etcd1 etcd2'
PG_MEMBERS='pg0 pg1 pg2'
CLIENT=$PREFIX-client
PGDIR=/var/lib/postgresql/data
CONF=$PGDIR/conf
PATRONI_CONFIG=$CONF/patroni
PG_UID=999
ETCD_DIR=/var/lib/etcd

log() { printf '%s %s\n' "$(date +%H:%M:%S.%N | cut -c1-12)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# The hardening of every long-running container: no capability at all, no
# privilege gain, read-only root, bounded in-memory /tmp.
HARDENING="--cap-drop ALL --security-opt no-new-privileges --read-only --pids-limit 512
  --tmpfs /tmp:rw,noexec,nosuid,nodev,size=64m"

# patronictl inside a member (uses the member's own config directory: its
# client certificate, CA and REST API credentials).
patronictl_on() { member=$1; shift; docker exec "$PREFIX-$member" patronictl -c "$PATRONI_CONFIG" "$@"; }

# The member that leads now, asked of the first member that answers.
leader() {
    for m in $PG_MEMBERS; do
        out=$(docker exec "$PREFIX-$m" patronictl -c "$PATRONI_CONFIG" list -f json 2>/dev/null) || continue
        printf '%s' "$out" | python3 -c 'import json,sys
for r in json.load(sys.stdin):
    if r["Role"] == "Leader" and r["State"] == "running": print(r["Member"])'
        return 0
    done
    return 1
}

# Members streaming from the leader ("streaming" state), counted.
streaming_count() {
    for m in $PG_MEMBERS; do
        out=$(docker exec "$PREFIX-$m" patronictl -c "$PATRONI_CONFIG" list -f json 2>/dev/null) || continue
        printf '%s' "$out" | python3 -c 'import json,sys
print(sum(1 for r in json.load(sys.stdin) if r["State"] == "streaming"))'
        return 0
    done
    echo 0
}

# An HTTPS request to a member's REST API from inside that member, with its
# client certificate; extra arguments: method, path, body, and "auth" to send
# the basic-auth user (read from 10-secrets.yml inside the container, never
# passed on a command line).
rest() {
    member=$1 method=$2 path=$3 body=${4:-} auth=${5:-}
    printf '%s' "$body" | docker exec -i "$PREFIX-$member" python3 -c '
import base64, ssl, sys, urllib.request, urllib.error, yaml
conf = sys.argv[1]; method, path, auth = sys.argv[2:5]
ctx = ssl.create_default_context(cafile=conf + "/ca.crt")
ctx.load_cert_chain(conf + "/member.crt", conf + "/member.key")
body = sys.stdin.buffer.read() or None
req = urllib.request.Request("https://localhost:8008" + path, data=body, method=method)
if body: req.add_header("Content-Type", "application/json")
if auth:
    a = yaml.safe_load(open(conf + "/patroni/10-secrets.yml"))["restapi"]["authentication"]
    req.add_header("Authorization", "Basic " + base64.b64encode((a["username"] + ":" + a["password"]).encode()).decode())
try:
    r = urllib.request.urlopen(req, context=ctx, timeout=5); print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode()); sys.exit(1)
' "$CONF" "$method" "$path" "$auth"
}

# SQL as the superuser over the member's Unix socket (peer authentication).
psql_in() { member=$1; shift; docker exec -i "$PREFIX-$member" psql -h /var/run/postgresql -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 "$@"; }

# --- the steady writer in the client container (writer.sh) ------------------
writer_start() { docker exec "$CLIENT" sh -c 'rm -f /tmp/writer.log'; docker exec -d "$CLIENT" sh /tmp/writer.sh "${1:-1}"; }
writer_stop() { docker exec "$CLIENT" touch /tmp/writer.stop; sleep 2.5; }
writer_log() { docker exec "$CLIENT" cat /tmp/writer.log; }
# Seconds from $1 (epoch) to the first acknowledged write of an attempt that
# started after it.
first_ok_after() { writer_log | awk -v t="$1" '$5 > t && $2 == "ok" { printf "%.2f %s\n", $1 - t, $4; exit }'; }
# Every acknowledged id must be on the leader: prints "acknowledged N, missing M".
check_acknowledged() {
    writer_log | awk '$2 == "ok" { print $3 }' > /tmp/spike21-acked.$$
    n=$(wc -l < /tmp/spike21-acked.$$)
    missing=$( { echo 'CREATE TEMP TABLE acked (id bigint);'; echo 'COPY acked FROM STDIN;'; cat /tmp/spike21-acked.$$; printf '\\.\n';
        echo 'SELECT count(*) FROM acked a WHERE NOT EXISTS (SELECT 1 FROM spike s WHERE s.id = a.id);'; } | psql_in "$(leader)")
    rm -f /tmp/spike21-acked.$$
    echo "acknowledged $n, missing $missing"
}
wait_until() { # timeout-seconds description command...
    limit=$1 what=$2; shift 2
    t=$(now)
    while ! "$@" >/dev/null 2>&1; do
        [ "$(elapsed "$t" "$(now)" | cut -d. -f1)" -lt "$limit" ] || die "timed out after $limit s: $what"
        sleep 0.2
    done
    echo "$(elapsed "$t" "$(now)")"
}
has_leader_and() { l=$(leader 2>/dev/null) && [ -n "$l" ] && [ "$(streaming_count)" -ge "$1" ]; }
