//go:build unix

package tray

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Lock makes this the only tray of the person: it holds an advisory lock
// on dir/tray.lock until release is called or the process ends (the
// kernel drops the lock of a crashed tray).
func Lock(dir string) (release func() error, err error) {
	f, err := os.OpenFile(filepath.Join(dir, "tray.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the tray's lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrAlreadyRunning
		}
		return nil, fmt.Errorf("locking the tray's lock file: %w", err)
	}
	return f.Close, nil
}
