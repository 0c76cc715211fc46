//go:build unix

package single

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
)

// dir is where the user's sockets go: $XDG_RUNTIME_DIR (private to the
// user by the session's rules), else the user's cache directory.
func dir() (string, error) {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "tandem"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding a directory for the window socket (set XDG_RUNTIME_DIR): %w", err)
	}
	return filepath.Join(d, "tandem"), nil
}

func paths(name string) (sock, lock string, err error) {
	d, err := dir()
	if err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", "", fmt.Errorf("creating %s: %w", d, err)
	}
	fi, err := os.Stat(d)
	if err != nil {
		return "", "", fmt.Errorf("checking %s: %w", d, err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return "", "", fmt.Errorf("%s belongs to another user (uid %d): remove it or set XDG_RUNTIME_DIR", d, st.Uid)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(d, 0o700); err != nil {
			return "", "", fmt.Errorf("making %s private: %w", d, err)
		}
	}
	return filepath.Join(d, name+".sock"), filepath.Join(d, name+".lock"), nil
}

func claim(name string) (net.Listener, func() error, error) {
	sock, lock, err := paths(name)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(lock, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the lock %s: %w", lock, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil, ErrHeld
		}
		return nil, nil, fmt.Errorf("locking %s: %w", lock, err)
	}
	// The lock is ours: a socket left there is a dead holder's.
	if err := os.Remove(sock); err != nil && !errors.Is(err, os.ErrNotExist) {
		f.Close()
		return nil, nil, fmt.Errorf("removing the old socket %s: %w", sock, err)
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("listening on %s: %w", sock, err)
	}
	if ul, ok := ln.(*net.UnixListener); ok {
		ul.SetUnlinkOnClose(true)
	}
	return ln, f.Close, nil
}

func dial(ctx context.Context, name string) (net.Conn, error) {
	sock, _, err := paths(name)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	return d.DialContext(ctx, "unix", sock)
}
