package inventory

import (
	"path/filepath"
	"testing"
)

// The system's own root is never a fake one, however it is spelled: on
// Windows filepath.Clean("/") is `\`, and taking that for a test tree
// skipped every query on every Windows endpoint.
func TestTheSystemRootIsNotFake(t *testing.T) {
	for _, root := range []string{"", "/", string(filepath.Separator)} {
		if c := newCollector(Options{Root: root}); c.fakeRoot {
			t.Errorf("Root %q is taken for a fake root (cleaned to %q)", root, c.root)
		}
	}
	dir := t.TempDir()
	c := newCollector(Options{Root: dir})
	if !c.fakeRoot || c.path("/etc/os-release") != filepath.Join(dir, "/etc/os-release") {
		t.Errorf("Root %q: fake %v, path %q", dir, c.fakeRoot, c.path("/etc/os-release"))
	}
}
