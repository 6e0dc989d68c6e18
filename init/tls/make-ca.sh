#!/bin/sh
# pg-cluster step "tls-ca", create: makes one generation of the cluster's certificate authority
# (an ECDSA P-256 key and a self-signed CA certificate, valid 5 years), once. Pulumi keeps it in
# state: stdout, the key and the certificate, is a secret output; stderr, the certificate alone,
# is the one output that is not. Nothing is logged.
#
# Runs where Pulumi runs. openssl runs in a one-off container of the cluster's image (no network,
# removed when done), so the machine running Pulumi needs no openssl of its own; the key exists
# only inside that container's /tmp, in memory (its root is read-only), and on this script's stdout.
#   PGC_IMAGE                  the cluster's image
#   PGC_CA_NAME                the CA certificate's subject common name
#   PGC_CA_SCRIPT              init/tls/ca-in-container.sh
#   PGC_PROJECT, PGC_STACK     labels of the one-off container
set -eu

pgc_require PGC_IMAGE PGC_CA_NAME PGC_CA_SCRIPT PGC_PROJECT PGC_STACK

# shellcheck disable=SC2086 # PGC_ONE_OFF_HARDENING is a list of options
pem=$(docker run --rm --network none $PGC_ONE_OFF_HARDENING --label "pg-cluster.project=$PGC_PROJECT" \
    --label "pg-cluster.stack=$PGC_STACK" --label pg-cluster.role=tls-ca \
    --env PGC_CA_NAME "$PGC_IMAGE" sh -c "$PGC_CA_SCRIPT")
certificate=$(printf '%s\n' "$pem" | sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p')
case "$pem" in
    *"-----BEGIN PRIVATE KEY-----"*) ;;
    *) echo "pg-cluster: openssl made no CA key" >&2; exit 1 ;;
esac
[ -n "$certificate" ] || { echo "pg-cluster: openssl made no CA certificate" >&2; exit 1; }
printf '%s\n' "$pem"
printf '%s\n' "$certificate" >&2
