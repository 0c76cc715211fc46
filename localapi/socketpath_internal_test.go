//go:build linux

package localapi

import (
	"context"
	"net"
	"path/filepath"
	"testing"
)

func TestSocketPath(t *testing.T) {
	if got, want := SocketPath(SystemDataDir), "/run/tandem-agent/agent.sock"; got != want {
		t.Errorf("SocketPath(%s) = %s, want %s", SystemDataDir, got, want)
	}
	if got, want := SocketPath(SystemDataDir+"/"), "/run/tandem-agent/agent.sock"; got != want {
		t.Errorf("SocketPath(%s/) = %s, want %s", SystemDataDir, got, want)
	}
	if got, want := legacySocketPath(SystemDataDir), "/var/lib/tandem-agent/agent.sock"; got != want {
		t.Errorf("legacySocketPath(%s) = %s, want %s", SystemDataDir, got, want)
	}
	dir := t.TempDir()
	if got, want := SocketPath(dir), filepath.Join(dir, SocketName); got != want {
		t.Errorf("SocketPath(%s) = %s, want %s: an agent with --data of its own keeps its socket there", dir, got, want)
	}
	if got := legacySocketPath(dir); got != "" {
		t.Errorf("legacySocketPath(%s) = %q, want none", dir, got)
	}
}

// A client reaches an agent of an older release, still listening in its
// data directory, when nothing listens where the socket is now.
func TestDialFallsBackToTheOlderSocket(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.sock")
	ln, err := net.Listen("unix", old)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	c, err := dialAgent(context.Background(), filepath.Join(dir, "missing", "agent.sock"), old)
	if err != nil {
		t.Fatalf("dialing with an older socket to fall back on: %v", err)
	}
	c.Close()
	<-accepted
	if _, err := dialAgent(context.Background(), filepath.Join(dir, "missing", "agent.sock"), ""); err == nil {
		t.Error("dialing a missing socket without a fallback succeeded")
	}
}
