#!/bin/sh
# Derives the spike image: the test image plus Debian's pgbackrest package
# (trixie: 2.55.1), installed in a container of the test image and committed.
# Prints the time and the size delta. Only on the engine DOCKER_HOST names.
#
# The second engine's containers have no route or DNS to the outside
# (tools/docker26/settings.sh: no NAT, DNS upstream 127.0.0.1), so the
# install container uses the host's network and gets the mirror's address
# as the host resolves it: the mirror is the one the image's own apt sources
# name (read here, so no host name is written into this repository).
#
# Usage: DOCKER_HOST=... [BASE_IMAGE=pg-cluster-test/postgres:17] sh image.sh
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$HERE/lib.sh"
BASE=${BASE_IMAGE:-pg-cluster-test/postgres:17}
mirror=$(docker run --rm --network none --entrypoint sh "$BASE" -c 'cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null' |
    awk '$1 == "deb" { sub(/^[a-z]+:\/\//, "", $2); sub(/\/.*/, "", $2); print $2; exit }')
[ -n "$mirror" ] || die "no apt source in $BASE"
address=$(getent hosts "$mirror" | awk '{ print $1; exit }')
[ -n "$address" ] || die "the host cannot resolve the image's mirror"
t0=$(now)
docker run --name "$PREFIX-build" --network host --add-host "$mirror:$address" --entrypoint sh "$BASE" -c '
set -e
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pgbackrest > /tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
grep "^Setting up" /tmp/apt.log
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb /tmp/apt.log
pgbackrest version'
t1=$(now)
# docker commit keeps the container's entrypoint and command: put the image's back.
docker commit --change 'ENTRYPOINT ["docker-entrypoint.sh"]' --change 'CMD ["postgres"]' "$PREFIX-build" "$IMAGE" >/dev/null
docker rm "$PREFIX-build" >/dev/null
before=$(docker image inspect -f '{{.Size}}' "$BASE")
after=$(docker image inspect -f '{{.Size}}' "$IMAGE")
log "install $(elapsed "$t0" "$t1") s; $BASE $before bytes -> $IMAGE $after bytes (+$((after - before)))"
