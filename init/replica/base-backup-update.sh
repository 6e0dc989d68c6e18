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
echo "pg-cluster: $PGC_NODE keeps its data; replace its volume to take a fresh base backup" >&2
# The step's stdout names the backup the replica runs on (its container's label); it has not
# changed. The provider passes the previous stdout in PULUMI_COMMAND_STDOUT.
if [ -z "${PULUMI_COMMAND_STDOUT:-}" ]; then
    echo "pg-cluster: the previous output of this step is missing (PULUMI_COMMAND_STDOUT)" >&2
    exit 1
fi
printf '%s\n' "$PULUMI_COMMAND_STDOUT"
