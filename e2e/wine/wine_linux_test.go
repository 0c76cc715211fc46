package wine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tandem/e2e/e2ekit"
	"tandem/hub"
	"tandem/msp"
)

// bed is one run of the test bed: a Linux hub and a Windows agent.
type bed struct {
	t        *testing.T
	wine     string
	env      []string
	exe      string // tandem-agent.exe
	hubBin   string
	hubDir   string
	agentDir string // as Windows sees it: Z:\...
	info     hub.Info
	tenant   string
}

func newBed(t *testing.T) *bed {
	t.Helper()
	prefix, wine := os.Getenv("TANDEM_WINE_PREFIX"), os.Getenv("TANDEM_WINE")
	if prefix == "" || wine == "" {
		t.Skip("the Windows test bed runs from scripts/wine.sh (make test), which sets TANDEM_WINE_PREFIX and TANDEM_WINE")
	}
	base := t.TempDir()
	b := &bed{t: t, wine: wine, hubDir: filepath.Join(base, "hub"), agentDir: winPath(filepath.Join(base, "agent")),
		exe: filepath.Join(base, "tandem-agent.exe"), hubBin: filepath.Join(base, "tandem-hub")}
	b.env = append(os.Environ(), "WINEPREFIX="+prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=bcryptprimitives=n;mscoree,mshtml=")
	build(t, b.exe, "windows", "./cmd/tandem-agent")
	build(t, b.hubBin, "linux", "./cmd/tandem-hub")
	return b
}

// build compiles pkg of this module for goos, without cgo, as a release is.
func build(t *testing.T, out, goos, pkg string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH=amd64")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s for %s: %v\n%s", pkg, goos, err, b)
	}
}

// winPath is a Linux path as a Windows program under wine names it.
func winPath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }

// agent runs tandem-agent.exe with args (and --data) under wine, as a
// second process beside the running agent, within limit.
func (b *bed) agent(limit time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	args = append(args, "--data", b.agentDir)
	cmd := exec.CommandContext(ctx, b.wine, append([]string{b.exe}, args...)...)
	cmd.Env = b.env
	// A wine service this process starts inherits its output pipe: stop
	// waiting for the pipe once the process itself has ended.
	cmd.WaitDelay = 3 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("tandem-agent.exe %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

func (b *bed) mustAgent(args ...string) string {
	b.t.Helper()
	out, err := b.agent(60*time.Second, args...)
	if err != nil {
		b.t.Fatal(err)
	}
	return out
}

func (b *bed) hubCmd(args ...string) string {
	b.t.Helper()
	cmd := exec.Command(b.hubBin, append(args, "--data", b.hubDir)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.t.Fatalf("tandem-hub %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// start runs a long-lived program, ended with the test.
func (b *bed) start(name string, cmd *exec.Cmd) {
	b.t.Helper()
	log, err := os.Create(filepath.Join(b.t.TempDir(), name+".log"))
	if err != nil {
		b.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		b.t.Fatalf("starting %s: %v", name, err)
	}
	b.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		log.Close()
		if b.t.Failed() {
			out, _ := os.ReadFile(log.Name())
			b.t.Logf("%s's log:\n%s", name, out)
		}
	})
}

func (b *bed) startHub() {
	b.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	b.start("tandem-hub", exec.Command(b.hubBin, "serve", "--data", b.hubDir, "--listen", addr))
	deadline := time.Now().Add(30 * time.Second)
	for {
		info, err := hub.ReadInfo(b.hubDir)
		if err == nil {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				b.info = info
				return
			}
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the hub did not start within 30 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitPipe waits until the running agent answers on its named pipe. Under
// wine 8 the first client of a new pipe lands on the instance go-winio
// creates to hold the name, which wine does not keep disconnected, and
// hangs there; each probe is cut after a few seconds, which frees it.
func (b *bed) waitPipe() {
	b.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		_, err := b.agent(4*time.Second, "health")
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the agent's named pipe did not answer within 90 s: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (b *bed) hubTickets() []msp.Ticket {
	b.t.Helper()
	var ts []msp.Ticket
	out := b.hubCmd("tickets", "--tenant", b.tenant, "--json")
	if err := json.Unmarshal([]byte(out), &ts); err != nil {
		b.t.Fatalf("reading the hub's tickets: %v\n%s", err, out)
	}
	return ts
}

func (b *bed) waitHubTicket(id string) msp.Ticket {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		for _, tk := range b.hubTickets() {
			if tk.ID == id {
				return tk
			}
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the hub has no ticket %s after 60 s", id)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// The Windows agent, for real under wine, with a Linux hub on loopback:
// enrolled over TLS, running, a ticket raised through its named pipe by a
// second Windows process and named after that process's user, delivered
// to the hub, a technician's reply brought back through the pipe, health
// and status answered, a second agent refused on the same store as a
// store in use (never damage), and the collection run.
func TestWindowsAgentUnderWine(t *testing.T) {
	b := newBed(t)
	b.startHub()
	b.tenant = strings.TrimSpace(b.hubCmd("tenant", "create", "--name", "Demo Accounting (Pty) Ltd", "--mode", "co-managed",
		"--support-name", "Acme IT", "--support-phone", "+27 21 555 0100", "--support-email", "help@acme-it.example"))
	token := strings.TrimSpace(b.hubCmd("token", "create", "--tenant", b.tenant))
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	out := b.mustAgent("enroll", "--hub", b.info.URL, "--token-file", winPath(tokenFile), "--ca", winPath(b.info.CAFile))
	if !strings.Contains(out, "enrolled as device") {
		t.Fatalf("enroll printed %q", out)
	}
	run := exec.Command(b.wine, b.exe, "run", "--data", b.agentDir)
	run.Env = b.env
	b.start("tandem-agent.exe run", run)
	b.waitPipe()

	// A second agent on the same data directory: the store is in use.
	second := make(chan error, 1)
	go func() {
		_, err := b.agent(90*time.Second, "run")
		second <- err
	}()

	// A person's ticket, through the pipe.
	out = b.mustAgent("ticket", "new", "--title", "Printer jams on every page",
		"--description", "The front desk printer jams on every page since this morning.", "--json")
	var created struct {
		ID        string `json:"id"`
		Requester string `json:"requester"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.ID == "" {
		t.Fatalf("ticket new --json printed %q: %v", out, err)
	}
	onHub := b.waitHubTicket(created.ID)
	user := os.Getenv("USER")
	if user == "" {
		user = "root"
	}
	if !strings.HasPrefix(onHub.Requester, user+"@") {
		t.Errorf("the hub names the requester %q; want the pipe client's account %q (from its token) at this computer", onHub.Requester, user)
	}
	t.Logf("ticket %s on the hub, requester %q", onHub.ID, onHub.Requester)

	// The technician answers; the person sees it through the pipe.
	b.technicianReply(created.ID, "We are on our way with a new fuser unit.")
	deadline := time.Now().Add(60 * time.Second)
	for {
		show := b.mustAgent("ticket", "show", created.ID)
		if strings.Contains(show, "new fuser unit") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the technician's reply did not reach the Windows user within 60 s:\n%s", show)
		}
		time.Sleep(500 * time.Millisecond)
	}

	if out := b.mustAgent("health"); !strings.Contains(out, "Computer") {
		t.Errorf("health printed %q", out)
	}
	var st struct {
		Enrolled bool   `json:"enrolled"`
		Online   bool   `json:"online"`
		Device   string `json:"device_id"`
		Queued   int    `json:"queued_changes"`
	}
	if out := b.mustAgent("status", "--json"); json.Unmarshal([]byte(out), &st) != nil || !st.Enrolled || !st.Online || st.Device == "" {
		t.Errorf("status --json printed %q", out)
	}

	err := <-second
	if err == nil {
		t.Fatal("a second agent ran on a store another agent holds")
	}
	if msg := err.Error(); !strings.Contains(msg, "another Tandem agent is running") || strings.Contains(msg, "damaged") || strings.Contains(msg, "move the directory aside") {
		t.Errorf("a second agent on the same store said: %v; want 'another Tandem agent is running', never damage", err)
	}

	// The collection, with what wine's registry and network give.
	out = b.mustAgent("collect", "--json")
	var rep struct {
		Hostname string `json:"hostname"`
		OS       struct {
			Name string `json:"name"`
		} `json:"os"`
		CPU struct {
			Model string `json:"model"`
		} `json:"cpu"`
		Memory struct {
			Total uint64 `json:"total_bytes"`
		} `json:"memory"`
		Disks    []json.RawMessage `json:"disks"`
		Warnings []string          `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Hostname == "" {
		t.Fatalf("collect --json printed %q: %v", out, err)
	}
	// From WMI through COM, which wine has: never unknown.
	if rep.OS.Name == "" || rep.OS.Name == "Windows" || rep.CPU.Model == "" || rep.Memory.Total == 0 || len(rep.Disks) == 0 {
		t.Errorf("collect under wine left the system unknown: OS %q, CPU %q, memory %d, %d disks", rep.OS.Name, rep.CPU.Model, rep.Memory.Total, len(rep.Disks))
	}
	for _, w := range rep.Warnings {
		if strings.Contains(w, "fake root") {
			t.Errorf("the collection skipped a query as if it read a fake root: %s", w)
		}
	}
	t.Logf("collect under wine: host %q, OS %q, CPU %q, memory %d, %d disks, warnings %q", rep.Hostname, rep.OS.Name, rep.CPU.Model, rep.Memory.Total, len(rep.Disks), rep.Warnings)
}

// technicianReply signs a technician in and pushes a reply to ticket id,
// as the technicians' dashboard would.
func (b *bed) technicianReply(id, body string) {
	t := b.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code, err := e2ekit.SignInCode(b.hubCmd("user", "add", "--tenant", b.tenant, "--role", "technician", "--name", "Sam Naidoo"))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(b.info.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := e2ekit.TechnicianReply(ctx, b.info.URL, caPEM, code, id, body); err != nil {
		t.Fatal(err)
	}
}
