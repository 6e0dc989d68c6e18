# pg-cluster: runs inside the one-off container of a node's "conf" step (as root, no network,
# /bin/sh), the node's volume mounted at /var/lib/postgresql/data. Writes the node's files that
# are not data into $PGC_CONF_DIR, each replaced whole (written beside, then renamed), owned by
# postgres, mode 0600. Stdin: the replication password on the first line, then, with TLS, the
# signing CA's key and certificate.
#
# The node's key and certificate are made again only when what they must say changed (names,
# generation, signing CA) or when they are missing; otherwise they are kept.
set -eu

umask 077
mkdir -p "$PGC_CONF_DIR"
chown postgres:postgres "$PGC_CONF_DIR"
chmod 0700 "$PGC_CONF_DIR"

# put NAME: stdin becomes $PGC_CONF_DIR/NAME.
put() {
    cat >"$PGC_CONF_DIR/$1.new"
    chown postgres:postgres "$PGC_CONF_DIR/$1.new"
    chmod 0600 "$PGC_CONF_DIR/$1.new"
    mv "$PGC_CONF_DIR/$1.new" "$PGC_CONF_DIR/$1"
}

IFS= read -r replication_password || true
[ -n "$replication_password" ] || { echo "pg-cluster: no replication password on stdin" >&2; exit 2; }

printf '%s\n' "$PGC_HBA" | put pg_hba.conf
# Read by standbys (primary_conninfo names it), base backups and pg_rewind: the password is in no
# setting, no argv, no environment.
pgc_pgpass_line "$PGC_REPLICATION_USER" "$replication_password" | put "$(basename "$PGC_REPLICATION_PASSFILE")"

if [ "$PGC_TLS" != on ]; then
    rm -f "$PGC_CONF_DIR/server.key" "$PGC_CONF_DIR/server.crt" "$PGC_CONF_DIR/server.id" "$PGC_CONF_DIR/ca.crt" \
        "$PGC_CONF_DIR/server.notafter"
    sync
    echo "$PGC_NODE without TLS"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/signing.pem"
sed -n '/-----BEGIN PRIVATE KEY-----/,/-----END PRIVATE KEY-----/p' "$work/signing.pem" >"$work/ca.key"
sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$work/signing.pem" >"$work/ca.crt"
rm -f "$work/signing.pem"

printf '%s\n' "$PGC_CA_BUNDLE" | put ca.crt

wanted=$(printf '%s\n%s\n' "$PGC_CERT_NAMES" "$PGC_CERT_GENERATION" | cat - "$work/ca.crt" | sha256sum | cut -c1-64)
if [ ! -s "$PGC_CONF_DIR/server.key" ] || [ ! -s "$PGC_CONF_DIR/server.crt" ] ||
    [ "$(cat "$PGC_CONF_DIR/server.id" 2>/dev/null || true)" != "$wanted" ]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/server.key" 2>/dev/null
    openssl req -new -key "$work/server.key" -subj "/CN=$PGC_NODE" -out "$work/server.csr"
    printf '%s\n' "subjectAltName=$PGC_CERT_NAMES" "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$work/server.ext"
    openssl x509 -req -in "$work/server.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" \
        -set_serial "0x$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" -days 397 -sha256 \
        -extfile "$work/server.ext" -out "$work/server.crt" 2>/dev/null
    # The key first: a server reloading in between keeps its old pair when the two do not match.
    put server.key <"$work/server.key"
    put server.crt <"$work/server.crt"
    printf '%s\n' "$wanted" | put server.id
    echo "pg-cluster: new key and certificate for $PGC_NODE ($PGC_CERT_NAMES)" >&2
fi
openssl verify -CAfile "$PGC_CONF_DIR/ca.crt" "$PGC_CONF_DIR/server.crt" >/dev/null ||
    { echo "pg-cluster: the certificate of $PGC_NODE does not verify against the CA certificates" >&2; exit 1; }
sync
fingerprint=$(openssl x509 -noout -fingerprint -sha256 -in "$PGC_CONF_DIR/server.crt" | sed 's/^[^=]*=//')
until=$(openssl x509 -noout -enddate -in "$PGC_CONF_DIR/server.crt" | sed 's/^notAfter=//')
# When the certificate expires, in seconds since the epoch: the server reads it for the exporter
# (pgcluster.tls_certificate_not_after(), the PgClusterCertificateExpiresSoon alert).
date -u -d "$until" +%s | put server.notafter
echo "$PGC_NODE certificate sha256:$fingerprint until $until"
