#!/bin/sh
# pg-cluster step "dcs-config" (ha: patroni): makes the configuration Patroni keeps in the DCS
# (timings, failover bounds, synchronous mode, the PostgreSQL settings every node shares) what the
# stack declares, through Patroni's REST API (PATCH /config) on the first member that runs. The
# step's input holds the configuration, so it runs again exactly when a declared value changes;
# Patroni applies a changed setting to every member without a restart where PostgreSQL allows it.
#
# Runs where Pulumi runs, through the docker CLI.
#   PGC_MEMBER_CONTAINERS   the Patroni members' containers, space-separated
#   PGC_DCS_CONFIG          the dynamic configuration (JSON)
#   PGC_PATCH_SCRIPT        init/patroni/patch-config.py
set -eu

pgc_require PGC_MEMBER_CONTAINERS PGC_DCS_CONFIG PGC_PATCH_SCRIPT
for container in $PGC_MEMBER_CONTAINERS; do
    state=$(docker container inspect --format '{{.State.Status}}' "$container" 2>/dev/null) || state=missing
    [ "$state" = running ] || continue
    printf '%s\n' "$PGC_DCS_CONFIG" | docker exec -i "$container" python3 -c "$PGC_PATCH_SCRIPT" "$PGC_CONF_DIR"
    exit 0
done
echo "pg-cluster: no Patroni member runs ($PGC_MEMBER_CONTAINERS): the DCS configuration cannot be set" >&2
exit 1
