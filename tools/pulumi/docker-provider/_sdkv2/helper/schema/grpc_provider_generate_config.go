// This file is ours, not part of terraform-plugin-sdk. build-docker-provider.sh copies it into the
// writable copy of Pulumi's fork of the SDK (helper/schema/), because:
// the Terraform docker provider we build needs terraform-plugin-go v0.31, whose
// tfprotov5.ResourceServer interface gained GenerateResourceConfig (Terraform 1.14's
// `plan -generate-config-out`), and the newest fork of the SDK that the Go module proxy serves
// here predates it, so it no longer satisfies tfprotov5.ProviderServer and does not compile.
// The Pulumi bridge never sends this request; we only answer it with an error.

package schema

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"

	"github.com/hashicorp/terraform-plugin-sdk/v2/internal/plugin/convert"
)

// GenerateResourceConfig is not supported by this build.
func (s *GRPCProviderServer) GenerateResourceConfig(ctx context.Context, req *tfprotov5.GenerateResourceConfigRequest) (*tfprotov5.GenerateResourceConfigResponse, error) {
	resp := &tfprotov5.GenerateResourceConfigResponse{}
	resp.Diagnostics = convert.AppendProtoDiag(ctx, resp.Diagnostics,
		fmt.Errorf("GenerateResourceConfig is not supported (resource type %s)", req.TypeName))
	return resp, nil
}
