package agent

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// A tray runs as the person, the agent as a service: the person must reach
// the socket through the data directory but see nothing else in it.
func TestDataDirLetsTraysReachTheSocketOnly(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows uses a named pipe with its own ACL")
	}
	dir := filepath.Join(t.TempDir(), "agent")
	if err := os.Mkdir(dir, 0o700); err != nil { // as an older agent left it
		t.Fatal(err)
	}
	a, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for path, want := range map[string]os.FileMode{dir: DataDirMode, filepath.Join(dir, "store"): 0o700} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s has mode %o, want %o", filepath.Base(path), got, want)
		}
	}
}
