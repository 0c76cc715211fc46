package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// desktop is a private X display with a session bus, a notification daemon
// and a tray host, plus the product's binaries built from this module.
type desktop struct {
	t         *testing.T
	bin       string // the built binaries
	shots     string // where screenshots go
	env       []string
	display   string
	stepCount int

	mu    sync.Mutex
	procs []*exec.Cmd
}

var desktopTools = []string{"Xvfb", "trayer", "xdotool", "import", "dbus-daemon", "dunst", "dunstctl"}

// requireDesktop skips (or, with TANDEM_E2E=require, fails) when a tool is missing.
func requireDesktop(t *testing.T) {
	t.Helper()
	var missing []string
	for _, tool := range desktopTools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("the desktop test needs %s (Debian: xvfb trayer xdotool imagemagick dbus dunst; `make deps` installs them)", strings.Join(missing, ", "))
	if os.Getenv("TANDEM_E2E") == "require" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// artefactDir is where screenshots are kept: $TANDEM_ARTEFACTS/<test>, else
// artefacts/<test> at the module root (ignored by git).
func artefactDir(t *testing.T) string {
	root := os.Getenv("TANDEM_ARTEFACTS")
	if root == "" {
		root = filepath.Join("..", "artefacts")
	}
	dir := filepath.Join(root, t.Name())
	if err := os.RemoveAll(dir); err != nil {
		t.Fatalf("clearing old screenshots in %s: %v", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("creating the artefacts directory: %v", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// buildProduct builds the four programs into a temporary directory.
func buildProduct(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", dir+string(os.PathSeparator),
		"tandem", "tandem/cmd/tandem-tray", "tandem/cmd/tandem-agent", "tandem/cmd/tandem-hub")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the product: %v\n%s", err, out)
	}
	return dir
}

func startDesktop(t *testing.T) *desktop {
	t.Helper()
	requireDesktop(t)
	d := &desktop{t: t, bin: buildProduct(t), shots: artefactDir(t)}
	t.Cleanup(d.stopAll)
	home := t.TempDir()
	runtime := filepath.Join(home, "run")
	if err := os.Mkdir(runtime, 0o700); err != nil {
		t.Fatal(err)
	}

	// Xvfb picks a free display and writes its number to fd 3.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{w}
	d.start(x, "Xvfb")
	w.Close()
	num, err := bufio.NewReader(r).ReadString('\n')
	r.Close()
	if err != nil {
		t.Fatalf("Xvfb did not report its display: %v", err)
	}
	d.display = ":" + strings.TrimSpace(num)

	// A private session bus.
	bus := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	out, err := bus.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	d.start(bus, "dbus-daemon")
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon did not report its address: %v", err)
	}

	d.env = append(os.Environ(),
		"DISPLAY="+d.display,
		"DBUS_SESSION_BUS_ADDRESS="+strings.TrimSpace(addr),
		"HOME="+home,
		"XDG_RUNTIME_DIR="+runtime,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"PATH="+d.bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"NO_AT_BRIDGE=1",
	)
	d.run("xsetroot", "-solid", "#3b4252") // a plain desktop, if xsetroot is there
	d.startProgram("dunst", "dunst")
	d.startProgram("trayer", "trayer", "--edge", "bottom", "--align", "right", "--widthtype", "request",
		"--height", "32", "--SetDockType", "true", "--transparent", "false", "--tint", "0xdddddd")
	return d
}

func (d *desktop) start(cmd *exec.Cmd, name string) {
	d.t.Helper()
	if cmd.Stderr == nil {
		cmd.Stderr = &prefixWriter{t: d.t, prefix: name + ": "}
	}
	if err := cmd.Start(); err != nil {
		d.t.Fatalf("starting %s: %v", name, err)
	}
	d.mu.Lock()
	d.procs = append(d.procs, cmd)
	d.mu.Unlock()
}

// startProgram starts a long-running program on the desktop.
func (d *desktop) startProgram(name string, argv ...string) *exec.Cmd {
	d.t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = d.env
	d.start(cmd, name)
	return cmd
}

// run runs a short command on the desktop and returns its output; a
// missing optional tool is not an error.
func (d *desktop) run(argv ...string) (string, error) {
	if _, err := exec.LookPath(argv[0]); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = d.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// must runs a command and fails the test when it fails.
func (d *desktop) must(argv ...string) string {
	d.t.Helper()
	out, err := d.run(argv...)
	if err != nil {
		d.t.Fatal(err)
	}
	return out
}

// shot saves a screenshot of the whole screen as NN-name.png.
func (d *desktop) shot(name string) string {
	d.t.Helper()
	d.stepCount++
	path := filepath.Join(d.shots, fmt.Sprintf("%02d-%s.png", d.stepCount, name))
	if _, err := d.run("import", "-window", "root", path); err != nil {
		d.t.Errorf("screenshot %s: %v", name, err)
	}
	return path
}

// waitWindow waits for a window whose title contains name and returns its id.
func (d *desktop) waitWindow(name string, within time.Duration) string {
	d.t.Helper()
	deadline := time.Now().Add(within)
	for {
		out, err := d.run("xdotool", "search", "--onlyvisible", "--name", name)
		if err == nil {
			if ids := strings.Fields(out); len(ids) > 0 {
				return ids[len(ids)-1]
			}
		}
		if time.Now().After(deadline) {
			d.shot("missing-window")
			d.t.Fatalf("no window named %q appeared within %s", name, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// geometry returns a window's position and size on the screen.
func (d *desktop) geometry(id string) (x, y, w, h int) {
	d.t.Helper()
	out := d.must("xdotool", "getwindowgeometry", "--shell", id)
	vals := map[string]int{}
	for _, line := range strings.Fields(out) {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(v)
		if err == nil {
			vals[k] = n
		}
	}
	return vals["X"], vals["Y"], vals["WIDTH"], vals["HEIGHT"]
}

func (d *desktop) stopAll() {
	d.mu.Lock()
	procs := d.procs
	d.procs = nil
	d.mu.Unlock()
	for i := len(procs) - 1; i >= 0; i-- {
		p := procs[i]
		if p.Process == nil {
			continue
		}
		_ = p.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = p.Process.Kill()
			<-done
		}
	}
}

// notifications lists the summaries and bodies dunst has shown.
func (d *desktop) notifications() []string {
	d.t.Helper()
	out, err := d.run("dunstctl", "history")
	if err != nil {
		d.t.Logf("dunstctl history: %v", err)
		return nil
	}
	var hist struct {
		Data [][]struct {
			Summary struct{ Data string } `json:"summary"`
			Body    struct{ Data string } `json:"body"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &hist); err != nil {
		d.t.Fatalf("reading dunst's history: %v\n%s", err, out)
	}
	var got []string
	for _, group := range hist.Data {
		for _, n := range group {
			got = append(got, n.Summary.Data+" — "+n.Body.Data)
		}
	}
	return got
}

// freePort returns a loopback address nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// prefixWriter sends a child's stderr to the test log, line by line.
type prefixWriter struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
	buf    []byte
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.t.Log(w.prefix + string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

var _ io.Writer = (*prefixWriter)(nil)
var _ = errors.New

// waitFor polls cond every 250 ms until it holds, or fails the test.
func (d *desktop) waitFor(what string, within time.Duration, cond func() bool) {
	d.t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			d.shot("timeout")
			d.t.Fatalf("waited %s for %s", within, what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// waitTrayIcon waits until trayer's panel holds an icon and returns the
// panel's window: trayer sizes the panel to its icons (--widthtype request),
// so with one icon the panel's middle is the icon's.
func (d *desktop) waitTrayIcon(within time.Duration) string {
	d.t.Helper()
	var panel string
	d.waitFor("an icon in the tray", within, func() bool {
		out, err := d.run("xdotool", "search", "--name", "^panel$")
		if err != nil {
			return false
		}
		for _, id := range strings.Fields(out) {
			if _, _, w, h := d.geometry(id); w >= 16 && h >= 16 {
				panel = id
				return true
			}
		}
		return false
	})
	return panel
}

func itoa(n int) string { return strconv.Itoa(n) }
