package local

import "github.com/pulumi/pulumi-go-provider/infer"

// Logging says which of the command's streams are shown in the Pulumi log
// while it runs (schema type command:local:Logging).
type Logging string

// The values of Logging.
const (
	LogStdout          Logging = "stdout"
	LogStderr          Logging = "stderr"
	LogStdoutAndStderr Logging = "stdoutAndStderr"
	LogNone            Logging = "none"
)

// Values makes Logging an enum in the schema.
func (Logging) Values() []infer.EnumValue[Logging] {
	return []infer.EnumValue[Logging]{
		{Name: "stdout", Value: LogStdout, Description: "Log stdout only"},
		{Name: "stderr", Value: LogStderr, Description: "Log stderr only"},
		{Name: "stdoutAndStderr", Value: LogStdoutAndStderr, Description: "Log stdout and stderr (the default)"},
		{Name: "none", Value: LogNone, Description: "Log neither"},
	}
}

// logsStdout and logsStderr: an unset Logging means stdoutAndStderr.
func (l *Logging) logsStdout() bool {
	return l == nil || *l == LogStdout || *l == LogStdoutAndStderr
}

func (l *Logging) logsStderr() bool {
	return l == nil || *l == LogStderr || *l == LogStdoutAndStderr
}
