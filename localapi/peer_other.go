//go:build !linux && !darwin

package localapi

import (
	"errors"
	"net"
)

// peerUID is not available here: Windows needs a named pipe with an ACL and
// the client's token (not built yet), so the local API refuses to start
// rather than serve answers it cannot scope to a user.
func peerUID(net.Conn) (uint32, error) {
	return 0, errors.New("the local API needs peer credentials, which this system does not offer over unix sockets yet")
}
