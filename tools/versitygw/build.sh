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

root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/lib/go-install.sh
. "$root/tools/lib/go-install.sh"
# Static (CGO off): it runs in any container it is mounted into.
go_install_cached versitygw github.com/versity/versitygw/cmd/versitygw "$VERSITYGW_VERSION" \
    "${PG_CLUSTER_VERSITYGW_CACHE:-/var/cache/pg-cluster/versitygw}" CGO_ENABLED=0
