// Command pulumi-language-java is this project's own Pulumi language host for
// Java programs.
//
// Why our own: the upstream host (github.com/pulumi/pulumi-java,
// pkg/cmd/pulumi-language-java) is a Go module that the Go module proxy we can
// reach refuses to serve, and no other registry ships it. The Java SDK
// (Maven com.pulumi:pulumi) does all the real work: it talks to the engine
// over gRPC. A host only has to start the program with the engine's
// addresses, the stack and its configuration in the environment, which is
// what this one does, following the contract of the upstream host that goes
// with SDK 1.36.1:
//
//   - a directory with pom.xml runs `mvn --no-transfer-progress compile
//     exec:java` (./mvnw when the project has one);
//   - `runtime.options.binary: some.jar` runs `java -jar some.jar`;
//   - the required packages come from the SDK's own classpath scan
//     (com.pulumi.bootstrap.internal.Main packages), as upstream does.
//
// Not implemented (answered as Unimplemented): Gradle, JBang, sbt and Mill
// projects, running Java plugins, code generation (convert, import,
// package gen-sdk) and attaching a debugger.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"

	"pg-cluster/tools/pulumi/langhost/internal/hostmain"
)

// version is set at build time (-X main.version=...).
var version = "0.0.0-dev"

func main() {
	hostmain.Serve("pulumi-language-java", []string{"binary", "use-executor"},
		func(engineAddress string, f hostmain.Flags) pulumirpc.LanguageRuntimeServer {
			return &javaHost{engineAddress: engineAddress, flags: f}
		})
}

type javaHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	engineAddress string
	flags         hostmain.Flags
}

// executor is how one program is built and started.
type executor struct {
	cmd string
	// runArgs start the program.
	runArgs []string
	// buildArgs fetch dependencies and compile; nil when there is nothing to build.
	buildArgs []string
	// packagesArgs print the SDK's JSON list of Pulumi packages on the classpath.
	packagesArgs []string
}

func (h *javaHost) executor(info *pulumirpc.ProgramInfo) (*executor, error) {
	dir := info.GetProgramDirectory()
	binary := hostmain.Option(info, h.flags, "binary")
	useExecutor := hostmain.Option(info, h.flags, "use-executor")

	if binary != "" {
		if !strings.EqualFold(filepath.Ext(binary), ".jar") {
			return nil, fmt.Errorf("runtime.options.binary %q: this language host runs .jar binaries only", binary)
		}
		java, err := exec.LookPath("java")
		if err != nil {
			return nil, fmt.Errorf("runtime.options.binary is set but java is not on PATH: %w", err)
		}
		binary = filepath.Clean(binary)
		return &executor{
			cmd:          java,
			runArgs:      []string{"-jar", binary},
			packagesArgs: []string{"-cp", binary, "com.pulumi.bootstrap.internal.Main", "packages"},
		}, nil
	}

	_, statErr := os.Stat(filepath.Join(dir, "pom.xml"))
	if statErr != nil && !strings.Contains(useExecutor, "mvn") {
		return nil, fmt.Errorf("%s has no pom.xml and runtime.options.binary is not set: "+
			"this language host runs Maven projects and jars only (no Gradle, JBang, sbt or Mill)", dir)
	}
	mvn, err := findMaven(dir, useExecutor)
	if err != nil {
		return nil, err
	}
	return &executor{
		cmd:       mvn,
		runArgs:   []string{"--no-transfer-progress", "compile", "exec:java"},
		buildArgs: []string{"--no-transfer-progress", "compile"},
		packagesArgs: []string{
			// Maven's own log goes to stderr: stdout must hold only the JSON.
			"-Dorg.slf4j.simpleLogger.logFile=System.err",
			"--no-transfer-progress", "compile", "exec:java",
			"-DmainClass=com.pulumi.bootstrap.internal.Main",
			"-DmainArgs=packages",
		},
	}, nil
}

// findMaven prefers runtime.options.use-executor, then the project's Maven
// wrapper, then mvn on PATH, as the upstream host does.
func findMaven(dir, useExecutor string) (string, error) {
	candidates := []string{"./mvnw", "mvn"}
	if useExecutor != "" {
		candidates = []string{useExecutor}
	}
	for _, c := range candidates {
		if strings.ContainsRune(c, filepath.Separator) {
			p := c
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
				return p, nil
			}
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("could not find %s (looked in %s and on PATH)", strings.Join(candidates, " or "), dir)
}

// GetRequiredPackages asks the SDK which Pulumi packages (plugin.json files)
// are on the program's classpath. Like upstream, a failure here is advisory:
// it yields an empty list, and the real error shows when the program runs.
func (h *javaHost) GetRequiredPackages(ctx context.Context,
	req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	empty := &pulumirpc.GetRequiredPackagesResponse{}
	ex, err := h.executor(req.GetInfo())
	if err != nil {
		logging.V(3).Infof("GetRequiredPackages: %v", err)
		return empty, nil
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, ex.cmd, ex.packagesArgs...)
	cmd.Dir = req.GetInfo().GetProgramDirectory()
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		logging.V(3).Infof("GetRequiredPackages: %v\n%s", hostmain.ExitError(cmd, err), stderr.String())
		return empty, nil
	}
	// Decode only the first JSON value: Maven 3.8 ends its output with an
	// ANSI reset sequence even when stdout is not a terminal.
	var found []plugin.PulumiPluginJSON
	if err := json.NewDecoder(&stdout).Decode(&found); err != nil {
		logging.V(3).Infof("GetRequiredPackages: unreadable package list: %v", err)
		return empty, nil
	}
	resp := &pulumirpc.GetRequiredPackagesResponse{}
	for _, p := range found {
		if !p.Resource {
			continue
		}
		dep := &pulumirpc.PackageDependency{Kind: "resource", Name: p.Name, Version: p.Version, Server: p.Server}
		if p.Parameterization != nil {
			dep.Parameterization = &pulumirpc.PackageParameterization{
				Name: p.Parameterization.Name, Version: p.Parameterization.Version, Value: p.Parameterization.Value,
			}
		}
		resp.Packages = append(resp.Packages, dep)
	}
	return resp, nil
}

// Run starts the program with everything the Java SDK reads from its
// environment (com.pulumi.deployment.internal.DeploymentImpl).
func (h *javaHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	ex, err := h.executor(req.GetInfo())
	if err != nil {
		return nil, err
	}
	env := os.Environ()
	set := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	set("PULUMI_MONITOR", req.GetMonitorAddress())
	set("PULUMI_ENGINE", h.engineAddress)
	set("PULUMI_ORGANIZATION", req.GetOrganization())
	set("PULUMI_PROJECT", req.GetProject())
	set("PULUMI_STACK", req.GetStack())
	set("PULUMI_PWD", req.GetPwd())
	set("PULUMI_ROOT_DIRECTORY", req.GetInfo().GetRootDirectory())
	set("PULUMI_DRY_RUN", fmt.Sprint(req.GetDryRun()))
	set("PULUMI_PARALLEL", fmt.Sprint(req.GetParallel()))
	set("PULUMI_TRACING", h.flags.Tracing)
	if cfg := req.GetConfig(); cfg != nil {
		b, err := json.Marshal(cfg)
		if err != nil {
			return nil, fmt.Errorf("failed to serialize configuration: %w", err)
		}
		set("PULUMI_CONFIG", string(b))
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	b, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("failed to serialize configuration secret keys: %w", err)
	}
	set("PULUMI_CONFIG_SECRET_KEYS", string(b))

	// The program's output goes to our stdout/stderr, which the engine shows
	// to the user. Like upstream, it is buffered and shown only when the run
	// fails: Maven's build chatter is noise on success.
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(ex.cmd, ex.runArgs...)
	cmd.Dir = req.GetInfo().GetProgramDirectory()
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		os.Stdout.Write(stdout.Bytes())
		os.Stderr.Write(stderr.Bytes())
		return &pulumirpc.RunResponse{Error: hostmain.ExitError(cmd, err).Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// InstallDependencies compiles the project, which makes Maven fetch its
// dependencies (`pulumi install`).
func (h *javaHost) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	ex, err := h.executor(req.GetInfo())
	if err != nil {
		return err
	}
	if ex.buildArgs == nil {
		return nil
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	cmd := exec.Command(ex.cmd, ex.buildArgs...)
	cmd.Dir = req.GetInfo().GetProgramDirectory()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return hostmain.ExitError(cmd, err)
	}
	return closer.Close()
}

func (h *javaHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *javaHost) GetProgramDependencies(context.Context,
	*pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *javaHost) RuntimeOptionsPrompts(context.Context,
	*pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// About reports the java found on PATH (`pulumi about`).
func (h *javaHost) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("could not find java on PATH: %w", err)
	}
	out, err := exec.Command(java, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("'%s --version' failed: %w", java, err)
	}
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return &pulumirpc.AboutResponse{Executable: java, Version: first}, nil
}
