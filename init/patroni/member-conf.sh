#!/bin/sh
# pg-cluster step "member-conf" (ha: patroni): puts a member's control-plane files on its volume:
# the control-plane CA certificate (etcd and Patroni's REST API trust it, and nothing else does),
# the member's key and certificate signed by it (server and client use: the REST API, etcd's
# peers and clients), its configuration file and, for a Patroni member, its secrets file (mode
# 0600). Used for Patroni members and etcd members alike; a running Patroni member is made to
# read its new configuration (SIGHUP to its PID 1, which Patroni passes on).
#
# Runs where Pulumi runs. A one-off container of the cluster's image (no network, removed when
# done) with the member's volume mounted writes the files (init/patroni/member-conf-in-container.sh).
# The member's key is made in that container and never leaves the volume. Stdin: the secrets
# file's text (empty for etcd), a line "# pg-cluster: end of secrets", then the control-plane
# CA's key and certificate: in no argv, in no environment, in no log.
#   PGC_NODE, PGC_CONTAINER      the member and its container's name
#   PGC_VOLUME, PGC_MOUNT        its volume and where the one-off container mounts it
#   PGC_IMAGE                    the cluster's image (openssl, sh)
#   PGC_DIR                      the directory of the member's files on the volume
#   PGC_OWNER                    user:group that owns them (the member's process)
#   PGC_CERT_NAMES               the member certificate's subjectAltName (DNS:…,IP:…)
#   PGC_CERT_GENERATION          raising it (tlsCertificateGeneration) gives the member a new key and certificate
#   PGC_CONFIG_FILE, PGC_CONFIG  the configuration file (relative to PGC_DIR) and its text
#   PGC_SECRETS_FILE             the secrets file (relative to PGC_DIR); unset for etcd
#   PGC_DATA_DIR                 a directory the member keeps its data in (made 0700); optional
#   PGC_RELOAD                   "hup": a running member reloads on SIGHUP; optional
#   PGC_CONF_SCRIPT              init/patroni/member-conf-in-container.sh
#   PGC_PROJECT, PGC_STACK, PGC_NAME_PREFIX   labels and name of the one-off container
#
# Its only line on stdout: "<member> certificate sha256:<fingerprint>".
set -eu

pgc_require PGC_NODE PGC_CONTAINER PGC_VOLUME PGC_MOUNT PGC_IMAGE PGC_DIR PGC_OWNER PGC_CERT_NAMES PGC_CERT_GENERATION \
    PGC_CONFIG_FILE PGC_CONFIG PGC_CONF_SCRIPT PGC_PROJECT PGC_STACK PGC_NAME_PREFIX

runner="$PGC_NAME_PREFIX-$PGC_NODE-member-conf"
docker rm -f -v "$runner" >/dev/null 2>&1 || true
# shellcheck disable=SC2086 # PGC_ONE_OFF_HARDENING is a list of options
served=$(docker run -i --rm --name "$runner" --network none \
    $PGC_ONE_OFF_HARDENING --cap-add CHOWN --cap-add FOWNER --cap-add DAC_OVERRIDE \
    --volume "$PGC_VOLUME:$PGC_MOUNT" \
    --label "pg-cluster.project=$PGC_PROJECT" --label "pg-cluster.stack=$PGC_STACK" \
    --label "pg-cluster.node=$PGC_NODE" --label pg-cluster.role=member-conf \
    --env PGC_NODE --env PGC_DIR --env PGC_OWNER --env PGC_CERT_NAMES --env PGC_CERT_GENERATION --env PGC_CONFIG_FILE --env PGC_CONFIG \
    --env PGC_SECRETS_FILE --env PGC_DATA_DIR "$PGC_IMAGE" sh -c "$PGC_CONF_SCRIPT")

state=$(pgc_container_state "$PGC_CONTAINER")
if [ "$state" = unknown ]; then
    echo "pg-cluster: cannot ask ${DOCKER_HOST:-the Docker host} about $PGC_CONTAINER: its files on the volume were written, but whether it runs them is not known. Run pulumi up again once it answers" >&2
    exit 1
fi
if [ "${PGC_RELOAD:-}" = hup ] && [ "$state" = running ]; then
    docker kill --signal HUP "$PGC_CONTAINER" >/dev/null
    echo "pg-cluster: $PGC_CONTAINER reloads its configuration" >&2
fi
printf '%s\n' "$served"
