//go:build windows

package single

import (
	"context"
	"errors"
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
	// The lock is a named mutex of the user's session: Windows removes it
	// when the process that made it ends, however it ends. (The pipe's
	// first-instance flag alone does not keep a second process out under
	// every Windows implementation: wine lets it in.)
	mu, err := windows.CreateMutex(nil, false, windows.StringToUTF16Ptr(`tandem-`+name+"-"+sid))
	if errors.Is(err, windows.ERROR_ALREADY_EXISTS) {
		windows.CloseHandle(mu)
		return nil, nil, ErrHeld
	}
	if err != nil {
		return nil, nil, fmt.Errorf("creating the lock of %s: %w", path, err)
	}
	release := func() error { return windows.CloseHandle(mu) }
	ln, err := winio.ListenPipe(path, &winio.PipeConfig{SecurityDescriptor: "D:P(A;;GA;;;" + sid + ")", InputBufferSize: 4096, OutputBufferSize: 4096})
	if err != nil {
		release()
		return nil, nil, fmt.Errorf("opening the pipe %s: %w", path, err)
	}
	return ln, release, nil
}

func dial(ctx context.Context, name string) (net.Conn, error) {
	path, _, err := pipe(name)
	if err != nil {
		return nil, err
	}
	return winio.DialPipeContext(ctx, path)
}
