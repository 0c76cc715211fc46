//go:build linux || darwin

package app

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

type systemCapturer struct{}

// Capture runs the first screenshot tool found into a temporary file and
// returns its bytes.
func (systemCapturer) Capture(ctx context.Context) ([]byte, error) {
	dir, err := os.MkdirTemp("", "tandem-shot-")
	if err != nil {
		return nil, fmt.Errorf("making a place for the screenshot: %w", err)
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "screen.png")
	for _, tool := range captureTools(out) {
		path, err := exec.LookPath(tool[0])
		if err != nil {
			continue
		}
		cmd := exec.CommandContext(ctx, path, tool[1:]...)
		if msg, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("%s could not take the screenshot: %w (%s)", tool[0], err, clipOutput(msg))
		}
		if tool[0] == "xwd" {
			return xwdToPNG(ctx, out)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			return nil, fmt.Errorf("reading the screenshot %s made: %w", tool[0], err)
		}
		return b, nil
	}
	return nil, ErrNoCapture
}

func clipOutput(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}
