//go:build !windows

package localapi

import (
	"context"
	"errors"
	"net"
	"syscall"
)

// agentAddr is the agent's socket (SocketPath).
func agentAddr(dir string) string { return SocketPath(dir) }

// dialAgent dials the agent's socket, and the socket of an older release
// (legacySocketPath) when no agent listens on it.
func dialAgent(ctx context.Context, addr, legacy string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", addr)
	if err != nil && legacy != "" && (errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED)) {
		if lc, lerr := d.DialContext(ctx, "unix", legacy); lerr == nil {
			return lc, nil
		}
	}
	return c, err
}
