package app

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// captureTools are the commands tried in order: ImageMagick's import on
// X11, GNOME's tool, then xwd (converted to PNG).
func captureTools(out string) [][]string {
	if os.Getenv("WAYLAND_DISPLAY") != "" {
		return [][]string{{"gnome-screenshot", "-f", out}, {"grim", out}}
	}
	return [][]string{
		{"import", "-silent", "-window", "root", out},
		{"gnome-screenshot", "-f", out},
		{"xwd", "-root", "-silent", "-out", strings.TrimSuffix(out, ".png") + ".xwd"},
	}
}

// xwdToPNG converts xwd's dump with ImageMagick's convert.
func xwdToPNG(ctx context.Context, out string) ([]byte, error) {
	in := strings.TrimSuffix(out, ".png") + ".xwd"
	convert, err := exec.LookPath("convert")
	if err != nil {
		return nil, ErrNoCapture
	}
	if msg, err := exec.CommandContext(ctx, convert, in, out).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("converting the screenshot to PNG: %w (%s)", err, clipOutput(msg))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("reading the converted screenshot: %w", err)
	}
	return b, nil
}
