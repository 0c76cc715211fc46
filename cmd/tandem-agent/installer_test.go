package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeIdentity puts an identity folder into data, as an enrollment leaves
// one (the files' contents do not matter to the installer's steps).
func writeIdentity(t *testing.T, data string) {
	t.Helper()
	dir := filepath.Join(data, "identity")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"identity.json", "device.pem", "device-key.pem", "ca.pem"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestInstallerRollbackRemovesOnlyItsOwnIdentity(t *testing.T) {
	ctx := context.Background()
	// An identity from before the installation (no pending mark) stays.
	kept := t.TempDir()
	writeIdentity(t, kept)
	var out bytes.Buffer
	if err := run(ctx, []string{"installer", "rollback", "--data", kept}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(kept, "identity", "identity.json")); err != nil {
		t.Fatalf("a rollback removed an identity the installation did not make: %v (%s)", err, out.String())
	}

	// The installation's own (pending mark): removed, the store beside it kept.
	own := t.TempDir()
	writeIdentity(t, own)
	if err := os.WriteFile(filepath.Join(own, installerPending), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(own, "status.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"installer", "rollback", "--data", own}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"identity", installerPending} {
		if _, err := os.Stat(filepath.Join(own, gone)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after the rollback %s is still there (%v)", gone, err)
		}
	}
	if _, err := os.Stat(filepath.Join(own, "status.json")); err != nil {
		t.Errorf("the rollback removed more than the identity: %v", err)
	}
	if !strings.Contains(out.String(), "removed the device identity") {
		t.Errorf("the rollback said %q", out.String())
	}
}

func TestInstallerCommitKeepsTheIdentity(t *testing.T) {
	data := t.TempDir()
	writeIdentity(t, data)
	if err := os.WriteFile(filepath.Join(data, installerPending), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"installer", "commit", "--data", data}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(data, installerPending)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the commit left the pending mark (%v): a later rollback would remove a working identity", err)
	}
	// A rollback after the commit (a later, failed repair) keeps it.
	if err := run(context.Background(), []string{"installer", "rollback", "--data", data}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(data, "identity", "identity.json")); err != nil {
		t.Errorf("a rollback after the commit removed the identity: %v", err)
	}
}

func TestInstallerUnknownStep(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"installer", "frobnicate"}, &out, &out)
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "frobnicate") {
		t.Fatalf("an unknown installer step gave %v; want a usage error naming it", err)
	}
}

func TestSameHub(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"https://hub.example.com:8443", "https://hub.example.com:8443/", true},
		{"https://HUB.example.com:8443", "https://hub.example.com:8443", true},
		{"https://hub.example.com:8443", "https://hub.example.com:9443", false},
		{"https://hub.example.com:8443", "https://other.example.com:8443", false},
		{"https://hub.example.com:8443", "", false},
	} {
		if got := sameHub(c.a, c.b); got != c.same {
			t.Errorf("sameHub(%q, %q) = %v, want %v", c.a, c.b, got, c.same)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no standard error") }

// A Windows service has no standard error: the log file must still get
// every line.
func TestFanOutWritesPastAFailingWriter(t *testing.T) {
	var file bytes.Buffer
	w := fanOut{failingWriter{}, &file}
	if _, err := w.Write([]byte("agent running\n")); err == nil {
		t.Error("fanOut hid the failing writer's error")
	}
	if file.String() != "agent running\n" {
		t.Errorf("the writer after a failing one got %q", file.String())
	}
}
