//go:build linux

package sdnotify

import (
	"log/slog"
	"net"
	"path/filepath"
	"testing"
)

// Listen makes a socket like systemd's notification socket and points
// NOTIFY_SOCKET at it; the returned function reads the next message.
func Listen(t *testing.T) func() string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return func() string {
		b := make([]byte, 4096)
		n, _, err := c.ReadFromUnix(b)
		if err != nil {
			t.Fatalf("reading the notification: %v", err)
		}
		return string(b[:n])
	}
}

func TestReadyAndStopping(t *testing.T) {
	next := Listen(t)
	Ready(slog.Default(), "serving")
	if got, want := next(), "READY=1\nSTATUS=serving"; got != want {
		t.Errorf("Ready sent %q, want %q", got, want)
	}
	Stopping(slog.Default())
	if got, want := next(), "STOPPING=1"; got != want {
		t.Errorf("Stopping sent %q, want %q", got, want)
	}
}

func TestNothingOutsideSystemd(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	Ready(slog.Default(), "serving") // must neither fail nor block
}
