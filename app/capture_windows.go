package app

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// systemCapturer on Windows asks PowerShell (present on every supported
// Windows) to copy the virtual screen into a PNG, so no cgo is needed.
// NOT YET TRIED on a real Windows desktop.
type systemCapturer struct{}

const captureScript = `Add-Type -AssemblyName System.Windows.Forms,System.Drawing
$b = [System.Windows.Forms.SystemInformation]::VirtualScreen
$bmp = New-Object System.Drawing.Bitmap $b.Width, $b.Height
$g = [System.Drawing.Graphics]::FromImage($bmp)
$g.CopyFromScreen($b.Left, $b.Top, 0, 0, $bmp.Size)
$bmp.Save($env:TANDEM_SHOT, [System.Drawing.Imaging.ImageFormat]::Png)`

func (systemCapturer) Capture(ctx context.Context) ([]byte, error) {
	ps, err := exec.LookPath("powershell.exe")
	if err != nil {
		return nil, ErrNoCapture
	}
	dir, err := os.MkdirTemp("", "tandem-shot-")
	if err != nil {
		return nil, fmt.Errorf("making a place for the screenshot: %w", err)
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "screen.png")
	cmd := exec.CommandContext(ctx, ps, "-NoProfile", "-NonInteractive", "-Command", captureScript)
	cmd.Env = append(os.Environ(), "TANDEM_SHOT="+out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		s := string(msg)
		if len(s) > 200 {
			s = s[:200]
		}
		return nil, fmt.Errorf("PowerShell could not take the screenshot: %w (%s)", err, strings.TrimSpace(s))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("reading the screenshot: %w", err)
	}
	return b, nil
}
