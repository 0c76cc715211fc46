//go:build linux || darwin

package agent_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"testing"
	"time"

	"tandem/agent"
	"tandem/localapi"
	"tandem/msp"
)

// The child process of TestKill9WithAttachments: it raises tickets with a
// screenshot each while the agent delivers them, and says which it was
// told were saved.
func TestChildAttacher(t *testing.T) {
	if os.Getenv("AGENT_CHILD") != "attacher" {
		t.Skip("runs only as the child of TestKill9WithAttachments")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := agent.Open(ctx, os.Getenv("AGENT_CHILD_DIR"), agent.Options{Logger: quiet, Hostname: "reception-pc",
		Conn: fastConn, PullInterval: 50 * time.Millisecond, OfflineMin: 10 * time.Millisecond, OfflineMax: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	fmt.Println("ready")
	for i := 0; ; i++ {
		shot := screenshot(t, 60+rand.N(120))
		c := newTicket(fmt.Sprintf("Screen %d shows an error", i))
		sum := sha(shot)
		c.Ticket.Attachments = []msp.Attachment{{ID: msp.NewID(), Name: "screenshot.png", MediaType: "image/png",
			Size: int64(len(shot)), SHA256: sum, CreatedAt: c.At}}
		if _, err := a.Submit(ctx, "thandi", c, localapi.File{SHA256: sum, Data: shot}); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("acked %s %s\n", c.TicketID, sum)
	}
}

// An agent killed with SIGKILL again and again while it saves tickets with
// screenshots and sends them: every screenshot it acknowledged reaches the
// hub, byte for byte, with its ticket.
func TestKill9WithAttachments(t *testing.T) {
	t.Parallel()
	if os.Getenv("AGENT_CHILD") != "" {
		t.Skip("not in the child")
	}
	rounds := 5
	if testing.Short() {
		rounds = 2
	}
	e := enrollDir(t, msp.ModeCoManaged)
	acked := map[string]string{} // ticket → sha256
	for round := range rounds {
		got := runChildAttacher(t, e.dir, 300*time.Millisecond+rand.N(700*time.Millisecond))
		t.Logf("round %d: %d tickets with screenshots acknowledged before the kill", round+1, len(got))
		for id, sum := range got {
			acked[id] = sum
		}
	}
	if len(acked) == 0 {
		t.Fatal("the children acknowledged nothing: nothing was tested")
	}
	ctx := context.Background()
	before, err := e.admin.Tickets(ctx, e.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the children delivered %d tickets before the final sync", len(before))
	a := reopenAndDrain(t, e)
	defer a.Close()

	ts, err := e.admin.Tickets(ctx, e.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	onHub := map[string]string{}
	for _, tk := range ts {
		if len(tk.Attachments) == 1 {
			onHub[tk.ID] = tk.Attachments[0].SHA256
		}
	}
	h := &runningHub{dir: e.hub.dir, info: e.hub.info}
	for id, sum := range acked {
		if onHub[id] != sum {
			t.Errorf("acknowledged ticket %s: on the hub with attachment %q, want %s", id, onHub[id], sum)
			continue
		}
		status, body, _ := hubBlob(t, h, e.tenant.ID, sum)
		if status != http.StatusOK || sha(body) != sum {
			t.Errorf("screenshot of ticket %s: hub answered %d with %d bytes hashing to %s", id, status, len(body), sha(body))
		}
	}
	t.Logf("%d rounds: %d tickets with screenshots acknowledged, all on the hub with their bytes", rounds, len(acked))
}

// runChildAttacher runs TestChildAttacher on dir, kills it after d, and
// returns the tickets and screenshot hashes it acknowledged.
func runChildAttacher(t *testing.T, dir string, d time.Duration) map[string]string {
	t.Helper()
	acked := map[string]string{}
	runKilledChild(t, "TestChildAttacher", "attacher", dir, d, func(f []string) {
		if len(f) == 3 && f[0] == "acked" {
			acked[f[1]] = f[2]
		}
	})
	return acked
}
