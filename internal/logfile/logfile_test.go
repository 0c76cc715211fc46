package logfile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestRotatesAtLimitAndKeepsOneOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agent.log")
	f, err := Open(path, 100)
	if err != nil {
		t.Fatal(err)
	}
	line := bytes.Repeat([]byte("x"), 39)
	line = append(line, '\n')
	for range 7 { // 280 bytes: two rotations
		if _, err := f.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	cur, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(path + ".1")
	if err != nil {
		t.Fatal(err)
	}
	if len(cur) != 40 || len(old) != 80 {
		t.Fatalf("current %d bytes, old %d; want 40 and 80", len(cur), len(old))
	}
	// Reopening appends and counts what is there.
	f, err = Open(path, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.size != 40 {
		t.Fatalf("reopened size %d, want 40", f.size)
	}
}

// A rename that fails (here: NAME.1 is a directory that holds a file, so
// nothing may replace it) keeps the log in the same file, with why, instead
// of failing every later write.
func TestAFailedRotationKeepsLogging(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "agent.log")
	if err := os.MkdirAll(filepath.Join(path+".1", "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line := append(bytes.Repeat([]byte("x"), 39), '\n')
	for i := range 6 {
		if _, err := f.Write(line); err != nil {
			t.Fatalf("write %d after a failed rotation: %v", i, err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := bytes.Count(b, line); got != 6 || !bytes.Contains(b, []byte("trying again later")) {
		t.Fatalf("the log has %d of 6 lines, and says:\n%s", got, b)
	}
}
