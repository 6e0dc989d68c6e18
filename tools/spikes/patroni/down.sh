#!/bin/sh
# Removes everything up.sh made (by name, nothing else): containers, volumes, network.
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$here/lib.sh"
for c in $CLIENT $PREFIX-fill; do docker rm -f "$c" >/dev/null 2>&1 || true; done
for m in $PG_MEMBERS $ETCD_MEMBERS; do docker rm -f "$PREFIX-$m" >/dev/null 2>&1 || true; done
for m in $PG_MEMBERS $ETCD_MEMBERS; do docker volume rm "$PREFIX-$m" >/dev/null 2>&1 || true; done
docker network rm "$NET" >/dev/null 2>&1 || true
left=$(docker ps -a --filter "name=^$PREFIX-" -q; docker volume ls -q --filter "name=^$PREFIX-"; docker network ls -q --filter "name=^$PREFIX-")
[ -z "$left" ] || die "still present: $left"
log "removed every $PREFIX-* container, volume and network"
