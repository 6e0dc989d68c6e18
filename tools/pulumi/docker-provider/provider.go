// Package dockerprovider maps the Terraform docker provider (kreuzwerker/terraform-provider-docker,
// SDK v2 part) to the Pulumi package "docker" with the tokens and property names that the
// com.pulumi:docker 4.5.1 SDK uses. Written for pg-cluster; ../build-docker-provider.sh says why it
// exists (the Go module proxy here does not serve pulumi-docker's own provider module).
package dockerprovider

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	tfbridgetokens "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	"github.com/terraform-providers/terraform-provider-docker/shim"
)

// Version is the version the plugin reports; set with -ldflags -X.
var Version = "4.5.1"

func res(name string) tokens.Type {
	return tokens.Type("docker:index/" + lowerFirst(name) + ":" + name)
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+('a'-'A')) + s[1:]
}

// Provider returns the bridge's description of the provider.
func Provider() tfbridge.ProviderInfo {
	prov := tfbridge.ProviderInfo{
		P:           shimv2.NewProvider(shim.NewProvider(Version)),
		Name:        "docker",
		Version:     Version,
		Description: "Docker resources (Terraform docker provider through the Pulumi bridge), built for pg-cluster",
		Keywords:    []string{"pulumi", "docker"},
		License:     "Apache-2.0",
		GitHubOrg:   "kreuzwerker",
		Config: map[string]*tfbridge.SchemaInfo{
			"host": {Default: &tfbridge.DefaultInfo{EnvVars: []string{"DOCKER_HOST"}}},
			// The 4.5.1 SDK names this list "registryAuth" (not pluralised) and keeps it a list.
			"registry_auth": {Name: "registryAuth", MaxItemsOne: tfbridge.False()},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_container": {
				Tok: res("Container"),
				// As in 4.5.1: a replaced container is deleted first (names and ports are unique).
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
			"docker_image":          {Tok: res("RemoteImage"), Fields: map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}}},
			"docker_config":         {Tok: res("ServiceConfig")},
			"docker_network":        {Tok: res("Network")},
			"docker_volume":         {Tok: res("Volume")},
			"docker_secret":         {Tok: res("Secret")},
			"docker_service":        {Tok: res("Service")},
			"docker_registry_image": {Tok: res("RegistryImage")},
			"docker_plugin":         {Tok: res("Plugin")},
			"docker_tag":            {Tok: res("Tag")},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_network":        {Tok: "docker:index/getNetwork:getNetwork"},
			"docker_registry_image": {Tok: "docker:index/getRegistryImage:getRegistryImage"},
			"docker_plugin":         {Tok: "docker:index/getPlugin:getPlugin"},
			"docker_image":          {Tok: "docker:index/getRemoteImage:getRemoteImage"},
			"docker_logs":           {Tok: "docker:index/getLogs:getLogs"},
		},
	}
	// Everything not named above (resources added upstream after 4.5.1) gets a standard token.
	prov.MustComputeTokens(tfbridgetokens.SingleModule("docker_", "index", tfbridgetokens.MakeStandard("docker")))
	// As in 4.5.1: a missing "name" is generated from the resource name plus a random suffix.
	prov.SetAutonaming(255, "-")
	return prov
}
