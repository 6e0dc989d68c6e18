# pg-cluster: runs inside the one-off container of a member's "member-conf" step (as root, no
# network, /bin/sh), the member's volume mounted. Writes the member's control-plane files into
# $PGC_DIR, each replaced whole (written beside, then renamed), owned by $PGC_OWNER, mode 0600.
# Stdin: the secrets file's text, a line "# pg-cluster: end of secrets", then the control-plane
# CA's key and certificate.
#
# The member's key and certificate are made again only when what they must say changed (names,
# signing CA) or when they are missing; otherwise they are kept.
set -eu

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$work/secrets"
while IFS= read -r line; do
    [ "$line" != "# pg-cluster: end of secrets" ] || break
    printf '%s\n' "$line" >>"$work/secrets"
done
cat >"$work/signing.pem"
sed -n '/-----BEGIN PRIVATE KEY-----/,/-----END PRIVATE KEY-----/p' "$work/signing.pem" >"$work/ca.key"
sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$work/signing.pem" >"$work/ca.crt"
rm -f "$work/signing.pem"
[ -s "$work/ca.key" ] && [ -s "$work/ca.crt" ] ||
    { echo "pg-cluster: expected the control-plane CA's key and certificate on stdin" >&2; exit 2; }

mkdir -p "$PGC_DIR" "$PGC_DIR/$(dirname "$PGC_CONFIG_FILE")"
chown "$PGC_OWNER" "$PGC_DIR" "$PGC_DIR/$(dirname "$PGC_CONFIG_FILE")"
chmod 0700 "$PGC_DIR" "$PGC_DIR/$(dirname "$PGC_CONFIG_FILE")"
if [ -n "${PGC_DATA_DIR:-}" ]; then
    mkdir -p "$PGC_DATA_DIR"
    chown "$PGC_OWNER" "$PGC_DATA_DIR" "$(dirname "$PGC_DATA_DIR")"
    chmod 0700 "$PGC_DATA_DIR"
fi

# put NAME: stdin becomes $PGC_DIR/NAME.
put() {
    cat >"$PGC_DIR/$1.new"
    chown "$PGC_OWNER" "$PGC_DIR/$1.new"
    chmod 0600 "$PGC_DIR/$1.new"
    mv "$PGC_DIR/$1.new" "$PGC_DIR/$1"
}

put dcs-ca.crt <"$work/ca.crt"
wanted=$(printf '%s\n%s\n' "$PGC_CERT_NAMES" "$PGC_CERT_GENERATION" | cat - "$work/ca.crt" | sha256sum | cut -c1-64)
# Made again when what it must say changed (names, generation, CA), and when it has less than 30
# days left: every run of this step renews a certificate that is about to expire.
if [ ! -s "$PGC_DIR/member.key" ] || [ ! -s "$PGC_DIR/member.crt" ] ||
    [ "$(cat "$PGC_DIR/member.id" 2>/dev/null || true)" != "$wanted" ] ||
    ! openssl x509 -checkend 2592000 -noout -in "$PGC_DIR/member.crt" >/dev/null 2>&1; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/member.key" 2>/dev/null
    openssl req -new -key "$work/member.key" -subj "/CN=$PGC_NODE" -out "$work/member.csr"
    printf '%s\n' "subjectAltName=$PGC_CERT_NAMES" "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth,clientAuth" >"$work/member.ext"
    openssl x509 -req -in "$work/member.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" \
        -set_serial "0x$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" -days 397 -sha256 \
        -extfile "$work/member.ext" -out "$work/member.crt" 2>/dev/null
    put member.key <"$work/member.key"
    put member.crt <"$work/member.crt"
    printf '%s\n' "$wanted" | put member.id
    echo "pg-cluster: new control-plane key and certificate for $PGC_NODE ($PGC_CERT_NAMES)" >&2
fi
openssl verify -CAfile "$PGC_DIR/dcs-ca.crt" "$PGC_DIR/member.crt" >/dev/null ||
    { echo "pg-cluster: the certificate of $PGC_NODE does not verify against the control-plane CA" >&2; exit 1; }

printf '%s\n' "$PGC_CONFIG" | put "$PGC_CONFIG_FILE"
if [ -n "${PGC_SECRETS_FILE:-}" ]; then
    [ -s "$work/secrets" ] || { echo "pg-cluster: expected $PGC_SECRETS_FILE on stdin" >&2; exit 2; }
    put "$PGC_SECRETS_FILE" <"$work/secrets"
fi
sync
echo "$PGC_NODE certificate sha256:$(openssl x509 -noout -fingerprint -sha256 -in "$PGC_DIR/member.crt" | sed 's/^[^=]*=//')"
