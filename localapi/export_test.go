package localapi

import "net"

// SetIdentify makes s name each caller with f instead of from the
// kernel's peer credentials, so that a test can be several users.
func SetIdentify(s *Server, f func(net.Conn) (string, error)) { s.identifyPeer = f }
