// Package shim is ours, not upstream's. build-docker-provider.sh copies it into the writable copy
// of the Terraform docker provider module (as shim/shim.go), because the provider's constructor
// lives in an internal package that only code inside that module may import.
// The directory name starts with "_" so that the go command ignores it in this repository.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns the Terraform (plugin SDK v2) docker provider.
func NewProvider(version string) *schema.Provider {
	return provider.New(version)()
}
