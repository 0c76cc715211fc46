//go:build linux

package main

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serve tells systemd it is ready once it listens, and that it is stopping
// when it is told to stop: the unit is Type=notify.
func TestServeNotifiesSystemd(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	t.Setenv("NOTIFY_SOCKET", sock)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", t.TempDir(), "--listen", "127.0.0.1:0"}, io.Discard, io.Discard)
	}()
	next := func() string {
		// A deadline only so that a hub that never notifies fails instead
		// of hanging the test binary; it does not measure speed.
		c.SetReadDeadline(time.Now().Add(2 * time.Minute))
		b := make([]byte, 4096)
		n, _, err := c.ReadFromUnix(b)
		if err != nil {
			t.Fatalf("no notification from the hub: %v", err)
		}
		return string(b[:n])
	}
	if got := next(); !strings.HasPrefix(got, "READY=1\nSTATUS=listening on https://127.0.0.1:") {
		t.Errorf("first notification %q, want READY=1 with the hub's URL", got)
	}
	cancel()
	if got := next(); got != "STOPPING=1" {
		t.Errorf("notification on stop %q, want STOPPING=1", got)
	}
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}
