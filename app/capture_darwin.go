package app

import (
	"context"
	"errors"
)

// captureTools is macOS's screencapture, silent.
func captureTools(out string) [][]string {
	return [][]string{{"screencapture", "-x", "-t", "png", out}}
}

func xwdToPNG(context.Context, string) ([]byte, error) {
	return nil, errors.New("xwd is not used on macOS")
}
