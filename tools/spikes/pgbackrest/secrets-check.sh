#!/bin/sh
# Looks for every secret of the spike (repository passphrases, S3 keys,
# replication password) where it must not be: docker inspect of every
# container, the argv and environment of every process in them, their logs,
# the repository host's log files, and the nodes' pgbackrest config. Prints
# one line per place; "clean" means no secret was found there.
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
. "$HERE/lib.sh"
secrets=''
for f in repo1.pass repo2.pass s3.access s3.secret replication.pw; do
    [ -f "$STATE/$f" ] && secrets="$secrets $f"
done
rm -f "$STATE/out/secrets-found"; mkdir -p "$STATE/out"
check() { # where: reads stdin
    data=$(cat)
    hit=''
    for f in $secrets; do
        # grep -F reads the secret from a file (-f), never from an argv.
        printf '%s' "$data" | grep -q -F -f "$STATE/$f" && hit="$hit $f"
    done
    # check runs at the end of a pipeline (a subshell): a file records a hit.
    if [ -n "$hit" ]; then echo "FOUND$hit in $1"; touch "$STATE/out/secrets-found"; else echo "clean: $1"; fi
}
for c in $(docker ps --format '{{.Names}}' --filter "name=^$PREFIX-"); do
    docker inspect "$c" | check "docker inspect $c"
    docker logs "$c" 2>&1 | check "docker logs $c"
    docker exec "$c" sh -c 'for p in /proc/[0-9]*; do tr "\0" " " < $p/cmdline 2>/dev/null; echo; done' | check "argv of every process in $c"
    docker exec "$c" sh -c 'for p in /proc/[0-9]*; do tr "\0" "\n" < $p/environ 2>/dev/null; done' | check "environment of every process in $c"
done
docker exec "$REPO" sh -c "cat $REPO_CONF_DIR/log/*.log" | check "pgbackrest log files on the repository host"
for n in "$PREFIX-pg0" "$PREFIX-pg1"; do
    docker exec "$n" cat "$BR_CONF_PATH/pgbackrest.conf" | check "pgbackrest.conf of $n"
done
docker exec "$REPO" stat -c '%a %U %n' "$REPO_CONF_DIR/conf.d/secrets.conf" "$REPO_CONF_DIR/node.key"
[ ! -e "$STATE/out/secrets-found" ]
