//go:build linux || darwin

package tray

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"tandem/agent"
	"tandem/hub"
	"tandem/localapi"
	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// published collects the loop's snapshots for a test to wait on.
type published struct {
	mu    sync.Mutex
	snaps []Snapshot
}

func (p *published) add(s Snapshot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.snaps = append(p.snaps, s)
}

func (p *published) at(i int) Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.snaps[i]
}

// waitFor waits until a snapshot published after index from satisfies ok
// and returns its index.
func (p *published) waitFor(t *testing.T, from int, what string, ok func(Snapshot) bool) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		p.mu.Lock()
		for i := from; i < len(p.snaps); i++ {
			if ok(p.snaps[i]) {
				p.mu.Unlock()
				return i
			}
		}
		var last string
		if n := len(p.snaps); n > 0 {
			last = fmt.Sprintf("%v %q", p.snaps[n-1].State(), p.snaps[n-1].Headline())
		}
		p.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot where %s within 30 s; the last: %s", what, last)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runningAgent is a real agent serving its local API in a directory, as
// the tandem-agent service does; stop takes it all down.
type runningAgent struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	a      *agent.Agent
}

func startAgent(t *testing.T, dir string) *runningAgent {
	t.Helper()
	a, err := agent.Open(context.Background(), dir, agent.Options{Logger: quiet, Hostname: "reception-pc",
		PullInterval: 150 * time.Millisecond, OfflineMin: 50 * time.Millisecond, OfflineMax: 200 * time.Millisecond,
		Conn: client.ConnOptions{RetryMax: 1, RetryWaitMin: 10 * time.Millisecond, RetryWaitMax: 50 * time.Millisecond, Timeout: 10 * time.Second, Logger: quiet}})
	if err != nil {
		t.Fatalf("opening the agent: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningAgent{cancel: cancel, a: a}
	r.wg.Go(func() {
		if err := a.Run(ctx); err != nil {
			t.Errorf("agent Run: %v", err)
		}
	})
	r.wg.Go(func() {
		if err := a.ServeLocalAPI(ctx, quiet); err != nil {
			t.Errorf("ServeLocalAPI: %v", err)
		}
	})
	return r
}

func (r *runningAgent) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.wg.Wait()
	r.cancel = nil
	if err := r.a.Close(); err != nil {
		t.Errorf("closing the agent: %v", err)
	}
}

// The tray follows a real agent: it says "not running" before the agent
// starts, "all well" once it answers (with the MSP's support details from
// the tenant's branding), "not running" when it stops (still offering
// whom to call), and all well again when it returns; a reply from the IT
// lead on the hub becomes exactly one notification, which a reconnect does
// not repeat.
func TestLoopFollowsARealAgent(t *testing.T) {
	ctx := context.Background()
	hubDir := t.TempDir()
	hctx, hcancel := context.WithCancel(ctx)
	hubDone := make(chan error, 1)
	ready := make(chan hub.Info, 1)
	go func() {
		hubDone <- hub.Serve(hctx, hub.Config{Dir: hubDir, Listen: "127.0.0.1:0", Logger: quiet, Ready: func(i hub.Info) { ready <- i }})
	}()
	t.Cleanup(func() {
		hcancel()
		if err := <-hubDone; err != nil {
			t.Errorf("hub: %v", err)
		}
	})
	var info hub.Info
	select {
	case info = <-ready:
	case err := <-hubDone:
		t.Fatalf("hub.Serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the hub did not start in 30 s")
	}
	admin, err := hub.DialAdmin(hubDir, "")
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := admin.CreateTenant(ctx, "Demo Accounting", msp.ModeCoManaged,
		&msp.Branding{Name: "Acme IT", SupportPhone: "012 345 6789", SupportEmail: "help@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := admin.CreateToken(ctx, tenant.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(info.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a, err := agent.Open(ctx, dir, agent.Options{Logger: quiet, Hostname: "reception-pc"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Enroll(ctx, client.EnrollOptions{HubURL: info.URL, Token: tok.Token, CAPEM: caPEM}); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	// The tray starts first, as at login before the service is up.
	var pub published
	notes := &recorder{}
	loop := &Loop{Agent: localapi.NewClient(dir), Notifier: notes, Publish: pub.add, Log: quiet,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Refresh: time.Second, OfflineRefresh: 100 * time.Millisecond}
	lctx, lcancel := context.WithCancel(ctx)
	loopDone := make(chan error, 1)
	go func() { loopDone <- loop.Run(lctx) }()
	defer func() {
		lcancel()
		if err := <-loopDone; err != nil {
			t.Errorf("loop: %v", err)
		}
	}()
	i := pub.waitFor(t, 0, "the agent is not running", func(s Snapshot) bool { return s.State() == StateNotRunning })
	if h := pub.at(i).Headline(); h != "Tandem agent is not running" {
		t.Errorf("headline %q", h)
	}

	ag := startAgent(t, dir)
	defer func() { ag.stop(t) }()
	i = pub.waitFor(t, i, "all is well", func(s Snapshot) bool { return s.State() == StateAllWell })
	if s := pub.at(i); s.Support().Name != "Acme IT" || s.Support().Phone != "012 345 6789" {
		t.Errorf("support details %+v, want the tenant's branding", s.Support())
	}

	ag.stop(t)
	i = pub.waitFor(t, i, "the stopped agent is not running", func(s Snapshot) bool { return s.State() == StateNotRunning })
	if m := BuildMenu(pub.at(i)); m.Call.Title != "Call Acme IT 012 345 6789" || m.NewTicket.Action.Kind != ActNoAgent {
		t.Errorf("while the agent is down the menu offers %q and raise does %v", m.Call.Title, m.NewTicket.Action.Kind)
	}
	ag = startAgent(t, dir)
	i = pub.waitFor(t, i, "all is well again", func(s Snapshot) bool { return s.State() == StateAllWell })

	// A ticket raised by the person is shown, not announced.
	c := localapi.NewClient(dir)
	tk, err := c.Raise(ctx, localapi.NewTicket{Title: "Printer on the first floor shows offline", Description: "Since this morning.",
		Pillar: msp.PillarHelpdesk, Category: msp.CategoryOther, Impact: msp.LevelLow, Urgency: msp.LevelMedium})
	if err != nil {
		t.Fatalf("raising a ticket: %v", err)
	}
	i = pub.waitFor(t, i, "the ticket is listed and delivered", func(s Snapshot) bool {
		return len(s.Tickets) == 1 && s.Tickets[0].ID == tk.ID && s.Tickets[0].Delivered
	})

	// The IT lead replies on the hub; the agent pulls it; the tray says so.
	lead := signIn(t, admin, tenant.ID, info, caPEM)
	lead.push(t, msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: tk.ID, At: time.Now().UTC(),
		Comment: &msp.Comment{ID: msp.NewID(), Body: "Is it showing a paper jam? I can come up at 11."}})
	i = pub.waitFor(t, i, "a reply is waiting", func(s Snapshot) bool { return s.State() == StateReply })
	if h := pub.at(i).Headline(); h != "New reply on “Printer on the first floor shows offline”" {
		t.Errorf("headline %q", h)
	}
	got := notes.all()
	if len(got) != 1 || got[0].TicketID != tk.ID || got[0].Summary != "Acme IT replied on “Printer on the first floor shows offline”" ||
		!strings.Contains(got[0].Body, "paper jam") {
		t.Fatalf("notifications %+v, want one about the reply", got)
	}

	// A reply that arrives while the agent is down is announced once it
	// is back, and the earlier reply is not announced again.
	ag.stop(t)
	i = pub.waitFor(t, i, "not running", func(s Snapshot) bool { return s.State() == StateNotRunning })
	lead.push(t, msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: tk.ID, At: time.Now().UTC(),
		Comment: &msp.Comment{ID: msp.NewID(), Body: "I am on my way up now."}})
	ag = startAgent(t, dir)
	pub.waitFor(t, i, "the second reply has arrived", func(s Snapshot) bool {
		return s.State() == StateReply && len(s.Tickets) == 1 && SupportReplies(s.Tickets[0]) == 2
	})
	got = notes.all()
	if len(got) != 2 || !strings.Contains(got[1].Body, "on my way up") {
		t.Errorf("after a reconnect: %+v, want the first reply once and the second once", got)
	}
}

// staff pushes changes to the hub as a signed-in IT lead.
type staff struct {
	conn *client.Conn
	seq  uint64
}

func signIn(t *testing.T, admin *hub.AdminClient, tenant string, info hub.Info, caPEM []byte) *staff {
	t.Helper()
	ctx := context.Background()
	u, err := admin.AddUser(ctx, tenant, msp.RoleITLead, "Sipho Dlamini")
	if err != nil {
		t.Fatal(err)
	}
	anon, err := client.NewConn(info.URL, caPEM, nil, client.ConnOptions{RetryMax: 1})
	if err != nil {
		t.Fatal(err)
	}
	in, err := anon.SignIn(ctx, u.Code)
	anon.Close()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := client.NewConn(info.URL, caPEM, nil, client.ConnOptions{RetryMax: 1, Token: in.Token})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	return &staff{conn: conn}
}

func (s *staff) push(t *testing.T, c msp.Change) {
	t.Helper()
	s.seq++
	resp, err := s.conn.Push(context.Background(), []protocol.Mutation{{Seq: s.seq, Kind: protocol.KindTicket, Change: &c}})
	if err != nil {
		t.Fatalf("staff push: %v", err)
	}
	for _, res := range resp.Results {
		if res.Outcome == protocol.Rejected {
			t.Fatalf("the hub refused the staff change: %s", res.Error.Message)
		}
	}
}
