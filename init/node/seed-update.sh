#!/bin/sh
# pg-cluster step "seed", update: runs instead of create when only the step's settings changed
# (the node's role after a switchover, the primary's address, a password), not its volume. The
# node's data is already there; seeding again would mean wiping it, which only a new volume does
# (Pulumi replaces the step then).
set -eu

pgc_require PGC_VOLUME PGC_NODE

if ! docker volume inspect "$PGC_VOLUME" >/dev/null 2>&1; then
    echo "pg-cluster: data volume $PGC_VOLUME of $PGC_NODE does not exist" >&2
    exit 1
fi
echo "pg-cluster: $PGC_NODE keeps its data; replace its volume to seed it afresh" >&2
# The step's stdout names the data the node runs on (its container's label); it has not
# changed. The provider passes the previous stdout in PULUMI_COMMAND_STDOUT.
if [ -z "${PULUMI_COMMAND_STDOUT:-}" ]; then
    echo "pg-cluster: the previous output of this step is missing (PULUMI_COMMAND_STDOUT)" >&2
    exit 1
fi
printf '%s\n' "$PULUMI_COMMAND_STDOUT"
