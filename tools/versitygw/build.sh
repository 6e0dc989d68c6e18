#!/bin/sh
# Builds VersityGW (github.com/versity/versitygw, Apache-2.0), an S3 gateway, from its Go module:
# the S3-compatible server the test layer runs for `backupStorage: s3` (BackupDockerTest). It is
# no part of what users run. Built once per version and cached under
# ${PG_CLUSTER_VERSITYGW_CACHE:-/var/cache/pg-cluster/versitygw}/VERSION/; later runs reuse the
# binary (a static one: CGO off, so it runs in any container it is mounted into).
#
#     sh tools/versitygw/build.sh     # prints the binary's path on its last line
set -eu

VERSITYGW_VERSION=v1.8.0

log() { printf 'versitygw: %s\n' "$*" >&2; }

cache=${PG_CLUSTER_VERSITYGW_CACHE:-/var/cache/pg-cluster/versitygw}
bin=$cache/$VERSITYGW_VERSION/versitygw

if [ ! -x "$bin" ]; then
    command -v go >/dev/null 2>&1 || { log "go is not on PATH; it is needed once to build versitygw $VERSITYGW_VERSION"; exit 1; }
    started=$(date +%s)
    log "building $VERSITYGW_VERSION into $bin ..."
    mkdir -p "$cache/$VERSITYGW_VERSION"
    # Built beside the cache entry, then renamed: a half-written binary is never taken for a
    # cached one, and two builds at once each rename a whole one.
    tmp=$(mktemp -d "$cache/$VERSITYGW_VERSION/.build.XXXXXX")
    if ! CGO_ENABLED=0 GOBIN=$tmp go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" >&2; then
        rm -rf "$tmp"
        log "building $VERSITYGW_VERSION FAILED"
        exit 1
    fi
    mv -f "$tmp/versitygw" "$bin"
    rm -rf "$tmp"
    log "built in $(( $(date +%s) - started )) s"
fi
echo "$bin"
