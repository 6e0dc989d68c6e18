#!/bin/sh
# pg-cluster step "base-backup", update: runs instead of create when only the step's settings
# changed (not its volume). The replica's data already streams from the primary; taking a new
# backup would mean wiping it, which only a new volume does (Pulumi replaces the step then).
set -eu

: "${PGC_VOLUME:?PGC_VOLUME is not set}"
: "${PGC_NODE:?PGC_NODE is not set}"

if ! docker volume inspect "$PGC_VOLUME" >/dev/null 2>&1; then
    echo "pg-cluster: data volume $PGC_VOLUME of $PGC_NODE does not exist" >&2
    exit 1
fi
echo "pg-cluster: $PGC_NODE keeps its data; replace its volume to take a fresh base backup"
