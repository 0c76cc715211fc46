package tray

import "errors"

// ErrAlreadyRunning means another tandem-tray holds the lock for this
// person: one icon is enough.
var ErrAlreadyRunning = errors.New("the Tandem tray is already running for you; look for its icon in the system tray")
