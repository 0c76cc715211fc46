//go:build !linux && !darwin && !windows

package app

import "context"

// systemCapturer on other systems has no tool: the person attaches an
// image file instead.
type systemCapturer struct{}

func (systemCapturer) Capture(context.Context) ([]byte, error) { return nil, ErrNoCapture }
