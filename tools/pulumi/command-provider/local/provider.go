package local

import (
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi-go-provider/middleware/schema"
)

// NewProvider is the provider "command" serving command:local:Command only.
func NewProvider() p.Provider {
	return ReplaceOnTriggerChanges(infer.Provider(infer.Options{
		Metadata: schema.Metadata{
			DisplayName: "Command",
			Description: "Runs commands on the machine that runs Pulumi (pg-cluster's own " +
				"implementation of command:local:Command of pulumi-command).",
			Keywords: []string{"pulumi", "command", "category/utility", "kind/native"},
			License:  "Apache-2.0",
		},
		Resources: []infer.InferredResource{infer.Resource(&Command{})},
	}))
}
