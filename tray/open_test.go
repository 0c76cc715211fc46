//go:build linux || darwin

package tray

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// script writes an executable shell script standing in for `tandem`.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tandem")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOpener(t *testing.T) {
	ctx := context.Background()

	t.Run("a window that fails at once is reported with its words", func(t *testing.T) {
		t.Parallel()
		o := &Opener{Tandem: script(t, `echo "GLFW: no OpenGL context could be created" >&2; exit 1`), DataDir: "agent-dir", Settle: 20 * time.Second}
		err := o.Open(ctx, "new-ticket")
		o.Wait()
		if err == nil || !strings.Contains(err.Error(), "no OpenGL context") || !strings.Contains(err.Error(), "new-ticket") {
			t.Fatalf("Open: %v, want the window's own error", err)
		}
	})

	t.Run("a window that stays up is left to the person, with the right arguments", func(t *testing.T) {
		t.Parallel()
		args := filepath.Join(t.TempDir(), "args")
		release := filepath.Join(t.TempDir(), "release")
		o := &Opener{Tandem: script(t, `echo "$@" > `+args+`; while [ ! -e `+release+` ]; do sleep 0.05; done`), DataDir: "agent dir", Settle: 200 * time.Millisecond}
		if err := o.Open(ctx, "ticket", "01a2-id"); err != nil {
			t.Fatalf("Open: %v", err)
		}
		if err := os.WriteFile(release, nil, 0o600); err != nil { // the person closes the window
			t.Fatal(err)
		}
		o.Wait()
		b, err := os.ReadFile(args)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(b)); got != "open ticket 01a2-id --data agent dir" {
			t.Errorf("tandem got %q", got)
		}
	})

	t.Run("no tandem anywhere", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		o := &Opener{}
		if err := o.Open(ctx, "tickets"); !errors.Is(err, ErrNoWindows) {
			t.Fatalf("Open without tandem: %v, want ErrNoWindows", err)
		}
	})
}
