#!/bin/sh
# Renders the monitoring templates and checks them with promtool inside the test image
# (promtool is not on the host): `promtool check rules`, `promtool test rules` (tests/), and
# `promtool check config` on prometheus.yml with targets.example.json and
# targets-etcd.example.json. Exit status non-zero on any failure.
#
# Usage: sh monitoring/check-rules.sh          (needs Docker and the image of src/test/image)
#        PG_CLUSTER_TEST_IMAGE=... sh monitoring/check-rules.sh
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
image=${PG_CLUSTER_TEST_IMAGE:-pg-cluster-test/postgres:17}
log() { printf 'check-rules.sh: %s\n' "$*" >&2; }

docker image inspect "$image" >/dev/null 2>&1 ||
    { log "image $image is missing (build it: sh src/test/image/build.sh)"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pg-cluster-rules.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# One directory per rendering: a test file finds alerts.rules.yml beside itself.
#   sync/   SYNC_STANDBYS=1 (synchronous_standby_names = 'ANY 1 (...)'): tests/alerts.test.yml
#   async/  defaults.env as it is (SYNC_STANDBYS=0):                    tests/alerts-async.test.yml
mkdir "$work/sync" "$work/async" "$work/config"
sh "$here/render.sh" "$here/alerts.rules.yml" SYNC_STANDBYS=1 > "$work/sync/alerts.rules.yml"
cp "$here/tests/alerts.test.yml" "$work/sync/"
sh "$here/render.sh" "$here/alerts.rules.yml" > "$work/async/alerts.rules.yml"
cp "$here/tests/alerts-async.test.yml" "$work/async/"
sh "$here/render.sh" "$here/prometheus.yml" > "$work/config/prometheus.yml"
cp "$work/sync/alerts.rules.yml" "$work/config/alerts.rules.yml"
cp "$here/targets.example.json" "$work/config/targets.json"
cp "$here/targets-etcd.example.json" "$work/config/targets-etcd.json"
chmod -R a+rX "$work"

# promtool runs as nobody with the work directory read-only; no network needed.
docker run --rm --network none --user 65534:65534 -v "$work:/w:ro" -w /w \
    --entrypoint sh "$image" -c '
        set -eu
        promtool check rules sync/alerts.rules.yml async/alerts.rules.yml
        (cd sync && promtool test rules alerts.test.yml)
        (cd async && promtool test rules alerts-async.test.yml)
        promtool check config config/prometheus.yml
    '
log "all checks passed"
