//go:build windows

package single

import (
	"context"
	"fmt"
	"net"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// pipe names the user's pipe for name: the SID keeps users apart in the
// machine-wide pipe namespace.
func pipe(name string) (path, sid string, err error) {
	tok := windows.GetCurrentProcessToken()
	u, err := tok.GetTokenUser()
	if err != nil {
		return "", "", fmt.Errorf("reading this process's user: %w", err)
	}
	sid = u.User.Sid.String()
	return `\\.\pipe\tandem-` + name + "-" + sid, sid, nil
}

func claim(name string) (net.Listener, func() error, error) {
	path, sid, err := pipe(name)
	if err != nil {
		return nil, nil, err
	}
	// winio makes the first instance with FILE_FLAG_FIRST_PIPE_INSTANCE: a
	// second process cannot take the name while the first holds it.
	ln, err := winio.ListenPipe(path, &winio.PipeConfig{SecurityDescriptor: "D:P(A;;GA;;;" + sid + ")"})
	if err != nil {
		c, derr := winio.DialPipe(path, nil)
		if derr == nil {
			c.Close()
			return nil, nil, ErrHeld
		}
		return nil, nil, fmt.Errorf("opening the pipe %s: %w", path, err)
	}
	return ln, func() error { return nil }, nil
}

func dial(ctx context.Context, name string) (net.Conn, error) {
	path, _, err := pipe(name)
	if err != nil {
		return nil, err
	}
	return winio.DialPipeContext(ctx, path)
}
