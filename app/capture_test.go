//go:build linux

package app

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"testing"
	"time"
)

// The system capturer returns a decodable PNG of the whole screen. It
// needs an X display with ImageMagick's import (run under Xvfb to try it).
func TestScreenCapturerUnderX(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no X display; run with DISPLAY set (e.g. under Xvfb)")
	}
	if _, err := exec.LookPath("import"); err != nil {
		t.Skip("ImageMagick's import is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b, err := ScreenCapturer().Capture(ctx)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if r := img.Bounds(); r.Dx() < 100 || r.Dy() < 100 {
		t.Fatalf("screenshot of %v", r)
	}
}
