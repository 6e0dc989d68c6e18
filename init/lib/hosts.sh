# pg-cluster shell library for nodes on several Docker hosts (init/lib/hosts.sh). The program puts
# it after init/lib/common.sh in front of every script that uses these functions (InitScripts.read),
# and only there, so the other steps' scripts stay as they were.

# Nodes on several Docker hosts (issue 22). These tables are set by the program only when the nodes
# are on more than one host (Placement.nodeDockerTable, Placement.nodeEndpointTable); unset, every
# node is on DOCKER_HOST and reached by its container name on the cluster network.
#   PGC_NODE_DOCKER     one line per node: "NODE DOCKER_HOST CERT_PATH" (CERT_PATH "-": no TLS
#                       client files, e.g. ssh://)
#   PGC_NODE_ENDPOINTS  one line per node: "NODE HOST PORT", where the other nodes reach its server
#                       (its host's address and the port published there)

# pgc_on NODE COMMAND [ARG…]: runs COMMAND (a program or a shell function) in a subshell whose docker
# CLI talks to NODE's Docker host, over TLS verified against the host's CA when it has client files.
pgc_on() {
    pgc_on_node=$1
    shift
    if [ -z "${PGC_NODE_DOCKER:-}" ]; then
        "$@"
        return
    fi
    pgc_on_line=$(printf '%s\n' "$PGC_NODE_DOCKER" | awk -v n="$pgc_on_node" '$1 == n { print $2, $3; exit }')
    if [ -z "$pgc_on_line" ]; then
        echo "pg-cluster: no Docker host is known for node $pgc_on_node" >&2
        return 2
    fi
    (
        DOCKER_HOST=${pgc_on_line%% *}
        pgc_on_certs=${pgc_on_line#* }
        export DOCKER_HOST
        if [ "$pgc_on_certs" = - ]; then
            unset DOCKER_CERT_PATH DOCKER_TLS_VERIFY
        else
            DOCKER_CERT_PATH=$pgc_on_certs DOCKER_TLS_VERIFY=1
            export DOCKER_CERT_PATH DOCKER_TLS_VERIFY
        fi
        "$@"
    )
}

# pgc_container_state CONTAINER: the container's state as Docker gives it (running, exited, paused,
# restarting, …); "missing" only when Docker says there is no such container; "unknown" when Docker
# could not be asked (a host that does not answer, TLS refused), which is never taken for "missing".
# Call it through pgc_on for a node on another host. It always returns 0 (steps run with set -e).
pgc_container_state() {
    # Only stdout is the state (the CLI may warn on stderr, e.g. about its config file); stderr is
    # read only to tell why Docker gave no state.
    if pgc_cs_answer=$(docker container inspect --format '{{.State.Status}}' "$1" 2>/dev/null); then
        printf '%s\n' "$pgc_cs_answer"
    else
        pgc_cs_answer=$(docker container inspect --format '{{.State.Status}}' "$1" 2>&1 >/dev/null) || true
        case "$pgc_cs_answer" in
            *"No such container"* | *"no such container"*) echo missing ;;
            *) echo unknown ;;
        esac
    fi
}

# pgc_image_of NODE: the cluster image's ID on NODE's Docker host (PGC_NODE_IMAGES: one line per
# node, "NODE IMAGE_ID"; Placement.nodeImageTable), for one-off containers there; else PGC_IMAGE.
pgc_image_of() {
    if [ -n "${PGC_NODE_IMAGES:-}" ]; then
        printf '%s\n' "$PGC_NODE_IMAGES" | awk -v n="$1" '$1 == n { print $2; exit }'
    else
        printf '%s\n' "$PGC_IMAGE"
    fi
}

# pgc_node_of CONTAINER: the node a container of the cluster belongs to (<prefix>-pgN → pgN).
pgc_node_of() {
    printf '%s\n' "${1##*-}"
}

# pgc_peer_host NODE, pgc_peer_port NODE: where the other nodes reach NODE's server: from
# PGC_NODE_ENDPOINTS, else its container name on the cluster network and PostgreSQL's port.
pgc_peer_host() {
    if [ -n "${PGC_NODE_ENDPOINTS:-}" ]; then
        printf '%s\n' "$PGC_NODE_ENDPOINTS" | awk -v n="$1" '$1 == n { print $2; exit }'
    else
        printf '%s-%s\n' "$PGC_NAME_PREFIX" "$1"
    fi
}
pgc_peer_port() {
    if [ -n "${PGC_NODE_ENDPOINTS:-}" ]; then
        printf '%s\n' "$PGC_NODE_ENDPOINTS" | awk -v n="$1" '$1 == n { print $3; exit }'
    else
        echo 5432
    fi
}
