package msp

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// allowedModules are the only modules msp may import besides the standard
// library:
//   - google/uuid, for the ids;
//   - rickar/cal/v2, and its country packages, for the public holidays of
//     every region but South Africa (regions.go). Holiday rules are data
//     that a well-kept library keeps up to date better than Tandem would,
//     and the calendar that SLA clocks run on lives here, on both sides.
//     cal has no dependencies of its own, so msp stays at the bottom of the
//     import graph. This exception is for cal alone.
var allowedModules = []string{"github.com/google/uuid", "github.com/rickar/cal/v2"}

// TestImportsOnlyStdlibAndAllowed keeps msp at the bottom of the import
// graph: both the agent and the hub build on it, so it may import nothing
// of the project and no module but allowedModules.
func TestImportsOnlyStdlibAndAllowed(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			allowed := slices.ContainsFunc(allowedModules, func(m string) bool { return path == m || strings.HasPrefix(path, m+"/") })
			if !allowed && strings.Contains(first, ".") || first == "tandem" {
				t.Errorf("%s imports %s; msp may import only the standard library and %s", name, path, strings.Join(allowedModules, ", "))
			}
		}
	}
}
