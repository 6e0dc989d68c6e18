// Command pulumi-language-nodejs is this project's own, partial Pulumi
// language host for Node.js. It exists so that the Pulumi CLI can load a
// TypeScript CrossGuard policy pack (`pulumi preview --policy-pack DIR`).
//
// Why our own: the upstream host (module
// github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) is not
// served by the Go module proxy we can reach. How it is used: since CLI 3.1xx
// the engine no longer runs a `pulumi-analyzer-policy` script; it loads the
// language host named by PulumiPolicy.yaml's `runtime` and calls its
// RunPlugin with kind "analyzer". Upstream then runs the policy pack's own
// @pulumi/pulumi/cmd/run-policy-pack under node, which compiles TypeScript
// with ts-node and serves the analyzer. This host does the same, and also
// runs Node.js plugins (@pulumi/pulumi/cmd/run-plugin).
//
// Not implemented (answered as Unimplemented): running Node.js Pulumi
// programs (Run), dependency installation, code generation, debugging, bun.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/google/shlex"
	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"

	"pg-cluster/tools/pulumi/langhost/internal/hostmain"
)

// version is set at build time (-X main.version=...).
var version = "0.0.0-dev"

func main() {
	hostmain.Serve("pulumi-language-nodejs", nil,
		func(engineAddress string, f hostmain.Flags) pulumirpc.LanguageRuntimeServer {
			return &nodeHost{}
		})
}

type nodeHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
}

func (h *nodeHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// A policy pack's packages come from its own node_modules; the engine needs
// no plugins for it.
func (h *nodeHost) GetRequiredPackages(context.Context,
	*pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *nodeHost) GetProgramDependencies(context.Context,
	*pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

// resolveModule finds MOD as node would from DIR, so that the policy pack's
// own @pulumi/pulumi is used, whatever version it pins.
func resolveModule(ctx context.Context, node, dir, mod string) (string, error) {
	script := fmt.Sprintf("try { console.log(require.resolve(%q)); } catch (e) { "+
		"console.error(e.code === 'MODULE_NOT_FOUND' ? %q : e.message); process.exit(1); }",
		mod, "Cannot find module '"+mod+"': run npm install (or npm ci) in "+dir)
	cmd := exec.CommandContext(ctx, node, "-e", script)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			// The engine recognises this text and tells the user to npm install.
			return "", errors.New(strings.TrimSpace(string(exitErr.Stderr)))
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// RunPlugin runs a policy pack (kind "analyzer") or another Node.js plugin.
func (h *nodeHost) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	dir := req.GetInfo().GetProgramDirectory()
	analyzer := req.GetKind() == string(apitype.AnalyzerPlugin)

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	node, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("node is not on PATH: %w", err)
	}

	options := map[string]any{}
	if o := req.GetInfo().GetOptions(); o != nil {
		options = o.AsMap()
	}
	env := req.GetEnv()
	// run-policy-pack and run-plugin compile TypeScript with ts-node unless
	// the project says `typescript: false` (default true, as upstream).
	if ts, ok := options["typescript"].(bool); !ok || ts {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if p, ok := options["tsconfig"].(string); ok && p != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+p)
	}

	entry := "@pulumi/pulumi/cmd/run-plugin"
	if analyzer {
		entry = "@pulumi/pulumi/cmd/run-policy-pack"
	}
	entry, err = resolveModule(ctx, node, dir, entry)
	if err != nil {
		return err
	}
	args := []string{entry}
	if s, ok := options["nodeargs"].(string); ok && s != "" {
		nodeArgs, err := shlex.Split(s)
		if err != nil {
			return fmt.Errorf("runtime.options.nodeargs: %w", err)
		}
		args = append(args, nodeArgs...)
	}
	// run-policy-pack takes <engine-address> <program>; run-plugin takes
	// <program> first.
	if analyzer {
		args = append(append(args, req.GetArgs()...), dir)
	} else {
		args = append(append(args, dir), req.GetArgs()...)
	}

	// A policy pack learns the stack it checks from environment variables,
	// but the engine sends that in a ConfigureStack call to the analyzer. The
	// SDK's PolicyProxy answers the engine first, collects the configuration
	// and then forwards everything to the real policy pack process.
	var proxy *sdk.PolicyProxy
	if analyzer {
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start policy pack proxy: %w", err)
		}
		cfg, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("could not get stack configuration: %w", err)
		}
		if cfg != nil {
			add := func(k, v string) {
				if v != "" {
					env = append(env, k+"="+v)
				}
			}
			add("PULUMI_NODEJS_ORGANIZATION", cfg.GetOrganization())
			add("PULUMI_NODEJS_PROJECT", cfg.GetProject())
			add("PULUMI_NODEJS_STACK", cfg.GetStack())
			add("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(cfg.GetDryRun()))
			if c := cfg.GetConfig(); c != nil {
				b, err := json.Marshal(c)
				if err != nil {
					return fmt.Errorf("could not marshal stack configuration: %w", err)
				}
				add("PULUMI_CONFIG", string(b))
			}
		}
	}

	cmd := exec.CommandContext(ctx, node, args...)
	// Policy packs have always run from their own directory.
	if analyzer {
		cmd.Dir = dir
	} else {
		cmd.Dir = req.GetPwd()
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	logging.V(5).Infof("running node plugin: %s", cmd)

	if err := cmd.Start(); err != nil {
		if proxy != nil {
			proxy.Abort(err)
		}
		return hostmain.ExitError(cmd, err)
	}
	if proxy != nil {
		err = proxy.Attach(ctx, cmd)
	} else {
		err = cmd.Wait()
	}
	if err != nil {
		if code, ok := hostmain.ExitCode(err); ok {
			return fmt.Errorf("plugin program exited with non-zero exit code: %d", code)
		}
		return fmt.Errorf("could not attach to or run plugin program: %w", err)
	}
	return closer.Close()
}
