package agent_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"tandem/agent"
	"tandem/hub"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/outbox"
	"tandem/sync/protocol"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// runningHub is a real hub on loopback that a test can stop and start again
// on the same address and data.
type runningHub struct {
	dir, listen string
	info        hub.Info
	cancel      context.CancelFunc
	done        chan error
}

func startHub(tb testing.TB, dir, listen string) *runningHub {
	tb.Helper()
	return startHubProfile(tb, dir, listen, localdb.Desktop)
}

// startHubProfile is startHub with the store's profile: benchmarks run the
// hub on localdb.Server, as `tandem-hub serve` does.
func startHubProfile(tb testing.TB, dir, listen string, profile localdb.Profile) *runningHub {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := &runningHub{dir: dir, cancel: cancel, done: make(chan error, 1)}
	ready := make(chan hub.Info, 1)
	go func() {
		h.done <- hub.Serve(ctx, hub.Config{Dir: dir, Listen: listen, Profile: profile, Logger: quiet, Ready: func(i hub.Info) { ready <- i }})
	}()
	select {
	case h.info = <-ready:
	case err := <-h.done:
		tb.Fatalf("hub.Serve: %v", err)
	case <-time.After(30 * time.Second):
		tb.Fatal("the hub did not start in 30 s")
	}
	h.listen = h.info.Listen
	tb.Cleanup(h.stop)
	return h
}

func (h *runningHub) stop() {
	if h.cancel != nil {
		h.cancel()
		<-h.done
		h.cancel = nil
	}
}

type fixture struct {
	hub    *runningHub
	admin  *hub.AdminClient
	tenant msp.Tenant
	agent  *agent.Agent
	conn   *client.Conn
}

// setUp starts a hub, creates a tenant, enrolls an agent into it and opens
// the agent with transport settings for loopback.
func setUp(t *testing.T, mode msp.ServiceMode) *fixture {
	t.Helper()
	e := enrollDir(t, mode)
	opts := agent.Options{Logger: quiet, Hostname: "reception-pc",
		Conn: client.ConnOptions{RetryMax: 1, RetryWaitMin: 10 * time.Millisecond, RetryWaitMax: 50 * time.Millisecond, Timeout: 10 * time.Second}}
	a, err := agent.Open(context.Background(), e.dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	conn, err := a.Identity().Conn(opts.Conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	return &fixture{hub: e.hub, admin: e.admin, tenant: e.tenant, agent: a, conn: conn}
}

func newTicket(title string) msp.Change {
	id := msp.NewTicketID()
	return msp.Change{ID: msp.NewID(), Kind: msp.ChangeCreate, TicketID: id, At: time.Now().UTC(), Ticket: &msp.Ticket{
		ID: id, Title: title, Description: "It has not worked since this morning.",
		Pillar: msp.PillarHelpdesk, Category: msp.CategoryOther, Impact: msp.LevelLow, Urgency: msp.LevelMedium,
	}}
}

func comment(ticketID, body string) msp.Change {
	return msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: ticketID, At: time.Now().UTC(),
		Comment: &msp.Comment{ID: msp.NewID(), Body: body}}
}

func hubTickets(t *testing.T, f *fixture) []msp.Ticket {
	t.Helper()
	ts, err := f.admin.Tickets(context.Background(), f.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// A ticket and a reply written while the hub is down are kept, shown at
// once, and reach the hub exactly once when it returns; the hub's routing
// decision comes back to the device.
func TestOfflineTicketReachesHubOnceAndRoutingComesBack(t *testing.T) {
	ctx := context.Background()
	f := setUp(t, msp.ModeCoManaged)
	f.hub.stop()

	c := newTicket("Printer on the first floor shows offline")
	local, err := f.agent.Submit(ctx, "thandi", c)
	if err != nil {
		t.Fatalf("Submit offline: %v", err)
	}
	if local.Status != msp.StatusNew || local.Requester != "thandi@reception-pc" {
		t.Fatalf("local ticket: status %q requester %q", local.Status, local.Requester)
	}
	if _, err := f.agent.Submit(ctx, "thandi", comment(c.TicketID, "It shows a paper jam too.")); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.SyncOnce(ctx, f.conn); err == nil {
		t.Fatal("SyncOnce with the hub down succeeded")
	}
	if st := f.agent.Status(); st.Queued != 2 || st.Online {
		t.Fatalf("offline status: %+v", st)
	}

	startHub(t, f.hub.dir, f.hub.listen)
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatalf("SyncOnce after the hub returned: %v", err)
	}
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatalf("second SyncOnce: %v", err)
	}
	ts := hubTickets(t, f)
	if len(ts) != 1 {
		t.Fatalf("hub has %d tickets, want 1", len(ts))
	}
	var replies, routing int
	for _, cm := range ts[0].Comments {
		switch cm.Kind {
		case msp.CommentKindReply:
			replies++
		case msp.CommentKindRouting:
			routing++
		}
	}
	if replies != 1 || routing != 1 {
		t.Fatalf("hub ticket has %d replies and %d routing notes, want 1 and 1: %+v", replies, routing, ts[0].Comments)
	}
	if ts[0].Requester != "thandi@reception-pc" || ts[0].Device != f.agent.Identity().DeviceID {
		t.Fatalf("requester %q device %q", ts[0].Requester, ts[0].Device)
	}
	st := f.agent.Status()
	if st.Queued != 0 || !st.Online || st.LastPush.IsZero() || st.LastPull.IsZero() {
		t.Fatalf("status after sync: %+v", st)
	}
	got, err := f.agent.Ticket(c.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Owner == "" || got.Revision != ts[0].Revision {
		t.Fatalf("the replica did not take the hub's state: owner %q revision %d (hub %d)", got.Owner, got.Revision, ts[0].Revision)
	}
}

// A push whose answer was lost is sent again; the hub acknowledges the
// replay without applying it twice.
func TestReplayedPushIsNotAppliedTwice(t *testing.T) {
	ctx := context.Background()
	f := setUp(t, msp.ModeFullyManaged)
	c := newTicket("Cannot open the shared finance folder")
	if _, err := f.agent.Submit(ctx, "sipho", c); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.Submit(ctx, "sipho", comment(c.TicketID, "Still no access.")); err != nil {
		t.Fatal(err)
	}
	// Send the queue as the agent would, and "lose" the answer.
	var batch []protocol.Mutation
	err := f.agent.DB().View(func(tx *localdb.Tx) error {
		return outbox.New(localdb.ErrStop).Pending(tx, func(m protocol.Mutation) error { batch = append(batch, m); return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.conn.Push(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	ts := hubTickets(t, f)
	if len(ts) != 1 {
		t.Fatalf("hub has %d tickets, want 1", len(ts))
	}
	n := 0
	for _, cm := range ts[0].Comments {
		if cm.Kind == msp.CommentKindReply {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the reply was applied %d times", n)
	}
	if ts[0].Owner != msp.PartyMSP {
		t.Fatalf("fully managed ticket owned by %q", ts[0].Owner)
	}
}

// A change the hub refuses moves to the dead letters with the hub's reason
// and does not hold up the changes behind it.
func TestRefusedChangeBecomesDeadLetterAndQueueMoves(t *testing.T) {
	ctx := context.Background()
	f := setUp(t, msp.ModeCoManaged)
	// A reprioritisation by an end user: the hub refuses it (roles).
	bad := msp.Change{ID: msp.NewID(), Kind: msp.ChangeReprioritise, TicketID: msp.NewTicketID(), At: time.Now().UTC(),
		Impact: msp.LevelHigh, Urgency: msp.LevelHigh}
	err := f.agent.DB().Update(ctx, func(tx *localdb.Tx) error {
		_, err := outbox.New(localdb.ErrStop).Enqueue(tx, protocol.Mutation{Kind: protocol.KindTicket, User: "sipho", Change: &bad})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	good := newTicket("Wi-Fi drops in the boardroom")
	if _, err := f.agent.Submit(ctx, "sipho", good); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	dead, err := f.agent.DeadLetters()
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].Mutation.Change.ID != bad.ID || dead[0].Error == nil || dead[0].Error.Message == "" {
		t.Fatalf("dead letters: %+v", dead)
	}
	if ts := hubTickets(t, f); len(ts) != 1 || ts[0].ID != good.TicketID {
		t.Fatalf("the good ticket did not arrive behind the refused change: %+v", ts)
	}
	if st := f.agent.Status(); st.Dead != 1 || st.Queued != 0 {
		t.Fatalf("status: %+v", st)
	}
}

// Run delivers a change made while it runs, and stops when asked.
func TestRunDeliversAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := setUp(t, msp.ModeCoManaged)
	done := make(chan error, 1)
	go func() { done <- f.agent.Run(ctx) }()
	c := newTicket("Outlook keeps asking for my password")
	if _, err := f.agent.Submit(ctx, "lerato", c); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(hubTickets(t, f)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the running agent did not deliver the ticket within 20 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop within 10 s of cancel")
	}
	st, err := agent.ReadStatusFile(f.agent.DB().Dir() + "/..")
	if err != nil {
		t.Fatal(err)
	}
	if !st.Enrolled || st.DeviceID == "" {
		t.Fatalf("status file: %+v", st)
	}
}

func TestSubmitBeforeEnrollmentSaysSo(t *testing.T) {
	a, err := agent.Open(context.Background(), t.TempDir(), agent.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	_, err = a.Submit(context.Background(), "x", newTicket("Test"))
	if !errors.Is(err, client.ErrNotEnrolled) || !strings.Contains(err.Error(), "enroll") {
		t.Fatalf("err = %v", err)
	}
	if err := a.Run(context.Background()); !errors.Is(err, client.ErrNotEnrolled) {
		t.Fatalf("Run err = %v", err)
	}
}
