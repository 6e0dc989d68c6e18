# pg-cluster: runs inside the one-off container of the "tls-ca" step (no network, /bin/sh). Prints
# a new CA key (PKCS#8 PEM) and its self-signed certificate (PEM) on stdout; keeps nothing.
set -eu

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/ca.key" 2>/dev/null
openssl req -x509 -new -key "$work/ca.key" -sha256 -days 1825 -subj "/CN=$PGC_CA_NAME" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$work/ca.crt"
cat "$work/ca.key" "$work/ca.crt"
