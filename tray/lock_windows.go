package tray

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows"
)

// Lock makes this the only tray in the person's session: it holds a named
// mutex in the session's namespace until release is called or the
// process ends. dir is not used on Windows.
func Lock(_ string) (release func() error, err error) {
	name, err := windows.UTF16PtrFromString(`Local\TandemTray`)
	if err != nil {
		return nil, fmt.Errorf("naming the tray's mutex: %w", err)
	}
	h, err := windows.CreateMutex(nil, false, name)
	if errors.Is(err, windows.ERROR_ALREADY_EXISTS) {
		if cerr := windows.CloseHandle(h); cerr != nil {
			return nil, fmt.Errorf("%w (and closing the mutex handle failed: %v)", ErrAlreadyRunning, cerr)
		}
		return nil, ErrAlreadyRunning
	}
	if err != nil {
		return nil, fmt.Errorf("creating the tray's mutex: %w", err)
	}
	return func() error { return windows.CloseHandle(h) }, nil
}
