// Package hostmain holds what our two language hosts share: the process
// contract every Pulumi plugin follows (engine address as the last argument,
// health-check the engine, print the gRPC port on stdout) and friendly errors
// for a child process that failed.
package hostmain

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// Flags are the command-line flags a host accepts besides the engine address.
// The CLI passes only the engine address today; older CLIs also passed
// runtime options as -name=value flags, which are kept as fallbacks.
type Flags struct {
	Tracing string
	Extra   map[string]*string
}

// Serve parses the command line, starts the gRPC server with the language
// runtime that newHost builds, prints its port and blocks until the engine
// goes away or the process is interrupted.
func Serve(name string, extraFlags []string, newHost func(engineAddress string, f Flags) pulumirpc.LanguageRuntimeServer) {
	f := Flags{Extra: map[string]*string{}}
	flag.StringVar(&f.Tracing, "tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	for _, n := range extraFlags {
		f.Extra[n] = flag.String(n, "", "runtime option "+n)
	}
	// -root is passed by some CLI versions; accepted and ignored (the
	// program directory comes with every request).
	flag.String("root", "", "ignored")
	flag.Parse()

	logging.InitLogging(false, 0, false)
	cmdutil.InitTracing(name, name, f.Tracing)

	var engineAddress string
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
	}

	// Stop serving on SIGINT or when the engine stops answering health
	// checks, so that no host outlives the CLI that started it.
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	cancelChannel := make(chan bool)
	go func() {
		<-ctx.Done()
		cancel()
		close(cancelChannel)
	}()
	if engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, cancel); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start health check host RPC server: %w", err))
		}
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelChannel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, newHost(engineAddress, f))
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}

	// The spawning engine reads the port from our first line of stdout.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

// ExitError turns the error of cmd.Run/Wait into a message that names the
// command and its exit code, the way the upstream hosts report it.
func ExitError(cmd *exec.Cmd, err error) error {
	if err == nil {
		return nil
	}
	commandStr := strings.Join(cmd.Args, " ")
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if status, ok := exitErr.Sys().(syscall.WaitStatus); ok {
			return fmt.Errorf("'%v' exited with non-zero exit code: %d", commandStr, status.ExitStatus())
		}
		return fmt.Errorf("'%v' exited unexpectedly: %w", commandStr, exitErr)
	}
	return fmt.Errorf("problem executing '%v': %w", commandStr, err)
}

// ExitCode returns the exit status of a command that ran and failed, or
// false when the command did not run to an exit status.
func ExitCode(err error) (int, bool) {
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if status, ok := exitErr.Sys().(syscall.WaitStatus); ok {
			return status.ExitStatus(), true
		}
	}
	return 0, false
}

// Option reads a runtime option (Pulumi.yaml `runtime.options.NAME`) from
// the request, falling back to the command-line flag of the same name.
func Option(info *pulumirpc.ProgramInfo, f Flags, name string) string {
	if info != nil && info.Options != nil {
		if v, ok := info.Options.AsMap()[name]; ok && v != nil {
			return fmt.Sprint(v)
		}
	}
	if p, ok := f.Extra[name]; ok && p != nil {
		return *p
	}
	return ""
}
