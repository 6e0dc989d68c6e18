#!/bin/sh
# pg-cluster step "ready": waits until the node's container passes its health check, so that
# nothing that needs the node (slots, base backups, `pulumi up` itself) goes on before it does.
# The step runs the container's own health check command itself (docker exec, every 0.1 s)
# rather than waiting for Docker's next scheduled check: the same check, without waiting up to
# one health interval per node on the way to a streaming cluster. Docker's health status goes on
# as before, for monitoring.
#
# Runs where Pulumi runs, through the docker CLI (DOCKER_HOST is set by the program to the
# engine the node lives on). A timeout fails the step; a failed step is not recorded in state,
# so the next `pulumi up` waits again instead of going on with an unhealthy node.
#   PGC_CONTAINER        the node's container name
#   PGC_CONTAINER_ID     its ID, as the docker provider created it
#   PGC_TIMEOUT_SECONDS  how long to wait
#   PGC_HEALTHCHECK      the container's health check command (sh -c), as declared on it; "docker":
#                        wait for Docker's own health status instead (an image without a shell)
set -eu

: "${PGC_CONTAINER:?PGC_CONTAINER is not set}"
: "${PGC_CONTAINER_ID:?PGC_CONTAINER_ID is not set}"
: "${PGC_TIMEOUT_SECONDS:?PGC_TIMEOUT_SECONDS is not set}"
: "${PGC_HEALTHCHECK:?PGC_HEALTHCHECK is not set}"

# The steps reach Docker through the docker CLI, the containers were made by the provider: make
# sure both talk to the same engine before any step acts on what it finds there.
seen=$(docker container inspect --format '{{.Id}}' "$PGC_CONTAINER" 2>/dev/null || true)
if [ "$seen" != "$PGC_CONTAINER_ID" ]; then
    echo "pg-cluster: the docker CLI of the command steps (DOCKER_HOST=${DOCKER_HOST:-unset}) does not see container" \
        "$PGC_CONTAINER ($PGC_CONTAINER_ID) that the docker provider created (it sees: ${seen:-nothing});" \
        "they talk to different Docker engines. Set pg-cluster:dockerHost (or docker:host) so both use one." >&2
    exit 1
fi

deadline=$(( $(date +%s) + PGC_TIMEOUT_SECONDS ))
check="(not run: the container is not running)"
while :; do
    if ! state=$(docker container inspect --format '{{.State.Status}}' "$PGC_CONTAINER" 2>&1); then
        echo "pg-cluster: cannot inspect container $PGC_CONTAINER: $state" >&2
        exit 1
    fi
    # An exited container may be brought back by its restart policy: keep waiting until the deadline.
    if [ "$state" = running ]; then
        if [ "$PGC_HEALTHCHECK" = docker ]; then
            check=$(docker container inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$PGC_CONTAINER" 2>&1) || true
            if [ "$check" = healthy ]; then
                echo "pg-cluster: $PGC_CONTAINER is healthy"
                exit 0
            fi
        elif check=$(docker exec "$PGC_CONTAINER" sh -c "$PGC_HEALTHCHECK" 2>&1); then
            echo "pg-cluster: $PGC_CONTAINER passes its health check"
            exit 0
        fi
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "pg-cluster: $PGC_CONTAINER is not healthy after ${PGC_TIMEOUT_SECONDS}s (state: $state; health check: ${check:-failed})" >&2
        echo "pg-cluster: Docker's last health checks:" >&2
        docker container inspect \
            --format '{{if .State.Health}}{{range .State.Health.Log}}{{.End}} exit {{.ExitCode}}: {{.Output}}{{"\n"}}{{end}}{{end}}' \
            "$PGC_CONTAINER" >&2 || true
        echo "pg-cluster: the end of its log (docker logs $PGC_CONTAINER):" >&2
        docker logs --tail 20 "$PGC_CONTAINER" >&2 2>&1 || true
        exit 1
    fi
    sleep 0.1
done
