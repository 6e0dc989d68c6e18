#!/bin/sh
# pg-cluster step "backup-passphrase" (README: Backups and recovery): the repository's cipher
# passphrase, printed once on stdout, which Pulumi keeps in state as a secret. When the repository's
# config volume already holds one (a repository retained from an earlier stack of this name, or
# from before this stack's state lost the step), that one: a new passphrase would lock the stack
# out of its own backups. Otherwise a new one: 64 random letters and digits (381 bits).
# The volume is only read, by a one-off container without network.
#   PGC_VOLUME   the repository's config volume
#   PGC_IMAGE    the cluster's image
#   PGC_RUNNER   the one-off container's name
#   PGC_PROJECT, PGC_STACK   its labels
set -eu

pgc_require PGC_VOLUME PGC_IMAGE PGC_RUNNER PGC_PROJECT PGC_STACK
docker rm -f -v "$PGC_RUNNER" >/dev/null 2>&1 || true
# shellcheck disable=SC2086 # PGC_ONE_OFF_HARDENING is a list of options
# --log-driver none: what the container prints (the passphrase) reaches this step's stdout and no
# log of the Docker host (a daemon's default driver may be journald or syslog).
existing=$(docker run --rm --name "$PGC_RUNNER" --log-driver none --network none $PGC_ONE_OFF_HARDENING --cap-add DAC_OVERRIDE \
    --volume "$PGC_VOLUME:/conf:ro" --label "pg-cluster.project=$PGC_PROJECT" --label "pg-cluster.stack=$PGC_STACK" \
    --label pg-cluster.role=backup-passphrase --entrypoint sh "$PGC_IMAGE" -c \
    'if [ -e /conf/conf.d/secrets.conf ]; then sed -n "s/^repo1-cipher-pass=//p" /conf/conf.d/secrets.conf; fi')
if [ -n "$existing" ]; then
    echo "pg-cluster: the repository's config volume $PGC_VOLUME holds a passphrase: the stack keeps it" >&2
    printf '%s\n' "$existing"
else
    LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 64
    echo
fi
