//go:build linux || darwin

package localapi

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"time"
)

// listen opens SocketPath(dir) to every local user: each sees only their
// own data, named from the socket's peer credentials. It makes RuntimeDir
// when systemd has not (the agent run by hand).
func listen(dir string) (net.Listener, error) {
	path := SocketPath(dir)
	if sd := filepath.Dir(path); sd != filepath.Clean(dir) {
		if err := os.MkdirAll(sd, 0o755); err != nil {
			return nil, fmt.Errorf("making the socket's directory %s: %w", sd, err)
		}
	}
	if err := removeStaleSocket(path); err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", path) // removed again when ln closes
	if err != nil {
		return nil, fmt.Errorf("opening the local API socket %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o666); err != nil {
		ln.Close()
		return nil, fmt.Errorf("opening the local API socket to local users: %w", err)
	}
	return ln, nil
}

// identify names the OS user at the other end of a unix socket from the
// kernel's peer credentials.
func (s *Server) identify(c net.Conn) (string, error) {
	uid, err := peerUID(c)
	if err != nil {
		return "", err
	}
	return s.lookup(uid)
}

// lookupUID names a user id; an id without a name is "uid:<N>", which no
// account can be called (a colon ends a name in /etc/passwd), so an
// account named "uid1001" is never taken for the nameless uid 1001.
func lookupUID(uid uint32) (string, error) {
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil {
		return "uid:" + strconv.FormatUint(uint64(uid), 10), nil
	}
	return u.Username, nil
}

// removeStaleSocket removes a socket left by an agent that died, but not
// one another agent still answers on.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checking %s: %w", path, err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("%s exists and is not a socket; move it away", path)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("another agent is serving on %s", path)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("removing the stale socket %s: %w", path, err)
	}
	return nil
}
