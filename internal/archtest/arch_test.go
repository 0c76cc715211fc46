package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "tandem"

// pkg is the part of `go list -json` these tests read.
type pkg struct {
	ImportPath string
	Name       string
	Doc        string
	Imports    []string
	Deps       []string
}

// listPackages runs `go list -json ./...` from the module root for the given GOOS.
func listPackages(t *testing.T, goos string) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json", module+"/...")
	cmd.Env = append(cmd.Environ(), "GOOS="+goos, "CGO_ENABLED=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list failed: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 3 {
		t.Fatalf("go list found only %d packages; is the test running inside the module?", len(pkgs))
	}
	return pkgs
}

// layer names the top-level part of the project a package belongs to.
func layer(importPath string) string {
	rel, ok := strings.CutPrefix(importPath, module+"/")
	if !ok {
		if importPath == module {
			return "main"
		}
		return ""
	}
	parts := strings.Split(rel, "/")
	switch parts[0] {
	case "cmd", "internal":
		return parts[0]
	case "sync":
		if len(parts) > 1 {
			return "sync/" + parts[1]
		}
	}
	return parts[0]
}

// forbidden lists, for each layer, the project layers it must not import
// directly or through another package. Imports point one way:
// main/cmd → app, agent, hub → sync/*, localapi, inventory, localdb → msp.
var forbidden = map[string][]string{
	"msp":           {"*"},
	"localdb":       {"main", "cmd", "app", "agent", "hub", "sync/client", "sync/outbox", "sync/protocol", "localapi", "inventory"},
	"inventory":     {"main", "cmd", "app", "agent", "hub", "localdb", "localapi", "sync/client", "sync/outbox"},
	"sync/protocol": {"main", "cmd", "app", "agent", "hub", "localdb", "localapi", "inventory", "sync/client", "sync/outbox"},
	"sync/outbox":   {"main", "cmd", "app", "agent", "hub", "localapi", "sync/client"},
	"sync/client":   {"main", "cmd", "app", "agent", "hub", "localapi"},
	"localapi":      {"main", "cmd", "app", "agent", "hub", "localdb"},
	"hub":           {"main", "cmd", "app", "agent", "localapi", "inventory", "sync/outbox"}, // the embedded store is localdb; simulate drives sync/client
	"agent":         {"main", "cmd", "app", "hub"},
	"app":           {"main", "cmd", "agent", "hub", "localdb", "sync/outbox"},
	"tray":          {"main", "cmd", "app", "agent", "hub", "localdb", "sync/outbox", "sync/client", "inventory"},
}

// forbiddenExternal lists modules a layer must not link, directly or not.
var forbiddenExternal = map[string][]string{
	"app":           {"github.com/dgraph-io/badger"},
	"tray":          {"github.com/dgraph-io/badger", "fyne.io/fyne"},
	"msp":           {"github.com/dgraph-io/badger", "fyne.io/fyne", "github.com/getlantern/systray"},
	"agent":         {"fyne.io/fyne", "github.com/getlantern/systray"},
	"hub":           {"fyne.io/fyne", "github.com/getlantern/systray"},
	"localdb":       {"fyne.io/fyne", "github.com/getlantern/systray"},
	"sync/protocol": {"github.com/dgraph-io/badger", "fyne.io/fyne"},
}

// allowedExternal lists, for a layer that may link only a few modules,
// the modules it may depend on besides the standard library (directly or
// not). msp sits under both the agent and the hub, so it keeps to
// google/uuid and rickar/cal/v2. cal is allowed for the public holidays of
// every region but South Africa (msp/regions.go): holiday rules are data a
// well-kept library keeps current better than Tandem would, and the SLA
// calendar that needs them lives in msp. cal depends on nothing but the
// standard library. The exception is for cal alone; msp/deps_test.go
// holds the same rule for msp's own imports.
var allowedExternal = map[string][]string{
	"msp": {"github.com/google/uuid", "github.com/rickar/cal/v2"},
}

// externalAllowed reports whether layer may depend on dep: a package of
// the standard library or of the project, or one under allowedExternal.
func externalAllowed(layer, dep string) bool {
	allowed, limited := allowedExternal[layer]
	first, _, _ := strings.Cut(dep, "/")
	if !limited || !strings.Contains(first, ".") {
		return true
	}
	for _, m := range allowed {
		if dep == m || strings.HasPrefix(dep, m+"/") {
			return true
		}
	}
	return false
}

// binaryRules: the tray links no Fyne (it cannot on macOS), the agent and hub no GUI at all.
var binaryRules = map[string][]string{
	module + "/cmd/tandem-tray":  {"fyne.io/fyne"},
	module + "/cmd/tandem-agent": {"fyne.io/fyne", "github.com/getlantern/systray"},
	module + "/cmd/tandem-hub":   {"fyne.io/fyne", "github.com/getlantern/systray"},
}

func TestImportDirection(t *testing.T) {
	for _, goos := range []string{"linux", "windows", "darwin"} {
		for _, p := range listPackages(t, goos) {
			from := layer(p.ImportPath)
			for _, dep := range p.Deps {
				to := layer(dep)
				if to != "" && to != from {
					for _, bad := range forbidden[from] {
						if bad == "*" || bad == to {
							t.Errorf("%s (%s): %s must not depend on %s (layer %s); see DESIGN.md, imports point one way",
								p.ImportPath, goos, from, dep, to)
						}
					}
				}
				if !externalAllowed(from, dep) {
					t.Errorf("%s (%s) must not depend on %s; %s may link only %s", p.ImportPath, goos, dep, from, strings.Join(allowedExternal[from], ", "))
				}
				for _, ext := range forbiddenExternal[from] {
					if strings.HasPrefix(dep, ext) {
						t.Errorf("%s (%s) must not depend on %s", p.ImportPath, goos, dep)
					}
				}
			}
			for _, ext := range binaryRules[p.ImportPath] {
				for _, dep := range p.Deps {
					if strings.HasPrefix(dep, ext) {
						t.Errorf("binary %s (%s) must not link %s", p.ImportPath, goos, dep)
					}
				}
			}
		}
	}
}

func TestEveryPackageHasDocComment(t *testing.T) {
	for _, p := range listPackages(t, "linux") {
		if p.Doc == "" {
			t.Errorf("package %s has no doc comment: add a doc.go that says what it is for", p.ImportPath)
		}
	}
}

// TestLayerRulesCatchViolations proves the rule table can fail: it checks a
// made-up package list that breaks each rule.
func TestLayerRulesCatchViolations(t *testing.T) {
	cases := []struct{ from, dep string }{
		{module + "/msp", module + "/localdb"},
		{module + "/localdb", module + "/hub"},
		{module + "/app", module + "/localdb"},
		{module + "/hub", module + "/agent"},
	}
	for _, c := range cases {
		from, to := layer(c.from), layer(c.dep)
		hit := false
		for _, bad := range forbidden[from] {
			if bad == "*" || bad == to {
				hit = true
			}
		}
		if !hit {
			t.Errorf("rule table lets %s import %s", c.from, c.dep)
		}
	}
	for _, dep := range []string{"github.com/dgraph-io/badger/v4", "github.com/rickar/calendar", "golang.org/x/sys/unix"} {
		if externalAllowed("msp", dep) {
			t.Errorf("msp may depend on %s", dep)
		}
	}
	for _, dep := range []string{"github.com/rickar/cal/v2/gb", "github.com/google/uuid", "time", "tandem/msp"} {
		if !externalAllowed("msp", dep) {
			t.Errorf("msp may not depend on %s", dep)
		}
	}
	if !strings.HasPrefix("github.com/dgraph-io/badger/v4/y", forbiddenExternal["app"][0]) {
		t.Error("app's badger rule does not match badger's packages")
	}
}
