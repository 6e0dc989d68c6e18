// pulumi-resource-command: pg-cluster's own implementation of the contract of
// the resource command:local:Command of the official Pulumi command provider,
// release 1.1.3 (the only resource this project uses). It is not the official
// binary: the Go module proxy reachable here refuses
// github.com/pulumi/pulumi-command/provider, so this module is built instead,
// from pulumi-go-provider and the Pulumi SDK (both served by the proxy).
//
// It reports the version it is given at link time (-X main.version=...),
// 1.1.3 from tools/pulumi/versions.env, because the Java program asks the
// engine for the command provider at that exact version.
//
// What it does, per step of the engine (see local/):
//   - check:   inputs decode into the schema's types; `create` is required.
//   - diff:    any change of `triggers` (also of one element) replaces, any
//     other input change updates (see local/diff.go for why the element case
//     needs more than the schema's replaceOnChanges).
//   - create:  runs `create` (not in a preview: stdout/stderr are unknown then).
//   - update:  runs `update`, or `create` when there is none, with the previous
//     stdout/stderr in PULUMI_COMMAND_STDOUT / PULUMI_COMMAND_STDERR.
//   - delete:  runs `delete`, if any, with the recorded inputs and outputs.
//   - read:    returns the state unchanged.
//
// Differences from the official 1.1.3 as the Java program drives it: a
// changed `triggers` element replaces (the official one updates, as the Java
// SDK, unlike the others, does not add replaceOnChanges), and a missing
// `create` fails Check (optional in the official schema).
//
// Not implemented: remote:Command, remote:CopyToRemote, remote:CopyFile, the
// local:run function, and the assets/archive outputs of assetPaths/archivePaths
// (accepted and ignored, with a warning).
package main

import (
	"context"
	"fmt"
	"os"

	p "github.com/pulumi/pulumi-go-provider"

	"pg-cluster/tools/pulumi/command-provider/local"
)

// version is set at link time by tools/pulumi/build-command-provider.sh.
var version = "1.1.3"

func main() {
	if err := p.RunProvider(context.Background(), "command", version, local.NewProvider()); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command: %v\n", err)
		os.Exit(1)
	}
}
