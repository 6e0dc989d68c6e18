// Command pulumi-tfgen-docker writes the Pulumi schema of our docker provider
// (`pulumi-tfgen-docker schema --out DIR`); build-docker-provider.sh embeds it in the plugin.
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"

	dockerprovider "pgcluster/dockerprovider"
)

func main() {
	tfgen.Main("docker", dockerprovider.Version, dockerprovider.Provider())
}
