//go:build !linux && !darwin && !windows

package localapi

import (
	"errors"
	"net"
)

var errNoPeerCredentials = errors.New("the local API needs peer credentials, which this system does not offer; it runs on Linux, macOS and Windows")

// listen refuses: without peer credentials the server could not scope its
// answers to the caller.
func listen(string) (net.Listener, error) { return nil, errNoPeerCredentials }

func (s *Server) identify(net.Conn) (string, error) { return "", errNoPeerCredentials }

func lookupUID(uint32) (string, error) { return "", errNoPeerCredentials }
