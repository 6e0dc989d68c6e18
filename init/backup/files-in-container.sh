# pg-cluster: runs inside the one-off container of a "backup-files" step (as root, no network,
# /bin/sh): writes pgBackRest's files into $PGC_MOUNT/$PGC_TARGET_DIR, each replaced whole (written
# beside, then renamed), owned by postgres, mode 0600 (the directory 0700). Stdin: three lines,
# the cipher passphrase, the S3 access key and the S3 secret key (repository; empty lines without
# S3) or three empty lines (node), then the signing CA's key and certificate.
#
# The key and certificate are made again only when what they must say changed (names, generation,
# signing CA)
# or when they are missing. The repository's passphrase is written once: a repository encrypted
# with another passphrase is never given a new one (its backups could not be read with it). The S3
# keys are written whenever they change (rotated keys); each time the secrets file is written, a
# new random id in conf.d/secrets.id, printed on stdout, has the repository container replaced (it
# holds the keys it read).
set -eu

umask 077
dir="$PGC_MOUNT/$PGC_TARGET_DIR"
mkdir -p "$dir"
# The node's conf directory may not exist yet: the node's conf step makes it the same way.
chown postgres:postgres "$PGC_MOUNT/$PGC_TARGET_DIR" "$(dirname "$dir")"
chmod 0700 "$dir" "$(dirname "$dir")"

put() {
    cat >"$dir/$1.new"
    chown postgres:postgres "$dir/$1.new"
    chmod 0600 "$dir/$1.new"
    mv "$dir/$1.new" "$dir/$1"
}

IFS= read -r passphrase || true
IFS= read -r s3_key || true
IFS= read -r s3_secret || true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/signing.pem"
sed -n '/-----BEGIN PRIVATE KEY-----/,/-----END PRIVATE KEY-----/p' "$work/signing.pem" >"$work/ca.key"
sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$work/signing.pem" >"$work/ca.crt"
rm -f "$work/signing.pem"

printf '%s\n' "$PGC_BACKUP_CONF" | put pgbackrest.conf
if [ "$PGC_BACKUP_ROLE" = repository ]; then
    printf '%s\n' "$PGC_CA_BUNDLE" | put ca.crt
    mkdir -p "$dir/conf.d" "$dir/log"
    chown postgres:postgres "$dir/conf.d" "$dir/log"
    chmod 0700 "$dir/conf.d" "$dir/log"
    secrets="$dir/conf.d/secrets.conf"
    if [ -s "$secrets" ]; then
        # Compared without printing either: both are secrets.
        if [ "$(sed -n 's/^repo1-cipher-pass=//p' "$secrets")" != "$passphrase" ]; then
            echo "pg-cluster: the repository on this stack's volumes is encrypted with another passphrase than" \
                "pg-cluster:backupPassphrase. Nothing was changed. Set pg-cluster:backupPassphrase (secret) to the" \
                "passphrase the repository was made with, or unset it: the stack then keeps the repository's own" \
                "(README: Backups and recovery)" >&2
            exit 3
        fi
    fi
    {
        printf '[global]\nrepo1-cipher-pass=%s\n' "$passphrase"
        if [ -n "$s3_key" ]; then
            printf 'repo1-s3-key=%s\nrepo1-s3-key-secret=%s\n' "$s3_key" "$s3_secret"
        fi
    } >"$work/secrets.conf"
    if ! cmp -s "$work/secrets.conf" "$secrets" || [ ! -s "$dir/conf.d/secrets.id" ]; then
        put conf.d/secrets.conf <"$work/secrets.conf"
        od -An -N12 -tx1 /dev/urandom | tr -d ' \n' | put conf.d/secrets.id
    fi
    rm -f "$work/secrets.conf"
    if [ -n "${PGC_S3_CA:-}" ]; then
        printf '%s\n' "$PGC_S3_CA" | put s3-ca.crt
    else
        rm -f "$dir/s3-ca.crt"
    fi
    if [ -n "${PGC_REPOSITORY_PATH:-}" ]; then
        chown postgres:postgres "$PGC_REPOSITORY_PATH"
        chmod 0700 "$PGC_REPOSITORY_PATH"
    fi
    ca="$dir/ca.crt"
else
    # The node's conf step keeps the CA certificates beside (conf/ca.crt).
    ca="$work/bundle.crt"
    printf '%s\n' "$PGC_CA_BUNDLE" >"$ca"
fi

wanted=$(printf '%s\n%s\n%s\n' "$PGC_CERT_CN" "$PGC_CERT_NAMES" "$PGC_CERT_GENERATION" | cat - "$work/ca.crt" |
    sha256sum | cut -c1-64)
if [ ! -s "$dir/backup.key" ] || [ ! -s "$dir/backup.crt" ] || [ "$(cat "$dir/backup.id" 2>/dev/null || true)" != "$wanted" ]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/backup.key" 2>/dev/null
    openssl req -new -key "$work/backup.key" -subj "/CN=$PGC_CERT_CN" -out "$work/backup.csr"
    # Both ends of pgBackRest's TLS protocol: a server to the other side, and a client of it.
    printf '%s\n' "subjectAltName=$PGC_CERT_NAMES" "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth,clientAuth" >"$work/backup.ext"
    openssl x509 -req -in "$work/backup.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" \
        -set_serial "0x$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" -days 397 -sha256 \
        -extfile "$work/backup.ext" -out "$work/backup.crt" 2>/dev/null
    put backup.key <"$work/backup.key"
    put backup.crt <"$work/backup.crt"
    printf '%s\n' "$wanted" | put backup.id
    echo "pg-cluster: new pgBackRest key and certificate for $PGC_CERT_CN ($PGC_CERT_NAMES)" >&2
fi
openssl verify -CAfile "$ca" "$dir/backup.crt" >/dev/null ||
    { echo "pg-cluster: the pgBackRest certificate of $PGC_CERT_CN does not verify against the CA certificates" >&2; exit 1; }
sync
fingerprint=$(openssl x509 -noout -fingerprint -sha256 -in "$dir/backup.crt" | sed 's/^[^=]*=//')
until=$(openssl x509 -noout -enddate -in "$dir/backup.crt" | sed 's/^notAfter=//')
if [ "$PGC_BACKUP_ROLE" = repository ]; then
    echo "$PGC_CERT_CN certificate sha256:$fingerprint until $until; secrets $(cat "$dir/conf.d/secrets.id")"
else
    echo "$PGC_CERT_CN certificate sha256:$fingerprint until $until"
fi
