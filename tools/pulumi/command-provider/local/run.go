package local

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"

	p "github.com/pulumi/pulumi-go-provider"
)

// The variables that carry the previous run's outputs into the next run.
const (
	envPreviousStdout = "PULUMI_COMMAND_STDOUT"
	envPreviousStderr = "PULUMI_COMMAND_STDERR"
)

var defaultInterpreter = []string{"/bin/sh", "-c"}

// execute runs script with the interpreter, directory, environment and stdin
// of in. out holds the previous run's stdout/stderr on entry (passed on in the
// environment) and this run's on success; on failure out is left alone and the
// error carries the script and everything it printed.
func execute(ctx context.Context, script string, in *Args, out *State) error {
	argv := defaultInterpreter
	if in.Interpreter != nil && len(*in.Interpreter) > 0 {
		argv = *in.Interpreter
	}
	argv = append(append([]string(nil), argv...), script)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)

	if in.Dir != nil {
		cmd.Dir = *in.Dir
	} else {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		cmd.Dir = wd
	}

	// Later entries win over earlier ones of the same name (os/exec keeps the
	// last), so: the provider's environment, then the input's, then the
	// previous outputs.
	env := os.Environ()
	if in.Environment != nil {
		names := make([]string, 0, len(*in.Environment))
		for name := range *in.Environment {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			env = append(env, name+"="+(*in.Environment)[name])
		}
	}
	if in.AddPreviousOutputInEnv == nil || *in.AddPreviousOutputInEnv {
		if out.Stdout != "" {
			env = append(env, envPreviousStdout+"="+out.Stdout)
		}
		if out.Stderr != "" {
			env = append(env, envPreviousStderr+"="+out.Stderr)
		}
	}
	cmd.Env = env

	if in.Stdin != nil && *in.Stdin != "" {
		cmd.Stdin = strings.NewReader(*in.Stdin)
	}

	// Each stream goes to its own buffer (the outputs), to one buffer of both
	// in the order written (for the error message) and, when logging asks for
	// it, line by line to the engine as status messages.
	var stdout, stderr bytes.Buffer
	both := &syncBuffer{}
	logMu := &sync.Mutex{}
	emit := func(line string) { p.GetLogger(ctx).InfoStatus(line) }
	stdoutLog := &lineWriter{mu: logMu, emit: emit}
	stderrLog := &lineWriter{mu: logMu, emit: emit}

	stdoutSinks := []io.Writer{&stdout, both}
	if in.Logging.logsStdout() {
		stdoutSinks = append(stdoutSinks, stdoutLog)
	}
	stderrSinks := []io.Writer{&stderr, both}
	if in.Logging.logsStderr() {
		stderrSinks = append(stderrSinks, stderrLog)
	}
	cmd.Stdout = io.MultiWriter(stdoutSinks...)
	cmd.Stderr = io.MultiWriter(stderrSinks...)

	err := cmd.Run()
	stdoutLog.flush()
	stderrLog.flush()
	if err != nil {
		return fmt.Errorf("%w: running %q:\n%s", err, script, both.String())
	}

	out.Stdout = strings.TrimSuffix(stdout.String(), "\n")
	out.Stderr = strings.TrimSuffix(stderr.String(), "\n")
	return nil
}

// syncBuffer is a bytes.Buffer that the stdout and stderr copiers may write
// to at the same time.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(data []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(data)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lineWriter passes each complete line written to it to emit (without its
// line ending); flush passes on an unterminated last line. Writers sharing mu
// never emit at the same time.
type lineWriter struct {
	mu      *sync.Mutex
	emit    func(string)
	partial []byte
}

func (w *lineWriter) Write(data []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, data...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.emit(strings.TrimSuffix(string(w.partial[:i]), "\r"))
		w.partial = w.partial[i+1:]
	}
	return len(data), nil
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.partial) > 0 {
		w.emit(strings.TrimSuffix(string(w.partial), "\r"))
		w.partial = nil
	}
}
