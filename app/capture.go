package app

import (
	"context"
	"errors"
)

// Capturer takes a screenshot of the whole screen as PNG bytes. Capture may
// take a second or two; it is called off the UI goroutine.
type Capturer interface {
	Capture(ctx context.Context) ([]byte, error)
}

// ErrNoCapture means this system has no way to take a screenshot that
// Tandem knows; the person can attach an image file instead.
var ErrNoCapture = errors.New("this computer has no screenshot tool Tandem can use; take one yourself and attach it as a file")

// ScreenCapturer is the system's screenshot tool (see capture_*.go).
func ScreenCapturer() Capturer { return systemCapturer{} }
