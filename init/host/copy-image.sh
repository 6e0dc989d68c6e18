#!/bin/sh
# pg-cluster step "image-copy", create: puts an image on a Docker host that does not pull it
# (pullImage false, nodes on several hosts), from the first node's host, as `docker save | docker
# load` over the two engines' APIs: no registry, nothing written to disk here. Keyed on the image
# ID: a host that has it gets nothing, and the step runs again only for another image. It prints
# the ID, which the host's containers then use. The image stays on the host when the stack goes
# (other stacks may use it), as a pulled one does.
#
# Runs where Pulumi runs: DOCKER_HOST (and its TLS files) is the target host; the source is asked
# through pgc_on.
#   PGC_IMAGE_ID      the image's ID on the source host (sha256:…)
#   PGC_SOURCE_NODE   a node on the source host (its line in PGC_NODE_DOCKER says how to reach it)
set -eu

pgc_require PGC_IMAGE_ID PGC_SOURCE_NODE PGC_NODE_DOCKER

if docker image inspect --format '{{.Id}}' "$PGC_IMAGE_ID" >/dev/null 2>&1; then
    echo "pg-cluster: $DOCKER_HOST has image $PGC_IMAGE_ID" >&2
else
    started=$(date +%s)
    # A pipe's status is its last command's: whether the image arrived is checked below.
    pgc_on "$PGC_SOURCE_NODE" docker save "$PGC_IMAGE_ID" | docker load >/dev/null || true
    got=$(docker image inspect --format '{{.Id}}' "$PGC_IMAGE_ID" 2>/dev/null) || got=""
    if [ "$got" != "$PGC_IMAGE_ID" ]; then
        echo "pg-cluster: copying image $PGC_IMAGE_ID from $PGC_SOURCE_NODE's host to $DOCKER_HOST failed;" \
            "pull or load it there by hand (docker load), or set pg-cluster:pullImage to true" >&2
        exit 1
    fi
    echo "pg-cluster: copied image $PGC_IMAGE_ID to $DOCKER_HOST in $(( $(date +%s) - started )) s" >&2
fi
printf '%s\n' "$PGC_IMAGE_ID"
