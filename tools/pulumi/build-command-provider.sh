#!/bin/sh
# Builds pulumi-resource-command into OUTDIR: our own provider plugin, from
# tools/pulumi/command-provider/, NOT the official pulumi-command binary.
# Usage: build-command-provider.sh OUTDIR
#
# It implements the one resource this project uses, command:local:Command,
# following the contract of the official provider release
# $COMMAND_PROVIDER_VERSION (inputs, outputs, diff, create/update/delete,
# preview, secrets; command-provider/main.go lists what it does and does not
# do). It reports that version (GetPluginInfo, schema) because the Java
# program asks the engine for the command provider at exactly that version.
#
# Why not the official one: its module, github.com/pulumi/pulumi-command/provider,
# is refused (403) by the Go module proxy reachable here for every version,
# and no registry ships its binary. Ours depends only on modules the proxy
# serves: github.com/pulumi/pulumi-go-provider v1.1.2 and the Pulumi SDK
# (sdk/v3, pkg/v3) v3.198.0, the versions the official 1.1.3 was built with
# (command-provider/go.mod). Not the CLI's v3.274.1: pulumi-go-provider v1.1.2
# does not compile against it (the gRPC Construct request's aliases changed type).
#
# Known differences from the official 1.1.3: any change of a `triggers`
# element replaces the resource (the official one, driven from Java, updates
# it; see command-provider/local/diff.go); a missing `create` fails Check; the
# outputs of assetPaths/archivePaths are not produced.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.env"
. "$here/lib.sh"

out=${1:?usage: build-command-provider.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# -buildvcs=false: command-provider/ sits inside this project's git checkout,
# and Go would otherwise stamp (or fail to read) its VCS state. The provider
# serves its schema from code at run time (pulumi-go-provider), so there is no
# generate step.
log "command provider: our own implementation of command:local:Command (contract of pulumi-command $COMMAND_PROVIDER_VERSION), from $here/command-provider"
cd "$here/command-provider"
CGO_ENABLED=0 go build -trimpath -buildvcs=false \
    -ldflags "-s -w -X main.version=$COMMAND_PROVIDER_VERSION" \
    -o "$out/pulumi-resource-command" .
log "built $out/pulumi-resource-command (reports v$COMMAND_PROVIDER_VERSION)"
