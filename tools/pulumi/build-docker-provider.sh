#!/usr/bin/env bash
# build-docker-provider.sh OUTDIR
#
# Builds the Pulumi resource plugin for the "docker" package and writes it to
# OUTDIR/pulumi-resource-docker. Progress and errors go to stderr; exit status
# is non-zero on any failure.
#
# Why it is not pulumi-docker's own provider:
#   The Go module proxy reachable here refuses every version of
#   github.com/pulumi/pulumi-docker/provider/v4 (403 "This module version is not
#   available"; also the exact pseudo-version of the v4.5.1 release commit,
#   v4.0.0-20240119014023-014b3fa8b3d9), and the Terraform docker provider
#   v3.0.2 commit that 4.5.1 wraps (54685a5fb9b3, under both module paths).
#   So we build our own bridge of the Terraform docker provider from modules
#   the proxy does serve:
#     - github.com/pulumi/pulumi-terraform-bridge/v3 (version in docker-provider/go.mod),
#     - github.com/kreuzwerker/terraform-provider-docker at TF_DOCKER_MODULE_VERSION
#       (its go.mod declares github.com/terraform-providers/terraform-provider-docker),
#     - Pulumi's fork of terraform-plugin-sdk/v2 that the bridge pins.
#   docker-provider/provider.go maps it with the same tokens and property names
#   as pulumi-docker 4.5.1 (com.pulumi:docker 4.5.1 talks to it unchanged); it
#   lacks 4.5.1's native docker:index/image:Image resource and 4.5.1's
#   bridge-metadata; newer Terraform-provider fields are added, and a few map
#   properties are map<string> instead of map<any>. The plugin reports
#   DOCKER_PROVIDER_VERSION, the version the Java SDK asks for.
#
# Layout of the work directory (module cache copies are read-only, so writable copies):
#   WORK/upstream  copy of the Terraform docker provider module, plus our
#                  docker-provider/_upstream/shim (its constructor is in an internal package)
#   WORK/sdk-v2    copy of Pulumi's terraform-plugin-sdk/v2 fork, plus our
#                  docker-provider/_sdkv2/helper/schema/grpc_provider_generate_config.go
#   WORK/provider  our module docker-provider/ (go.mod replaces the two above by ../upstream, ../sdk-v2)
#
# Environment (defaults in brackets; tools/pulumi/versions.env is sourced first if present):
#   DOCKER_PROVIDER_VERSION   [4.5.1]  version the plugin reports (GetPluginInfo, -version)
#   TF_DOCKER_MODULE_VERSION  [v0.0.0-20260916201441-96d331c98ff4]
#                             version of github.com/kreuzwerker/terraform-provider-docker
#   TF_SDK_V2_FORK_VERSION    [v2.0.0-20250923233607-7f1981c8674a]
#                             version of github.com/pulumi/terraform-plugin-sdk/v2 (the one
#                             the bridge in docker-provider/go.mod pins in its own replace)
#   DOCKER_PROVIDER_WORKDIR   [a new directory under ${TMPDIR:-/tmp}, removed at exit]
#                             work directory; if given, it is emptied first and kept
#   DOCKER_PROVIDER_VERIFY    [1]  0 skips the handshake check of the built plugin
# DOCKER_PROVIDER_COMMIT, TF_DOCKER_PROVIDER_VERSION and TF_DOCKER_PROVIDER_COMMIT
# (pulumi-docker 4.5.1's own pins) are not used: the proxy serves neither.
set -euo pipefail

log() { printf 'build-docker-provider: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
src=$here/docker-provider

out=${1:-}
[ -n "$out" ] || die "usage: build-docker-provider.sh OUTDIR"

if [ -f "$here/versions.env" ]; then
    # shellcheck disable=SC1091
    . "$here/versions.env"
fi
DOCKER_PROVIDER_VERSION=${DOCKER_PROVIDER_VERSION:-4.5.1}
TF_DOCKER_MODULE_VERSION=${TF_DOCKER_MODULE_VERSION:-v0.0.0-20260916201441-96d331c98ff4}
TF_SDK_V2_FORK_VERSION=${TF_SDK_V2_FORK_VERSION:-v2.0.0-20250923233607-7f1981c8674a}
DOCKER_PROVIDER_VERIFY=${DOCKER_PROVIDER_VERIFY:-1}

command -v go >/dev/null 2>&1 || die "go is not on PATH (Go >= 1.25.8 is needed)"
[ -f "$src/go.mod" ] || die "missing $src/go.mod"

mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)

if [ -n "${DOCKER_PROVIDER_WORKDIR:-}" ]; then
    work=$DOCKER_PROVIDER_WORKDIR
    rm -rf "$work"
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/docker-provider.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi
work=$(cd "$work" && pwd)

# module_dir MODULE VERSION: download through the Go module proxy, print the module cache dir.
module_dir() {
    local json dir
    if ! json=$(go mod download -json "$1@$2" 2>&1); then
        log "go mod download $1@$2 failed:"
        printf '%s\n' "$json" >&2
        return 1
    fi
    dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
    [ -n "$dir" ] && [ -d "$dir" ] || { log "no Dir for $1@$2 in: $json"; return 1; }
    printf '%s\n' "$dir"
}

writable_copy() { cp -R "$1" "$2" && chmod -R u+w "$2"; }

log "work directory: $work"
# go mod download outside any module: run it from the empty work dir.
cd "$work"
tf_dir=$(module_dir github.com/kreuzwerker/terraform-provider-docker "$TF_DOCKER_MODULE_VERSION") \
    || die "cannot get the Terraform docker provider module (TF_DOCKER_MODULE_VERSION=$TF_DOCKER_MODULE_VERSION)"
sdk_dir=$(module_dir github.com/pulumi/terraform-plugin-sdk/v2 "$TF_SDK_V2_FORK_VERSION") \
    || die "cannot get Pulumi's terraform-plugin-sdk/v2 fork (TF_SDK_V2_FORK_VERSION=$TF_SDK_V2_FORK_VERSION)"

grep -q '^module github.com/terraform-providers/terraform-provider-docker$' "$tf_dir/go.mod" \
    || die "$tf_dir/go.mod does not declare module github.com/terraform-providers/terraform-provider-docker"
[ -f "$tf_dir/internal/provider/provider.go" ] \
    || die "$tf_dir has no internal/provider package; the shim does not fit this version"

writable_copy "$tf_dir" "$work/upstream" || die "cannot copy $tf_dir"
mkdir -p "$work/upstream/shim"
cp "$src/_upstream/shim/shim.go" "$work/upstream/shim/shim.go"

writable_copy "$sdk_dir" "$work/sdk-v2" || die "cannot copy $sdk_dir"
cp "$src/_sdkv2/helper/schema/grpc_provider_generate_config.go" "$work/sdk-v2/helper/schema/"

mkdir -p "$work/provider"
cp "$src/go.mod" "$src/go.sum" "$src/provider.go" "$work/provider/"
cp -R "$src/cmd" "$work/provider/cmd"
chmod -R u+w "$work/provider"

# Static binaries (no cgo). -mod=mod: go.sum from the repository is used and only
# extended (verified against the checksum database) if TF_DOCKER_MODULE_VERSION
# brings other requirements. no_compose: leave out the docker_compose resource
# (docker/compose/v2), which the Pulumi mapping does not expose anyway.
export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:-} -mod=mod"
ldflags="-s -w -X pgcluster/dockerprovider.Version=$DOCKER_PROVIDER_VERSION"
cd "$work/provider"

log "building pulumi-tfgen-docker (schema generator)"
go build -trimpath -tags no_compose -ldflags "$ldflags" -o "$work/bin/pulumi-tfgen-docker" ./cmd/pulumi-tfgen-docker \
    || die "go build of cmd/pulumi-tfgen-docker failed"

log "generating schema.json"
"$work/bin/pulumi-tfgen-docker" schema --skip-docs --out cmd/pulumi-resource-docker >"$work/tfgen.log" 2>&1 \
    || { cat "$work/tfgen.log" >&2; die "schema generation failed"; }
[ -s cmd/pulumi-resource-docker/schema.json ] || die "tfgen wrote no cmd/pulumi-resource-docker/schema.json"

log "building pulumi-resource-docker"
tmp_bin="$out/.pulumi-resource-docker.tmp.$$"
go build -trimpath -tags no_compose -ldflags "$ldflags" -o "$tmp_bin" ./cmd/pulumi-resource-docker \
    || { rm -f "$tmp_bin"; die "go build of cmd/pulumi-resource-docker failed"; }

reported=$("$tmp_bin" -version 2>/dev/null) || { rm -f "$tmp_bin"; die "the built plugin does not run"; }
[ "$reported" = "$DOCKER_PROVIDER_VERSION" ] \
    || { rm -f "$tmp_bin"; die "the built plugin reports version '$reported', not '$DOCKER_PROVIDER_VERSION'"; }

if [ "$DOCKER_PROVIDER_VERIFY" != 0 ]; then
    # A Pulumi plugin answers the engine's start-up by printing its gRPC port on stdout.
    "$tmp_bin" >"$work/handshake.out" 2>"$work/handshake.err" &
    pid=$!
    port=
    for _ in $(seq 1 100); do
        port=$(head -n1 "$work/handshake.out" 2>/dev/null || true)
        [ -n "$port" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    case "$port" in
        '' | *[!0-9]*)
            cat "$work/handshake.err" >&2
            rm -f "$tmp_bin"
            die "the built plugin did not print a gRPC port on start (got '$port')" ;;
    esac
fi

mv -f "$tmp_bin" "$out/pulumi-resource-docker"
log "built $out/pulumi-resource-docker (reports $DOCKER_PROVIDER_VERSION; Terraform docker provider $TF_DOCKER_MODULE_VERSION)"
