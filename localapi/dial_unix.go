//go:build !windows

package localapi

import (
	"context"
	"net"
	"path/filepath"
)

// agentAddr is the agent's socket in its data directory.
func agentAddr(dir string) string { return filepath.Join(dir, SocketName) }

func dialAgent(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", addr)
}
