package inventory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// errNoTool says a command is not installed: not an error of the device,
// just a part that cannot be answered.
var errNoTool = errors.New("not installed")

// errFakeRoot says a command was not run because the collection reads a fake root.
var errFakeRoot = errors.New("not run: the collection reads a fake root")

// maxOutput caps what a command may print; more is cut and reported.
const maxOutput = 64 << 20

// result is what a finished command printed and its exit code. A non-zero
// exit is not an error: many tools use it to answer (dnf check-update 100,
// needs-restarting 1, firewall-cmd 252).
type result struct {
	Stdout []byte
	Stderr []byte
	Code   int
}

// stderrLine returns the first line of stderr, trimmed, for evidence and warnings.
func (r result) stderrLine() string {
	s := strings.TrimSpace(string(r.Stderr))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return clipRunes(s, 200)
}

// run runs name with args under timeout, in the C locale so the output
// parses the same on every machine. It returns errNoTool (wrapped) when name
// is not installed, errFakeRoot when the collection reads a fake root, and
// an error when the command could not start, was cut off by the timeout, or
// printed more than maxOutput.
func (c *collector) run(ctx context.Context, timeout time.Duration, name string, args ...string) (result, error) {
	if c.fakeRoot {
		return result{}, fmt.Errorf("%s: %w", name, errFakeRoot)
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", name, errNoTool)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(cmd.Environ(), "LC_ALL=C", "LANG=C", "LANGUAGE=")
	cmd.WaitDelay = 2 * time.Second // a child that keeps the pipes open must not hold us
	stdout := &capped{max: maxOutput}
	stderr := &capped{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	start := time.Now()
	err = cmd.Run()
	c.log.Debug("inventory: command", "cmd", name, "args", args, "took", time.Since(start), "err", err)
	res := result{Stdout: stdout.buf.Bytes(), Stderr: stderr.buf.Bytes()}
	if ctx.Err() != nil {
		return res, fmt.Errorf("%s %s: stopped after %s: %w", name, strings.Join(args, " "), timeout, ctx.Err())
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.Code = exit.ExitCode()
		if res.Code < 0 {
			return res, fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
		}
	case err != nil:
		return res, fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	if stdout.cut {
		return res, fmt.Errorf("%s %s: printed more than %d bytes; output cut", name, strings.Join(args, " "), maxOutput)
	}
	return res, nil
}

// capped is a writer that keeps the first max bytes and drops the rest.
type capped struct {
	buf bytes.Buffer
	max int
	cut bool
}

func (w *capped) Write(p []byte) (int, error) {
	room := w.max - w.buf.Len()
	if len(p) > room {
		w.cut = true
		if room > 0 {
			w.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return w.buf.Write(p)
}
