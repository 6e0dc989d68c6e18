#!/bin/sh
# pg-cluster step "backup-stanza" (README: Backups and recovery): makes the cluster's stanza in
# the repository (stanza-create, which leaves an existing one that matches the cluster as it is)
# and checks archiving end to end (pgBackRest's check: a WAL segment switched on the primary must
# reach the repository). Runs where Pulumi runs, with docker exec in the repository container.
#   PGC_REPOSITORY_CONTAINER  the repository container
#   PGC_CONFIG_PATH           pgBackRest's config directory in it
#   PGC_STANZA                the cluster's stanza
#   PGC_TIMEOUT_SECONDS       how long the repository and the nodes' sidecars may take to answer
#   PGC_S3_REPOSITORY         with an S3 store: s3://<bucket><path>, for the messages
#
# Its only line on stdout: "stanza <stanza>: archiving checked, <n> backups in the repository".
set -eu

pgc_require PGC_REPOSITORY_CONTAINER PGC_CONFIG_PATH PGC_STANZA PGC_TIMEOUT_SECONDS
br() {
    docker exec -u postgres "$PGC_REPOSITORY_CONTAINER" pgbackrest "--config-path=$PGC_CONFIG_PATH" \
        "--stanza=$PGC_STANZA" "$@"
}

# The sidecars and the repository's server start beside this step: retry what fails to connect.
deadline=$(( $(date +%s) + PGC_TIMEOUT_SECONDS ))
while :; do
    if out=$(br stanza-create 2>&1); then
        break
    fi
    case "$out" in
        *"[028]"*)
            if [ -n "${PGC_S3_REPOSITORY:-}" ]; then
                echo "pg-cluster: the repository $PGC_S3_REPOSITORY holds stanza $PGC_STANZA of another cluster (an earlier" \
                    "stack of this name, or another stack of this name sharing the bucket): this cluster's WAL cannot go" \
                    "there. To get the earlier cluster back, restore it (pg-cluster:restoreFrom $PGC_STANZA, with its" \
                    "config volume) into a stack whose nodes have no data; or set pg-cluster:backupS3Path to another" \
                    "path. The earlier backups go only when archive/$PGC_STANZA and backup/$PGC_STANZA are deleted below" \
                    "$PGC_S3_REPOSITORY (README: Backups and recovery). pgBackRest said:" >&2
                printf '%s\n' "$out" >&2
                exit 1
            fi
            echo "pg-cluster: the repository in $PGC_REPOSITORY_CONTAINER holds stanza $PGC_STANZA of another cluster" \
                "(a repository retained from an earlier stack of this name): this cluster's WAL cannot go there. To" \
                "get the earlier cluster back, restore it (pg-cluster:restoreFrom $PGC_STANZA) into a stack whose nodes" \
                "have no data; the earlier backups go only with the repository's volumes (README: Backups and" \
                "recovery). pgBackRest said:" >&2
            printf '%s\n' "$out" >&2
            exit 1
            ;;
        *"HTTP request failed with 403"*|*"HTTP request failed with 401"*)
            # Retrying cannot help: the store refused the keys.
            echo "pg-cluster: the S3 store refused the repository's requests for stanza $PGC_STANZA (HTTP 403): check" \
                "pg-cluster:backupS3AccessKey and pg-cluster:backupS3SecretKey (and that they may read and write the" \
                "bucket pg-cluster:backupS3Bucket); pgBackRest said:" >&2
            printf '%s\n' "$out" >&2
            exit 1
            ;;
        *"unable to verify certificate"*|*"certificate verify failed"*)
            echo "pg-cluster: the S3 store's certificate does not verify for stanza $PGC_STANZA: set" \
                "pg-cluster:backupS3CaCertificate to the CA that signed it, and pg-cluster:backupS3Endpoint to a name it" \
                "was issued for; pgBackRest said:" >&2
            printf '%s\n' "$out" >&2
            exit 1
            ;;
    esac
    if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "pg-cluster: stanza-create of $PGC_STANZA failed for ${PGC_TIMEOUT_SECONDS}s; pgBackRest said:" >&2
        printf '%s\n' "$out" >&2
        exit 1
    fi
    sleep 1
done
if ! out=$(br check 2>&1); then
    echo "pg-cluster: archiving of $PGC_STANZA does not work (pgBackRest's check); pgBackRest said:" >&2
    printf '%s\n' "$out" >&2
    exit 1
fi
count=$(br info 2>/dev/null | grep -c '^ *\(full\|diff\|incr\) backup: ' || true)
echo "stanza $PGC_STANZA: archiving checked, $count backups in the repository"
