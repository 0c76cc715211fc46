package msp

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsOnlyStdlibAndUUID keeps msp at the bottom of the import graph:
// both the agent and the hub build on it, so it may import nothing of the
// project and no module but google/uuid.
func TestImportsOnlyStdlibAndUUID(t *testing.T) {
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
			if path != "github.com/google/uuid" && strings.Contains(first, ".") || first == "tandem" {
				t.Errorf("%s imports %s; msp may import only the standard library and github.com/google/uuid", name, path)
			}
		}
	}
}
