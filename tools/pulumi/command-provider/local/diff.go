package local

import (
	"context"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
)

// ReplaceOnTriggerChanges makes every change under `triggers` a replacement.
//
// pulumi-go-provider's diff turns a change into a replacement only when its
// path is exactly a property marked replaceOnChanges, i.e. when `triggers` as
// a whole appears or disappears; a changed element ("triggers[0]") comes out
// as an update. The official provider has the same diff, and its generated
// SDKs for Node.js, Python, Go and .NET make up for it by adding the resource
// option replaceOnChanges: ["triggers[*]"] to every Command, but the Java
// codegen does not, and neither does this project's hand-written binding. So
// the provider does it: any difference at or below `triggers` replaces.
func ReplaceOnTriggerChanges(provider p.Provider) p.Provider {
	inner := provider.Diff
	if inner == nil {
		return provider
	}
	provider.Diff = func(ctx context.Context, req p.DiffRequest) (p.DiffResponse, error) {
		resp, err := inner(ctx, req)
		if err != nil {
			return resp, err
		}
		for path, d := range resp.DetailedDiff {
			if !underTriggers(path) {
				continue
			}
			switch d.Kind {
			case p.Add:
				d.Kind = p.AddReplace
			case p.Delete:
				d.Kind = p.DeleteReplace
			case p.Update:
				d.Kind = p.UpdateReplace
			}
			resp.DetailedDiff[path] = d
		}
		return resp, nil
	}
	return provider
}

// underTriggers: path is "triggers" or a path into it ("triggers[0]", "triggers[1].k").
func underTriggers(path string) bool {
	rest, ok := strings.CutPrefix(path, "triggers")
	return ok && (rest == "" || rest[0] == '[' || rest[0] == '.')
}
