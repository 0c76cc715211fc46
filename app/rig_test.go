//go:build linux || darwin

package app

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/user"
	"testing"
	"time"

	"tandem/agent"
	"tandem/hub"
	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/outbox"
	"tandem/sync/protocol"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// rig is a real hub on loopback, a tenant, and an enrolled agent serving
// its local API on a socket in t.TempDir(): what a window talks to.
type rig struct {
	t      testing.TB
	hubDir string
	listen string
	info   hub.Info
	stop   context.CancelFunc
	done   chan error

	admin  *hub.AdminClient
	tenant msp.Tenant
	agent  *agent.Agent
	conn   *client.Conn
	client *localapi.Client
	user   string
}

func (r *rig) startHub() {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r.stop, r.done = cancel, make(chan error, 1)
	ready := make(chan hub.Info, 1)
	go func() {
		r.done <- hub.Serve(ctx, hub.Config{Dir: r.hubDir, Listen: r.listen, Logger: quiet, Ready: func(i hub.Info) { ready <- i }})
	}()
	select {
	case r.info = <-ready:
		r.listen = r.info.Listen
	case err := <-r.done:
		r.t.Fatalf("hub.Serve: %v", err)
	case <-time.After(30 * time.Second):
		r.t.Fatal("the hub did not start in 30 s")
	}
}

// stopHub takes the hub away: the agent is offline from its next sync.
func (r *rig) stopHub() {
	if r.stop != nil {
		r.stop()
		<-r.done
		r.stop = nil
	}
}

func newRig(t testing.TB) *rig {
	t.Helper()
	ctx := context.Background()
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, hubDir: t.TempDir(), listen: "127.0.0.1:0", user: me.Username}
	r.startHub()
	t.Cleanup(r.stopHub)
	if r.admin, err = hub.DialAdmin(r.hubDir, ""); err != nil {
		t.Fatal(err)
	}
	if r.tenant, err = r.admin.CreateTenant(ctx, "Demo Accounting", msp.ModeCoManaged, nil); err != nil {
		t.Fatal(err)
	}
	tok, err := r.admin.CreateToken(ctx, r.tenant.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(r.info.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	opts := agent.Options{Logger: quiet, Hostname: "reception-pc",
		Conn: client.ConnOptions{RetryMax: 1, RetryWaitMin: 10 * time.Millisecond, RetryWaitMax: 50 * time.Millisecond, Timeout: 10 * time.Second}}
	if r.agent, err = agent.Open(ctx, dir, opts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.agent.Close() })
	if err := r.agent.Enroll(ctx, client.EnrollOptions{HubURL: r.info.URL, Token: tok.Token, CAPEM: caPEM}); err != nil {
		t.Fatal(err)
	}
	if r.conn, err = r.agent.Identity().Conn(opts.Conn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.conn.Close)

	sctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- r.agent.ServeLocalAPI(sctx, quiet) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("ServeLocalAPI: %v", err)
		}
	})
	r.client = localapi.NewClient(dir)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err = r.client.Status(ctx); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the local API did not answer: %v", err)
		}
	}
	return r
}

// sync runs one sync round; offline it fails, which the test may expect.
func (r *rig) sync() error { return r.agent.SyncOnce(context.Background(), r.conn) }

func (r *rig) mustSync() {
	r.t.Helper()
	if err := r.sync(); err != nil {
		r.t.Fatalf("sync: %v", err)
	}
}

func (r *rig) hubTickets() []msp.Ticket {
	r.t.Helper()
	ts, err := r.admin.Tickets(context.Background(), r.tenant.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	return ts
}

// staff signs in an IT lead and pushes changes as them: a support reply,
// a resolution.
type staff struct {
	conn *client.Conn
	seq  uint64
}

func (r *rig) signInLead() *staff {
	r.t.Helper()
	ctx := context.Background()
	u, err := r.admin.AddUser(ctx, r.tenant.ID, msp.RoleITLead, "Sipho Dlamini")
	if err != nil {
		r.t.Fatal(err)
	}
	caPEM, err := os.ReadFile(r.info.CAFile)
	if err != nil {
		r.t.Fatal(err)
	}
	anon, err := client.NewConn(r.info.URL, caPEM, nil, client.ConnOptions{RetryMax: 1})
	if err != nil {
		r.t.Fatal(err)
	}
	in, err := anon.SignIn(ctx, u.Code)
	anon.Close()
	if err != nil {
		r.t.Fatal(err)
	}
	conn, err := client.NewConn(r.info.URL, caPEM, nil, client.ConnOptions{RetryMax: 1, Token: in.Token})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(conn.Close)
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

func (s *staff) reply(t *testing.T, ticket, body string) {
	s.push(t, msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: ticket, At: time.Now().UTC(),
		Comment: &msp.Comment{ID: msp.NewID(), Body: body}})
}

func (s *staff) setStatus(t *testing.T, ticket string, to msp.Status) {
	s.push(t, msp.Change{ID: msp.NewID(), Kind: msp.ChangeStatus, TicketID: ticket, At: time.Now().UTC(), Status: to})
}

// queueRefused puts a change the hub will refuse (an end user may not
// reprioritise) into the agent's outbox for ticket, as this user's.
func (r *rig) queueRefused(ticket string) {
	r.t.Helper()
	bad := msp.Change{ID: msp.NewID(), Kind: msp.ChangeReprioritise, TicketID: ticket, At: time.Now().UTC(),
		Impact: msp.LevelHigh, Urgency: msp.LevelHigh}
	err := r.agent.DB().Update(context.Background(), func(tx *localdb.Tx) error {
		_, err := outbox.New(localdb.ErrStop).Enqueue(tx, protocol.Mutation{Kind: protocol.KindTicket, User: r.user, Change: &bad})
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
}
