#!/bin/sh
# pg-cluster step "conf": keeps the node's files that are not data on its volume, beside the data
# directory (so base backups never copy one node's key to another): pg_hba.conf, the same on every
# node, the replication role's password file, and with TLS the node's own key and certificate and
# the CA certificates the cluster trusts. A running node is made to use them at once (a reload:
# nothing restarts, connections and WAL streams stay), and the step checks that it does.
#
# Runs where Pulumi runs. A one-off container of the cluster's image (no network, removed when
# done) with the node's volume mounted writes the files (init/node/conf-in-container.sh). The
# node's key is made in that container and never leaves the volume. Stdin: the replication
# password on the first line, then, with TLS, the signing CA's key and certificate; both go on
# through the one-off container's stdin: in no argv, in no container's environment, in no log.
#   PGC_NODE, PGC_CONTAINER      the node and its container's name
#   PGC_VOLUME, PGC_IMAGE        its data volume and the cluster's image
#   PGC_TLS                      on | off
#   PGC_HBA                      the pg_hba.conf
#   PGC_REPLICATION_USER         the replication role (its password file)
#   PGC_CA_BUNDLE                with TLS: the CA certificates (PEM) nodes and clients trust
#   PGC_CERT_NAMES               with TLS: the node certificate's subjectAltName (DNS:pg1,IP:127.0.0.1,…)
#   PGC_CERT_GENERATION          with TLS: raising it gives the node a new key and certificate
#   PGC_CONF_SCRIPT              init/node/conf-in-container.sh
#   PGC_PROJECT, PGC_STACK, PGC_NAME_PREFIX   labels and name of the one-off container
#
# Its only line on stdout says what the node serves: "<node> certificate sha256:<fingerprint>
# until <date>", or "<node> without TLS". Every other message goes to stderr.
set -eu

pgc_require PGC_NODE PGC_CONTAINER PGC_VOLUME PGC_IMAGE PGC_TLS PGC_HBA PGC_REPLICATION_USER PGC_CONF_SCRIPT \
    PGC_PROJECT PGC_STACK PGC_NAME_PREFIX
IFS= read -r replication_password || true
if [ -z "$replication_password" ]; then
    echo "pg-cluster: expected the replication password on the first line of stdin" >&2
    exit 2
fi
if [ "$PGC_TLS" = on ]; then
    pgc_require PGC_CA_BUNDLE PGC_CERT_NAMES PGC_CERT_GENERATION
    signing=$(cat)
    case "$signing" in
        *"-----BEGIN PRIVATE KEY-----"*"-----BEGIN CERTIFICATE-----"*) ;;
        *) echo "pg-cluster: expected the signing CA's key and certificate on stdin" >&2; exit 2 ;;
    esac
else
    signing=""
fi

runner="$PGC_NAME_PREFIX-$PGC_NODE-conf"
docker rm -f -v "$runner" >/dev/null 2>&1 || true
served=$(printf '%s\n%s\n' "$replication_password" "$signing" | docker run -i --rm --name "$runner" --network none \
    $PGC_ONE_OFF_HARDENING --cap-add CHOWN --cap-add FOWNER --cap-add DAC_OVERRIDE \
    --volume "$PGC_VOLUME:/var/lib/postgresql/data" \
    --label "pg-cluster.project=$PGC_PROJECT" --label "pg-cluster.stack=$PGC_STACK" \
    --label "pg-cluster.node=$PGC_NODE" --label pg-cluster.role=conf \
    --env PGC_NODE --env PGC_TLS --env PGC_HBA --env PGC_REPLICATION_USER --env PGC_CA_BUNDLE --env PGC_CERT_NAMES \
    --env PGC_CERT_GENERATION "$PGC_IMAGE" sh -c "$PGC_CONF_SCRIPT")

state=$(pgc_container_state "$PGC_CONTAINER")
if [ "$state" = unknown ]; then
    echo "pg-cluster: cannot ask ${DOCKER_HOST:-the Docker host} about $PGC_CONTAINER: its files on the volume were written, but whether it runs them is not known. Run pulumi up again once it answers" >&2
    exit 1
fi
if [ "$state" != running ]; then
    echo "pg-cluster: $PGC_CONTAINER is ${state:-missing}; it uses these files when it starts" >&2
    printf '%s\n' "$served"
    exit 0
fi

q() {
    pgc_psql "$PGC_CONTAINER" postgres -At -c "$1"
}
# A node made before the files moved out of its data directory still reads its old ones; the
# container with the new settings replaces it in this same update.
if [ "$(q "SELECT current_setting('hba_file') = $(pgc_literal "$PGC_CONF_DIR/pg_hba.conf")")" != t ]; then
    echo "pg-cluster: $PGC_CONTAINER runs with settings from before; its new container uses these files" >&2
    printf '%s\n' "$served"
    exit 0
fi
# TLS turned on: rules that ask for TLS would lock everyone out of a server that has none.
if [ "$PGC_TLS" = on ] && [ "$(q "SHOW ssl")" != on ]; then
    echo "pg-cluster: $PGC_CONTAINER runs without TLS; its new container with TLS uses these files" >&2
    printf '%s\n' "$served"
    exit 0
fi
q "SELECT pg_reload_conf()" >/dev/null
# The server keeps its old rules (and certificate) when the new ones do not load: say so.
errors=$(q "SELECT line_number || ': ' || error FROM pg_hba_file_rules WHERE error IS NOT NULL")
if [ -n "$errors" ]; then
    echo "pg-cluster: $PGC_CONTAINER rejects the new pg_hba.conf and keeps its old rules:" >&2
    printf '%s\n' "$errors" >&2
    exit 1
fi
if [ "$PGC_TLS" = on ]; then
    want=$(printf '%s\n' "$served" | sed -n 's/.* certificate \(sha256:[0-9A-F:]*\) .*/\1/p')
    deadline=$(( $(date +%s) + 15 ))
    while :; do
        got=$(docker exec "$PGC_CONTAINER" sh -c "openssl s_client -starttls postgres -connect 127.0.0.1:5432 \
            </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256" 2>/dev/null |
            sed -n 's/^[^=]*=/sha256:/p') || got=""
        [ "$got" != "$want" ] || break
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "pg-cluster: $PGC_CONTAINER still serves ${got:-no certificate} after a reload, not $want;" \
                "see docker logs $PGC_CONTAINER" >&2
            exit 1
        fi
        sleep 0.2
    done
fi
echo "pg-cluster: $PGC_CONTAINER reloaded its pg_hba.conf$([ "$PGC_TLS" = on ] && echo ' and certificate')" >&2
printf '%s\n' "$served"
