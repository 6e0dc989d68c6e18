package local

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

const urn = presource.URN("urn:pulumi:dev::proj::command:local:Command::c")

func server(t *testing.T) integration.Server {
	t.Helper()
	s, err := integration.NewServer(t.Context(), "command", semver.MustParse("1.1.3"),
		integration.WithProvider(NewProvider()))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func inputs(kv map[string]property.Value) property.Map { return property.NewMap(kv) }

func str(s string) property.Value { return property.New(s) }

func TestCheckRequiresCreate(t *testing.T) {
	s := server(t)
	resp, err := s.Check(p.CheckRequest{Urn: urn, Inputs: inputs(map[string]property.Value{
		"update": str("true"),
	})})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Failures) != 1 || resp.Failures[0].Property != "create" {
		t.Fatalf("want one failure on create, got %+v", resp.Failures)
	}

	// An unknown create (preview) is fine.
	resp, err = s.Check(p.CheckRequest{Urn: urn, Inputs: inputs(map[string]property.Value{
		"create": property.New(property.Computed),
	})})
	if err != nil || len(resp.Failures) != 0 {
		t.Fatalf("unknown create: %v %+v", err, resp.Failures)
	}
}

func TestCreateRunsAndTrimsOneNewline(t *testing.T) {
	s := server(t)
	resp, err := s.Create(p.CreateRequest{Urn: urn, Properties: inputs(map[string]property.Value{
		"create":      str(`read x; printf '%s %s\n\n' "$x" "$V"; printf 'e\n' >&2`),
		"environment": property.New(map[string]property.Value{"V": str("env")}),
		"stdin":       str("in\n").WithSecret(true),
	})})
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Properties.Get("stdout").AsString(); got != "in env\n" {
		t.Errorf("stdout = %q", got)
	}
	if got := resp.Properties.Get("stderr").AsString(); got != "e" {
		t.Errorf("stderr = %q", got)
	}
	if !resp.Properties.Get("stdin").Secret() {
		t.Errorf("stdin lost its secretness: %v", resp.Properties.Get("stdin"))
	}
}

func TestCreateFailureReportsOutputAndCreatesNothing(t *testing.T) {
	s := server(t)
	resp, err := s.Create(p.CreateRequest{Urn: urn, Properties: inputs(map[string]property.Value{
		"create": str("echo out; echo bad >&2; exit 3"),
	})})
	if err == nil {
		t.Fatalf("want an error, got %+v", resp)
	}
	for _, want := range []string{"exit status 3", "running \"echo out; echo bad >&2; exit 3\":\n", "out\n", "bad\n"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if resp.ID != "" || resp.PartialState != nil {
		t.Errorf("a failed create left a resource: %+v", resp)
	}
}

func TestPreviewRunsNothingAndLeavesOutputsUnknown(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	s := server(t)
	in := inputs(map[string]property.Value{"create": str("touch " + marker)})
	resp, err := s.Create(p.CreateRequest{Urn: urn, Properties: in, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.Properties.Get("stdout").IsComputed() || !resp.Properties.Get("stderr").IsComputed() {
		t.Errorf("create preview: outputs should be unknown: %v", resp.Properties)
	}

	state := inputs(map[string]property.Value{"create": str("touch " + marker),
		"stdout": str("old"), "stderr": str("")})
	news := inputs(map[string]property.Value{"create": str("touch " + marker + "; true")})
	up, err := s.Update(p.UpdateRequest{ID: "x", Urn: urn, State: state, Inputs: news, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !up.Properties.Get("stdout").IsComputed() {
		t.Errorf("update preview: stdout should be unknown: %v", up.Properties)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("a preview ran the command")
	}
}

func TestUpdateSeesPreviousOutput(t *testing.T) {
	s := server(t)
	state := inputs(map[string]property.Value{
		"create": str("echo created"), "update": str("echo was $PULUMI_COMMAND_STDOUT/$PULUMI_COMMAND_STDERR"),
		"stdout": str("one"), "stderr": str("two"),
	})
	news := inputs(map[string]property.Value{
		"create": str("echo created"), "update": str("echo was $PULUMI_COMMAND_STDOUT/$PULUMI_COMMAND_STDERR"),
		"environment": property.New(map[string]property.Value{"X": str("y")}),
	})
	up, err := s.Update(p.UpdateRequest{ID: "x", Urn: urn, State: state, Inputs: news})
	if err != nil {
		t.Fatal(err)
	}
	if got := up.Properties.Get("stdout").AsString(); got != "was one/two" {
		t.Errorf("stdout = %q", got)
	}

	// Without update, create runs again; addPreviousOutputInEnv=false hides the old output.
	news = inputs(map[string]property.Value{
		"create":                 str("echo again ${PULUMI_COMMAND_STDOUT-none}"),
		"addPreviousOutputInEnv": property.New(false),
	})
	up, err = s.Update(p.UpdateRequest{ID: "x", Urn: urn, State: state, Inputs: news})
	if err != nil {
		t.Fatal(err)
	}
	if got := up.Properties.Get("stdout").AsString(); got != "again none" {
		t.Errorf("stdout = %q", got)
	}
}

func TestDeleteUsesStateEnvironment(t *testing.T) {
	out := filepath.Join(t.TempDir(), "deleted")
	s := server(t)
	err := s.Delete(p.DeleteRequest{ID: "x", Urn: urn, Properties: inputs(map[string]property.Value{
		"create":      str("true"),
		"delete":      str(`echo "$V $PULUMI_COMMAND_STDOUT" > ` + out),
		"environment": property.New(map[string]property.Value{"V": str("v1")}),
		"stdout":      str("last"), "stderr": str(""),
	})})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); string(b) != "v1 last\n" {
		t.Errorf("delete saw %q", b)
	}

	err = s.Delete(p.DeleteRequest{ID: "x", Urn: urn, Properties: inputs(map[string]property.Value{
		"create": str("true"), "delete": str("exit 4"), "stdout": str(""), "stderr": str(""),
	})})
	if err == nil || !strings.Contains(err.Error(), "exit status 4") {
		t.Errorf("failing delete: %v", err)
	}
}

func TestDiff(t *testing.T) {
	s := server(t)
	state := inputs(map[string]property.Value{
		"create":   str("echo hi"),
		"triggers": property.New([]property.Value{str("a"), property.New(1.0)}),
		"stdout":   str("hi"), "stderr": str(""),
	})
	diff := func(news map[string]property.Value) p.DiffResponse {
		t.Helper()
		resp, err := s.Diff(p.DiffRequest{ID: "x", Urn: urn, State: state, Inputs: inputs(news)})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	replaces := func(r p.DiffResponse) bool {
		for _, d := range r.DetailedDiff {
			if d.Kind == p.AddReplace || d.Kind == p.UpdateReplace || d.Kind == p.DeleteReplace {
				return true
			}
		}
		return false
	}

	same := diff(map[string]property.Value{"create": str("echo hi"),
		"triggers": property.New([]property.Value{str("a"), property.New(1.0)})})
	if same.HasChanges {
		t.Errorf("no change: %+v", same)
	}
	elem := diff(map[string]property.Value{"create": str("echo hi"),
		"triggers": property.New([]property.Value{str("b"), property.New(1.0)})})
	if !elem.HasChanges || !replaces(elem) {
		t.Errorf("changed trigger element must replace: %+v", elem)
	}
	added := diff(map[string]property.Value{"create": str("echo hi"),
		"triggers": property.New([]property.Value{str("a"), property.New(1.0), str("c")})})
	if !replaces(added) {
		t.Errorf("added trigger element must replace: %+v", added)
	}
	gone := diff(map[string]property.Value{"create": str("echo hi")})
	if !replaces(gone) {
		t.Errorf("removed triggers must replace: %+v", gone)
	}
	other := diff(map[string]property.Value{"create": str("echo ho"),
		"triggers": property.New([]property.Value{str("a"), property.New(1.0)})})
	if !other.HasChanges || replaces(other) {
		t.Errorf("changed create must update in place: %+v", other)
	}
}

func TestUnderTriggers(t *testing.T) {
	for path, want := range map[string]bool{
		"triggers": true, "triggers[0]": true, "triggers[2].k": true,
		"triggersX": false, "environment.triggers": false, "create": false,
	} {
		if got := underTriggers(path); got != want {
			t.Errorf("underTriggers(%q) = %v", path, got)
		}
	}
}
