//go:build windows

package localapi

import (
	"context"
	"net"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// agentAddr is the agent's named pipe.
func agentAddr(dir string) string { return PipeName(dir) }

// dialAgent opens the agent's pipe and lets the agent identify this
// process's user (impersonation level Identification: the agent can read
// who is calling, not act as them).
func dialAgent(ctx context.Context, addr, _ string) (net.Conn, error) {
	return winio.DialPipeAccessImpLevel(ctx, addr, windows.GENERIC_READ|windows.GENERIC_WRITE, winio.PipeImpLevelIdentification)
}
