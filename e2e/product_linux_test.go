package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tandem/e2e/e2ekit"
	"tandem/hub"
	"tandem/msp"
)

// product is a hub with one tenant and this machine's agent enrolled into
// it, all started from the built binaries as an MSP would run them.
type product struct {
	d        *desktop
	hubDir   string
	agentDir string
	info     hub.Info
	tenant   string
}

func startProduct(t *testing.T, d *desktop) *product {
	t.Helper()
	base := t.TempDir()
	p := &product{d: d, hubDir: filepath.Join(base, "hub"), agentDir: filepath.Join(base, "agent")}
	d.startProgram("tandem-hub", filepath.Join(d.bin, "tandem-hub"), "serve", "--data", p.hubDir, "--listen", freePort(t))
	deadline := time.Now().Add(30 * time.Second)
	for {
		info, err := hub.ReadInfo(p.hubDir)
		if err == nil {
			if _, err := d.run(filepath.Join(d.bin, "tandem-hub"), "tenant", "list", "--data", p.hubDir); err == nil {
				p.info = info
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub did not start within 30 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.tenant = strings.TrimSpace(d.must(filepath.Join(d.bin, "tandem-hub"), "tenant", "create", "--data", p.hubDir,
		"--name", "Demo Accounting (Pty) Ltd", "--mode", "co-managed",
		"--support-name", "Acme IT", "--support-phone", "+27 21 555 0100", "--support-email", "help@acme-it.example"))
	token := strings.TrimSpace(d.must(filepath.Join(d.bin, "tandem-hub"), "token", "create", "--data", p.hubDir, "--tenant", p.tenant))
	d.must(filepath.Join(d.bin, "tandem-agent"), "enroll", "--data", p.agentDir, "--hub", p.info.URL, "--token", token, "--ca", p.info.CAFile)
	d.startProgram("tandem-agent", filepath.Join(d.bin, "tandem-agent"), "run", "--data", p.agentDir)
	// The agent is up when its socket answers.
	deadline = time.Now().Add(30 * time.Second)
	for {
		if _, err := d.run(filepath.Join(d.bin, "tandem-agent"), "status", "--data", p.agentDir); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the agent did not answer within 30 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	return p
}

// hubTickets lists the tenant's tickets as the hub holds them.
func (p *product) hubTickets(t *testing.T) []msp.Ticket {
	t.Helper()
	out := p.d.must(filepath.Join(p.d.bin, "tandem-hub"), "tickets", "--data", p.hubDir, "--tenant", p.tenant, "--json")
	var ts []msp.Ticket
	if err := json.Unmarshal([]byte(out), &ts); err != nil {
		t.Fatalf("reading the hub's tickets: %v\n%s", err, out)
	}
	return ts
}

// waitHubTicket waits until the hub holds a ticket titled title.
func (p *product) waitHubTicket(t *testing.T, title string, within time.Duration) msp.Ticket {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		for _, tk := range p.hubTickets(t) {
			if tk.Title == title {
				return tk
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub has no ticket %q after %s", title, within)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// technicianReply signs a technician in and pushes a reply to ticket id, as
// the technicians' dashboard would.
func (p *product) technicianReply(t *testing.T, id, body string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := p.d.must(filepath.Join(p.d.bin, "tandem-hub"), "user", "add", "--data", p.hubDir, "--tenant", p.tenant,
		"--role", "technician", "--name", "Sam Naidoo")
	code, err := e2ekit.SignInCode(out)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(p.info.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := e2ekit.TechnicianReply(ctx, p.info.URL, caPEM, code, id, body); err != nil {
		t.Fatal(err)
	}
}
