// Package local implements the resource command:local:Command: a shell command
// run on the machine that runs the Pulumi engine. The Go package is named
// "local" because pulumi-go-provider derives the module part of the type
// tokens (command:local:Command, command:local:Logging) from it.
package local

import (
	"context"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Command is the resource; its methods are the resource's life cycle.
type Command struct{}

// Args are the inputs of a Command, with the names and types of the schema of
// pulumi-command 1.1.3.
type Args struct {
	// The only input whose change replaces the resource.
	Triggers *[]any `pulumi:"triggers,optional" provider:"replaceOnChanges"`

	Create *string `pulumi:"create,optional"`
	Update *string `pulumi:"update,optional"`
	Delete *string `pulumi:"delete,optional"`

	Stdin                  *string            `pulumi:"stdin,optional"`
	Logging                *Logging           `pulumi:"logging,optional"`
	Interpreter            *[]string          `pulumi:"interpreter,optional"`
	Dir                    *string            `pulumi:"dir,optional"`
	Environment            *map[string]string `pulumi:"environment,optional"`
	AddPreviousOutputInEnv *bool              `pulumi:"addPreviousOutputInEnv,optional"`

	// Accepted so that a program written for the official provider is not
	// rejected, but not implemented: no assets/archive outputs are produced
	// (Check warns when they are set).
	AssetPaths   *[]string `pulumi:"assetPaths,optional"`
	ArchivePaths *[]string `pulumi:"archivePaths,optional"`
}

// State is what the engine keeps: every input, plus what the command printed
// when it last ran.
type State struct {
	Args
	Stdout string `pulumi:"stdout"`
	Stderr string `pulumi:"stderr"`
}

var (
	_ infer.CustomResource[Args, State] = (*Command)(nil)
	_ infer.CustomCheck[Args]           = (*Command)(nil)
	_ infer.CustomUpdate[Args, State]   = (*Command)(nil)
	_ infer.CustomDelete[State]         = (*Command)(nil)
	_ infer.Annotated                   = (*Command)(nil)
	_ infer.Annotated                   = (*Args)(nil)
	_ infer.Annotated                   = (*State)(nil)
)

// Annotate sets the type token and the resource's description in the schema.
func (c *Command) Annotate(a infer.Annotator) {
	a.SetToken("local", "Command")
	a.Describe(&c, "A command run on the machine that runs Pulumi: `create` when the resource is "+
		"created, `update` (or `create` again) when an input changes, `delete` when it is deleted. "+
		"A change of `triggers` replaces the resource.")
}

// Annotate documents the inputs in the schema.
func (a *Args) Annotate(an infer.Annotator) {
	an.Describe(&a.Triggers, "Values of any type; a change of any of them replaces the resource "+
		"(runs `create` for the new one and `delete` for the old one).")
	an.Describe(&a.Create, "The command run when the resource is created, and when an input "+
		"other than `triggers` changes and no `update` is given. Required.")
	an.Describe(&a.Update, "The command run when an input other than `triggers` changes. "+
		"PULUMI_COMMAND_STDOUT and PULUMI_COMMAND_STDERR hold the previous run's output.")
	an.Describe(&a.Delete, "The command run when the resource is deleted, with the environment of "+
		"the last run and PULUMI_COMMAND_STDOUT / PULUMI_COMMAND_STDERR set to its output.")
	an.Describe(&a.Stdin, "Written to the command's standard input.")
	an.Describe(&a.Logging, "Which of the command's streams are shown in the Pulumi log while it runs. "+
		"Both are captured as outputs either way. Defaults to stdoutAndStderr.")
	an.Describe(&a.Interpreter, "The program and arguments that run the command; defaults to "+
		"[\"/bin/sh\", \"-c\"].")
	an.Describe(&a.Dir, "The working directory of the command; defaults to the provider's.")
	an.Describe(&a.Environment, "Variables added to the provider's environment for the command.")
	an.Describe(&a.AddPreviousOutputInEnv, "Whether the previous run's stdout and stderr are passed "+
		"to the next run as PULUMI_COMMAND_STDOUT and PULUMI_COMMAND_STDERR. Defaults to true.")
	an.Describe(&a.AssetPaths, "Not implemented by this provider: accepted and ignored.")
	an.Describe(&a.ArchivePaths, "Not implemented by this provider: accepted and ignored.")
}

// Annotate documents the outputs in the schema.
func (s *State) Annotate(a infer.Annotator) {
	a.Describe(&s.Stdout, "The command's standard output, without one trailing newline.")
	a.Describe(&s.Stderr, "The command's standard error, without one trailing newline.")
}

// Check validates the inputs: the default decoding (types, unknown fields),
// plus `create`, which this provider requires.
func (*Command) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[Args], error) {
	args, failures, err := infer.DefaultCheck[Args](ctx, req.NewInputs)
	if err != nil {
		return infer.CheckResponse[Args]{Inputs: args, Failures: failures}, err
	}
	// A missing or null create is an error; an unknown one (during a preview)
	// is fine and decodes to nil.
	if v, ok := req.NewInputs.GetOk("create"); !ok || v.IsNull() {
		failures = append(failures, p.CheckFailure{
			Property: "create",
			Reason:   "missing required property 'create'",
		})
	}
	if args.AssetPaths != nil || args.ArchivePaths != nil {
		p.GetLogger(ctx).Warning("assetPaths and archivePaths are ignored by this command provider " +
			"(pg-cluster's own implementation): no assets or archive outputs are produced")
	}
	return infer.CheckResponse[Args]{Inputs: args, Failures: failures}, nil
}

// Create runs `create`, except in a preview, where the outputs stay unknown.
func (*Command) Create(ctx context.Context, req infer.CreateRequest[Args]) (infer.CreateResponse[State], error) {
	state := State{Args: req.Inputs}
	id, err := resource.NewUniqueHex(req.Name+"-", 8, 0)
	if err != nil {
		return infer.CreateResponse[State]{}, err
	}
	if req.DryRun || req.Inputs.Create == nil {
		return infer.CreateResponse[State]{ID: id, Output: state}, nil
	}
	// An error here (no partial state) means the engine records nothing.
	if err := execute(ctx, *req.Inputs.Create, &state.Args, &state); err != nil {
		return infer.CreateResponse[State]{}, err
	}
	return infer.CreateResponse[State]{ID: id, Output: state}, nil
}

// Update runs `update`, or `create` when there is no `update`, with the new
// inputs and the previous outputs in PULUMI_COMMAND_STDOUT/STDERR.
func (*Command) Update(ctx context.Context, req infer.UpdateRequest[Args, State]) (infer.UpdateResponse[State], error) {
	state := State{Args: req.Inputs, Stdout: req.State.Stdout, Stderr: req.State.Stderr}
	if req.DryRun {
		// The framework marks stdout/stderr unknown, since inputs changed.
		return infer.UpdateResponse[State]{Output: state}, nil
	}
	script := req.Inputs.Update
	if script == nil {
		script = req.Inputs.Create
	}
	if script == nil {
		return infer.UpdateResponse[State]{Output: state}, nil
	}
	// On failure the engine keeps the old state.
	if err := execute(ctx, *script, &state.Args, &state); err != nil {
		return infer.UpdateResponse[State]{}, err
	}
	return infer.UpdateResponse[State]{Output: state}, nil
}

// Delete runs `delete`, if any, with the inputs recorded in the state.
func (*Command) Delete(ctx context.Context, req infer.DeleteRequest[State]) (infer.DeleteResponse, error) {
	if req.State.Delete == nil {
		return infer.DeleteResponse{}, nil
	}
	last := req.State // execute overwrites stdout/stderr of this copy; they are discarded.
	if err := execute(ctx, *last.Delete, &last.Args, &last); err != nil {
		return infer.DeleteResponse{}, err
	}
	return infer.DeleteResponse{}, nil
}
