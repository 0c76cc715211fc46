package tray

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// ErrNoWindows means the `tandem` program that draws the windows is not
// installed beside the tray nor on the PATH.
var ErrNoWindows = errors.New("the Tandem windows program (tandem) is not installed")

// FindTandem returns the `tandem` program beside the running executable,
// else the one on the PATH.
func FindTandem() (string, error) {
	name := "tandem"
	if runtime.GOOS == "windows" {
		name = "tandem.exe"
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoWindows, err)
	}
	return p, nil
}

// Opener opens windows by running `tandem open WHAT [ARG] --data DIR`.
// Windows that fail at once (no OpenGL in a remote session, a missing
// library) are reported, so the tray can offer another way.
type Opener struct {
	Tandem  string        // the program; "" means FindTandem at each Open
	DataDir string        // passed as --data when set
	Settle  time.Duration // how long a window must stay up to count as opened; 0 means 1.5 s

	wg sync.WaitGroup // one reaper per started window
}

// Open starts `tandem open args…` and waits up to Settle: an early exit
// with an error is returned with what the program said; a window still
// running by then is left to the person (Wait reaps it).
func (o *Opener) Open(ctx context.Context, args ...string) error {
	prog := o.Tandem
	if prog == "" {
		var err error
		if prog, err = FindTandem(); err != nil {
			return err
		}
	}
	argv := append([]string{"open"}, args...)
	if o.DataDir != "" {
		argv = append(argv, "--data", o.DataDir)
	}
	cmd := exec.Command(prog, argv...) // not tied to ctx: the window outlives the click
	var stderr bytes.Buffer
	cmd.Stderr = &lockedWriter{w: &stderr}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", prog, err)
	}
	done := make(chan error, 1)
	o.wg.Go(func() { done <- cmd.Wait() })
	settle := o.Settle
	if settle == 0 {
		settle = 1500 * time.Millisecond
	}
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("the window did not open (%s %s): %w: %s", filepath.Base(prog), strings.Join(args, " "), err, lastLine(stderr.String()))
		}
		return nil
	case <-time.After(settle):
		return nil
	case <-ctx.Done():
		return nil
	}
}

// Wait waits for the windows this Opener started to close.
func (o *Opener) Wait() { o.wg.Wait() }

// lockedWriter lets the process write while Open reads after it exits.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w.Len() > 64<<10 {
		return len(p), nil // keep the start; a chatty window must not grow the tray
	}
	return l.w.Write(p)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return shorten(lines[len(lines)-1], 300)
}

// OpenURL opens a tel:, mailto: or web URL with the system's handler.
func OpenURL(ctx context.Context, u string) error {
	name, args := urlOpener(u)
	cmd := exec.CommandContext(ctx, name, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("opening %s with %s: %w: %s", u, name, err, lastLine(string(out)))
	}
	return nil
}
