#!/bin/sh
# pg-cluster step "backup-files": keeps pgBackRest's files on a volume (README: Backups and
# recovery): on a node's volume its pgbackrest.conf and the key and certificate its pgBackRest
# uses (client to the repository, TLS server to it); on the repository's config volume the
# repository's pgbackrest.conf, its key and certificate, the CA certificates and conf.d/secrets.conf
# with the cipher passphrase (and the S3 keys), and the repository volume made the postgres user's.
#
# Runs where Pulumi runs. A one-off container of the cluster's image (no network, removed when
# done) writes the files (init/backup/files-in-container.sh); the key is made there and never
# leaves the volume. Stdin: three lines, for the repository its cipher passphrase, the S3 access
# key and the S3 secret key (empty lines without S3; three empty lines for a node), then the
# signing CA's key and certificate. They go on through the one-off container's stdin: in no argv,
# no container's environment, no log.
#   PGC_BACKUP_ROLE          node | repository
#   PGC_RUNNER               the one-off container's name
#   PGC_VOLUME               the volume the files go on (a node's data volume, or the repository's config volume)
#   PGC_MOUNT                where that volume is mounted in the one-off container
#   PGC_TARGET_DIR           the directory the files go into, below PGC_MOUNT
#   PGC_REPOSITORY_VOLUME    repository with the repository volume (not with S3): mounted at PGC_REPOSITORY_PATH
#   PGC_REPOSITORY_PATH      with PGC_REPOSITORY_VOLUME
#   PGC_S3_CA                repository with S3, optional: the CA certificates the store's certificate is verified with
#   PGC_IMAGE                the cluster's image
#   PGC_BACKUP_CONF          the pgbackrest.conf
#   PGC_CA_BUNDLE            the CA certificates (PEM) the cluster trusts
#   PGC_CERT_CN, PGC_CERT_NAMES  the certificate's CN and subjectAltName
#   PGC_CERT_GENERATION      raising it gives a new key and certificate (tlsCertificateGeneration)
#   PGC_FILES_SCRIPT         init/backup/files-in-container.sh
#   PGC_PROJECT, PGC_STACK   labels of the one-off container
#
# Its only line on stdout: "<CN> certificate sha256:<fingerprint> until <date>", and for the
# repository "; secrets <id>" (a random id that changes when the secrets file is written anew).
set -eu

pgc_require PGC_BACKUP_ROLE PGC_RUNNER PGC_VOLUME PGC_MOUNT PGC_TARGET_DIR PGC_IMAGE PGC_BACKUP_CONF PGC_CA_BUNDLE \
    PGC_CERT_CN PGC_CERT_NAMES PGC_CERT_GENERATION PGC_FILES_SCRIPT PGC_PROJECT PGC_STACK
IFS= read -r passphrase || true
IFS= read -r s3_key || true
IFS= read -r s3_secret || true
signing=$(cat)
case "$signing" in
    *"-----BEGIN PRIVATE KEY-----"*"-----BEGIN CERTIFICATE-----"*) ;;
    *) echo "pg-cluster: expected the signing CA's key and certificate on stdin" >&2; exit 2 ;;
esac
mounts="--volume $PGC_VOLUME:$PGC_MOUNT"
case "$PGC_BACKUP_ROLE" in
    repository)
        [ -n "$passphrase" ] || { echo "pg-cluster: expected the cipher passphrase on the first line of stdin" >&2; exit 2; }
        if [ -n "${PGC_REPOSITORY_VOLUME:-}" ]; then
            pgc_require PGC_REPOSITORY_PATH
            mounts="$mounts --volume $PGC_REPOSITORY_VOLUME:$PGC_REPOSITORY_PATH"
        fi
        ;;
    node) ;;
    *) echo "pg-cluster: PGC_BACKUP_ROLE is node or repository, not $PGC_BACKUP_ROLE" >&2; exit 2 ;;
esac

docker rm -f -v "$PGC_RUNNER" >/dev/null 2>&1 || true
# shellcheck disable=SC2086 # options lists
printf '%s\n%s\n%s\n%s\n' "$passphrase" "$s3_key" "$s3_secret" "$signing" | docker run -i --rm --name "$PGC_RUNNER" --network none \
    $PGC_ONE_OFF_HARDENING --cap-add CHOWN --cap-add FOWNER --cap-add DAC_OVERRIDE $mounts \
    --label "pg-cluster.project=$PGC_PROJECT" --label "pg-cluster.stack=$PGC_STACK" --label pg-cluster.role=backup-files \
    --env PGC_BACKUP_ROLE --env PGC_MOUNT --env PGC_TARGET_DIR --env PGC_REPOSITORY_PATH --env PGC_BACKUP_CONF \
    --env PGC_CA_BUNDLE --env PGC_S3_CA --env PGC_CERT_CN --env PGC_CERT_NAMES --env PGC_CERT_GENERATION "$PGC_IMAGE" sh -c "$PGC_FILES_SCRIPT"
