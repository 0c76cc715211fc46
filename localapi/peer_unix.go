//go:build linux || darwin

package localapi

import (
	"fmt"
	"net"
)

// peerUID returns the user id of the process at the other end of a unix
// socket connection, as the kernel reports it (it cannot be forged).
func peerUID(c net.Conn) (uint32, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return 0, fmt.Errorf("not a unix socket connection")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("reading peer credentials: %w", err)
	}
	var uid uint32
	var serr error
	if err := raw.Control(func(fd uintptr) { uid, serr = socketPeerUID(int(fd)) }); err != nil {
		return 0, fmt.Errorf("reading peer credentials: %w", err)
	}
	if serr != nil {
		return 0, fmt.Errorf("reading peer credentials: %w", serr)
	}
	return uid, nil
}
