#!/bin/sh
# Builds the Pulumi CLI (`pulumi`) into OUTDIR.
#
# pkg/v3's go.mod says `replace github.com/pulumi/pulumi/sdk/v3 => ../sdk`, so
# `go install github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v...` refuses to build
# it. Instead both modules are taken from the Go module proxy at the same
# version and laid side by side as WORK/pkg and WORK/sdk, as in the upstream
# repository, and built there.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.env"
. "$here/lib.sh"

out=${1:?usage: build-cli.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

pkg=$(module_dir github.com/pulumi/pulumi/pkg/v3 "v$PULUMI_VERSION")
sdk=$(module_dir github.com/pulumi/pulumi/sdk/v3 "v$PULUMI_VERSION")
writable_copy "$pkg" "$work/pkg"
writable_copy "$sdk" "$work/sdk"

# No cgo: a static binary that runs on any Linux of the same architecture.
cd "$work/pkg"
CGO_ENABLED=0 go build -trimpath -buildvcs=false \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$out/pulumi" ./cmd/pulumi
log "built $out/pulumi (v$PULUMI_VERSION)"
