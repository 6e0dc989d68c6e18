#!/bin/sh
# Removes everything the spike made (by name, nothing else): containers,
# volumes, the network, and the private state directory.
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$HERE/lib.sh"
for c in $(docker ps -a --format '{{.Names}}' --filter "name=^$PREFIX-"); do docker rm -f "$c" >/dev/null; done
for v in $(docker volume ls -q --filter "name=^$PREFIX-"); do docker volume rm "$v" >/dev/null; done
docker network rm "$NET" >/dev/null 2>&1 || true
rm -rf "$STATE"
left=$(docker ps -a --filter "name=^$PREFIX-" -q; docker volume ls -q --filter "name=^$PREFIX-"; docker network ls -q --filter "name=^$PREFIX-")
[ -z "$left" ] || die "still present: $left"
log "removed every $PREFIX-* container, volume and network, and $STATE"
