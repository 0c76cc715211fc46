//go:build linux || darwin

package agent_test

import (
	"context"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tandem/agent"
	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
)

// The local API over its real socket: the caller is named by the kernel,
// a ticket raised offline is saved at once and delivered later, and a
// reply and "this is fixed" reach the hub.
func TestLocalAPIRaiseReplyResolve(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := setUp(t, msp.ModeCoManaged)
	dir := filepath.Dir(f.agent.DB().Dir())
	served := make(chan error, 1)
	go func() { served <- f.agent.ServeLocalAPI(ctx, quiet) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("ServeLocalAPI: %v", err)
		}
	}()
	c := localapi.NewClient(dir)
	var st localapi.Status
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; {
		if st, err = c.Status(ctx); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	if st.User != me.Username || !st.Enrolled {
		t.Fatalf("status %+v, want user %q and enrolled", st, me.Username)
	}

	_, err = c.Raise(ctx, localapi.NewTicket{Title: "", Pillar: msp.PillarHelpdesk, Category: msp.CategoryOther, Impact: msp.LevelLow, Urgency: msp.LevelLow})
	var apiErr *localapi.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.Body.Fields["ticket.title"] == "" && apiErr.Body.Fields["title"] == "" {
		t.Fatalf("raising without a title: %v (%+v)", err, apiErr)
	}

	events := make(chan localapi.Event, 64)
	go func() { _ = c.Events(ctx, func(e localapi.Event) { events <- e }) }()
	waitEvent := func(what string, ok func(localapi.Event) bool) {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case e := <-events:
				if ok(e) {
					return
				}
			case <-timeout:
				t.Fatalf("no %s event within 20 s", what)
			}
		}
	}
	waitEvent("first status", func(e localapi.Event) bool { return e.Kind == localapi.EventStatus })

	f.hub.stop() // offline: the ticket is saved and acknowledged anyway
	tk, err := c.Raise(ctx, localapi.NewTicket{Title: "Scanner not sending to email", Description: "The Ricoh says SMTP error.",
		Pillar: msp.PillarHelpdesk, Category: msp.CategoryOther, Impact: msp.LevelLow, Urgency: msp.LevelHigh})
	if err != nil {
		t.Fatalf("Raise offline: %v", err)
	}
	if tk.Priority == 0 || tk.Status != msp.StatusNew {
		t.Fatalf("raised ticket: %+v", tk)
	}
	if _, err := c.Reply(ctx, tk.ID, "It started after the printer was moved."); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	if _, err := c.Reply(ctx, msp.NewTicketID(), "not mine"); !errors.As(err, &apiErr) || apiErr.Status != 404 {
		t.Fatalf("reply to an unknown ticket: %v", err)
	}
	mine, err := c.Tickets(ctx)
	if err != nil || len(mine) != 1 || len(mine[0].Comments) != 1 {
		t.Fatalf("Tickets: %v %+v", err, mine)
	}
	// The device's own reports wait too, but the person is told only of
	// their two changes.
	if err := f.agent.QueueInventory(ctx, msp.Inventory{Hostname: "pc-1", CollectedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Status(ctx); st.Queued != 2 || st.DeviceQueued != 3 {
		t.Fatalf("queued %d of the person's and %d in all, want 2 and 3", st.Queued, st.DeviceQueued)
	}

	startHub(t, f.hub.dir, f.hub.listen)
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	got, err := c.Ticket(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Owner == "" {
		t.Fatalf("the hub's routing did not come back: %+v", got)
	}
	waitEvent("queued ticket", func(e localapi.Event) bool {
		return e.Kind == localapi.EventTicket && e.TicketID == tk.ID && e.Queued > 0
	})
	waitEvent("drained", func(e localapi.Event) bool { return e.Kind == localapi.EventDrained && e.Queued == 0 })
	hub := hubTickets(t, f)
	if len(hub) != 1 || hub[0].ID != tk.ID || hub[0].Requester != me.Username+"@reception-pc" {
		t.Fatalf("hub tickets: %+v", hub)
	}
}

// A full disk is answered 507 through the local API, in words the person
// can act on, and nothing half-saved is left: the ticket is not in the
// list and nothing is queued (issue 14, item 12: it was a bare 500).
func TestLocalAPIFullDiskSaysSoAndSavesNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := enrollDir(t, msp.ModeFullyManaged)
	// A reserve larger than any disk: every write finds the disk full.
	a, err := agent.Open(ctx, e.dir, agent.Options{Logger: quiet, Hostname: "reception-pc", Conn: fastConn,
		Store: localdb.Options{DiskReserve: 1 << 60}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() }) // after the local API stops
	c, _ := serveLocalAPI(t, ctx, a, e.dir)
	_, err = c.Raise(ctx, localapi.NewTicket{Title: "Printer offline", Description: "First floor.",
		Pillar: msp.PillarHelpdesk, Category: msp.CategoryOther, Impact: msp.LevelLow, Urgency: msp.LevelLow})
	var apiErr *localapi.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 507 || !strings.Contains(apiErr.Body.Message, "disk is full") || !strings.Contains(apiErr.Body.Message, "Free some space") {
		t.Fatalf("raising a ticket on a full disk: %v (%+v), want 507 with what to do", err, apiErr)
	}
	ts, err := a.Tickets()
	if err != nil || len(ts) != 0 || a.Status().Queued != 0 {
		t.Fatalf("after the refusal: %d tickets, %d queued, %v; want nothing half-saved", len(ts), a.Status().Queued, err)
	}
}

// The agent's problems reach every user of the computer through the local
// API, so there they are one sentence that names nobody's ticket; status
// and doctor (for administrators) keep the whole text with the titles.
func TestLocalAPIProblemsNameNobodysTickets(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := enrollDir(t, msp.ModeFullyManaged)
	a, err := openAgent(t, e.dir)
	if err != nil {
		t.Fatal(err)
	}
	raise(t, a, "Salary review for Jane", 2, nil)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(e.dir, "store")); err != nil {
		t.Fatal(err)
	}
	a, err = openAgent(t, e.dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() }) // after the local API stops
	if p := a.Status().Problems; len(p) != 1 || !strings.Contains(p[0], "Salary review for Jane") {
		t.Fatalf("the agent's own problems %q do not name the recovered tickets", p)
	}
	_, st := serveLocalAPI(t, ctx, a, e.dir)
	if len(st.Problems) != 1 || strings.Contains(st.Problems[0], "Salary") || !strings.HasPrefix(st.Problems[0], "Changes this computer's store lost were recovered") {
		t.Fatalf("the local API shows every user %q; want one sentence without titles", st.Problems)
	}
}

// serveLocalAPI serves a's local API until the test ends, and returns a
// client of it with the first status it answered.
func serveLocalAPI(t *testing.T, ctx context.Context, a *agent.Agent, dir string) (*localapi.Client, localapi.Status) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.ServeLocalAPI(ctx, quiet) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("ServeLocalAPI: %v", err)
		}
	})
	c := localapi.NewClient(dir)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		st, err := c.Status(ctx)
		if err == nil {
			return c, st
		}
		if time.Now().After(deadline) {
			t.Fatalf("Status: %v", err)
		}
	}
}

// A computer renamed after a person raised tickets on it still shows them
// their tickets (the hub names a person account@hostname, and the name
// changed), and they can still reply to them.
func TestLocalAPIMyTicketsSurviveARename(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := enrollDir(t, msp.ModeFullyManaged)
	open := func(host string) *agent.Agent {
		a, err := agent.Open(ctx, e.dir, agent.Options{Logger: quiet, Hostname: host, Conn: fastConn})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := open("reception-pc")
	lctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.ServeLocalAPI(lctx, quiet) }()
	c := localapi.NewClient(e.dir)
	var raised localapi.TicketView
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var err error
		if raised, err = c.Raise(ctx, localapi.NewTicket{Title: "Printer offline", Description: "First floor.",
			Pillar: msp.PillarHelpdesk, Category: msp.CategoryOther, Impact: msp.LevelLow, Urgency: msp.LevelLow}); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("Raise: %v", err)
		}
	}
	stop()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	a = open("front-desk-pc")
	t.Cleanup(func() { a.Close() })
	c, _ = serveLocalAPI(t, ctx, a, e.dir)
	mine, err := c.Tickets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(mine) != 1 || mine[0].ID != raised.ID {
		t.Fatalf("my tickets after the rename = %d, want the one raised before it", len(mine))
	}
	if _, err := c.Reply(ctx, raised.ID, "Still offline after the rename"); err != nil {
		t.Errorf("replying after the rename: %v", err)
	}
}
