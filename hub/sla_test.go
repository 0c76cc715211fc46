package hub_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tandem/hub"
	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

// clock is a hub clock a test sets; until set it reads the real time, so
// enrollment certificates are valid for the TLS of the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// events records what the hub tells its sink.
type events struct {
	mu  sync.Mutex
	all []hub.TicketEvent
}

func (e *events) TicketEvent(_ context.Context, ev hub.TicketEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

// take returns the events recorded since the last take.
func (e *events) take() []hub.TicketEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.all
	e.all = nil
	return out
}

func kinds(evs []hub.TicketEvent) []string {
	var out []string
	for _, ev := range evs {
		k := string(ev.Kind)
		if ev.Clock != "" {
			k += ":" + ev.Clock
		}
		if ev.Alert != "" {
			k += ":" + ev.Alert
		}
		out = append(out, k)
	}
	return out
}

// opsHub is a hub on loopback with a test clock, an event recorder and no
// background sweep: tests run SweepSLA themselves.
type opsHub struct {
	*testHub
	clock  *clock
	events *events
	srv    *hub.Server
}

func startOpsHub(tb testing.TB) *opsHub {
	tb.Helper()
	dir := tb.TempDir()
	o := &opsHub{clock: &clock{}, events: &events{}}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan hub.Info, 1)
	done := make(chan error, 1)
	var srvMu sync.Mutex
	go func() {
		done <- hub.Serve(ctx, hub.Config{
			Dir: dir, Listen: "127.0.0.1:0",
			Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
			Ready:       func(info hub.Info) { ready <- info },
			Now:         o.clock.Now,
			Events:      o.events,
			SLAInterval: -1,
			Server:      func(s *hub.Server) { srvMu.Lock(); o.srv = s; srvMu.Unlock() },
		})
	}()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("hub.Serve: %v", err)
		}
	})
	var info hub.Info
	select {
	case info = <-ready:
	case err := <-done:
		done <- err
		tb.Fatalf("hub.Serve ended before it was ready: %v", err)
	case <-time.After(30 * time.Second):
		tb.Fatal("the hub did not become ready in 30 s")
	}
	admin, err := hub.DialAdmin(dir, "")
	if err != nil {
		tb.Fatalf("DialAdmin: %v", err)
	}
	caPEM, err := os.ReadFile(info.CAFile)
	if err != nil {
		tb.Fatal(err)
	}
	srvMu.Lock()
	defer srvMu.Unlock()
	o.testHub = &testHub{dir: dir, info: info, admin: admin, caPEM: caPEM}
	return o
}

func (o *opsHub) sweep(tb testing.TB) hub.SweepStats {
	tb.Helper()
	st, err := o.srv.SweepSLA(context.Background())
	if err != nil {
		tb.Fatalf("SweepSLA: %v", err)
	}
	return st
}

// staff signs in a new IT lead or technician of tenant and returns their
// connection.
func (o *opsHub) staff(tb testing.TB, d *testDevice, tenant string, role msp.Role) *client.Conn {
	tb.Helper()
	ctx := context.Background()
	u, err := o.admin.AddUser(ctx, tenant, role, "Staff "+string(role))
	if err != nil {
		tb.Fatal(err)
	}
	si, err := d.conn.SignIn(ctx, u.Code)
	if err != nil {
		tb.Fatal(err)
	}
	return o.staffConn(tb, si.Token)
}

// staffConn returns a connection with a signed-in person's token.
func (o *opsHub) staffConn(tb testing.TB, token string) *client.Conn {
	tb.Helper()
	conn, err := client.NewConn(o.info.URL, o.caPEM, nil, client.ConnOptions{Token: token, RetryMax: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, Timeout: 30 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(conn.Close)
	return conn
}

// staffPush pushes one change as a signed-in person.
func staffPush(tb testing.TB, conn *client.Conn, seq uint64, c msp.Change) {
	tb.Helper()
	c.ID, c.At = msp.NewID(), time.Now().UTC()
	resp, err := conn.Push(context.Background(), []protocol.Mutation{{Seq: seq, Kind: protocol.KindTicket, Change: &c}})
	if err != nil {
		tb.Fatalf("staff push: %v", err)
	}
	if len(resp.Results) != 1 || resp.Results[0].Outcome != protocol.Applied {
		tb.Fatalf("staff push results = %+v, want applied", resp.Results)
	}
}

func (o *opsHub) ticket(tb testing.TB, tenant, id string) *msp.Ticket {
	tb.Helper()
	t := o.adminTicket(tb, tenant, id)
	if t == nil {
		tb.Fatalf("ticket %s is not on the hub", id)
	}
	return t
}

func jhb(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation("Africa/Johannesburg")
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// tuesday10 is Tuesday 3 March 2026, 10:00 in Johannesburg: business hours.
func tuesday10(tb testing.TB) time.Time { return time.Date(2026, 3, 3, 10, 0, 0, 0, jhb(tb)) }

// raise pushes a new printing ticket from d and returns it as stored.
func (o *opsHub) raise(tb testing.TB, d *testDevice, tenant string) *msp.Ticket {
	tb.Helper()
	tk := draft("Printer jams")
	wantResults(tb, d.push(tb, createM(d.next(), tk)), d.seq, protocol.Applied)
	return o.ticket(tb, tenant, tk.ID)
}

func lastComment(t *msp.Ticket) msp.Comment {
	if len(t.Comments) == 0 {
		return msp.Comment{}
	}
	return t.Comments[len(t.Comments)-1]
}

func TestRoutingOnCreate(t *testing.T) {
	t.Parallel()
	o := startOpsHub(t)
	co := o.tenant(t, "Acme", msp.ModeCoManaged)
	full := o.tenant(t, "Globex", msp.ModeFullyManaged)
	dc := o.enroll(t, co.ID, "acme-pc")
	df := o.enroll(t, full.ID, "globex-pc")
	o.clock.Set(tuesday10(t))

	tk := o.raise(t, dc, co.ID)
	if tk.Owner != msp.PartyInternal || tk.Assignee != "" || tk.Revision != 1 {
		t.Errorf("co-managed printing ticket: owner %q assignee %q revision %d, want internal, unassigned, revision 1", tk.Owner, tk.Assignee, tk.Revision)
	}
	note := lastComment(tk)
	if note.Kind != msp.CommentKindRouting || note.Internal || note.Role != msp.RoleSystem ||
		!strings.Contains(note.Body, "Your IT lead handles printing during business hours (until 17:00); after that IT Support.") {
		t.Errorf("routing note = %+v", note)
	}
	// P3: 8 business hours to respond; 10:00 Tuesday + 7 h is 17:00, +1 h is Wednesday 09:00.
	wantDue := time.Date(2026, 3, 4, 9, 0, 0, 0, jhb(t))
	if tk.SLA.State != msp.SLARunning || !tk.SLA.ResponseDue.Equal(wantDue) || tk.SLA.ComputedAt.IsZero() {
		t.Errorf("SLA = %+v, want running with response due %s", tk.SLA, wantDue)
	}
	// The requester sees the routing note and the SLA state.
	pulled := tickets(dc.pullAll(t, 0))[tk.ID]
	if pulled == nil || lastComment(pulled).Kind != msp.CommentKindRouting || pulled.SLA.State != msp.SLARunning {
		t.Errorf("the device pulled %+v, want the routing note and SLA state", pulled)
	}

	// After 17:00 the same kind goes to the MSP.
	o.clock.Set(time.Date(2026, 3, 3, 18, 0, 0, 0, jhb(t)))
	late := o.raise(t, dc, co.ID)
	if late.Owner != msp.PartyMSP || !strings.Contains(lastComment(late).Body, "after hours (until tomorrow 08:00)") {
		t.Errorf("after-hours ticket: owner %q, note %q", late.Owner, lastComment(late).Body)
	}
	fm := o.raise(t, df, full.ID)
	if fm.Owner != msp.PartyMSP || !strings.Contains(lastComment(fm).Body, "handles all IT for Globex") {
		t.Errorf("fully managed ticket: owner %q, note %q", fm.Owner, lastComment(fm).Body)
	}
	if got := kinds(o.events.take()); !slices.Equal(got, []string{"created", "created", "created"}) {
		t.Errorf("events = %v, want three created", got)
	}
}

func TestOverflowAndHandOver(t *testing.T) {
	t.Parallel()
	o := startOpsHub(t)
	co := o.tenant(t, "Acme", msp.ModeCoManaged)
	d := o.enroll(t, co.ID, "acme-pc")
	lead := o.staff(t, d, co.ID, msp.RoleITLead)
	o.clock.Set(tuesday10(t))

	ignored := o.raise(t, d, co.ID)
	answered := o.raise(t, d, co.ID)
	o.events.take()

	// 20 minutes: nothing is due.
	o.clock.Add(20 * time.Minute)
	staffPush(t, lead, 1, msp.Change{Kind: msp.ChangeComment, TicketID: answered.ID, Comment: &msp.Comment{ID: msp.NewID(), Body: "Looking at it now."}})
	if st := o.sweep(t); st.Changed != 0 {
		t.Errorf("sweep at 20 min changed %d tickets, want 0", st.Changed)
	}
	got := o.ticket(t, co.ID, answered.ID)
	if !got.SLA.RespondedAt.Equal(tuesday10(t).Add(20*time.Minute)) || !got.SLA.ResponseDue.IsZero() {
		t.Errorf("answered ticket SLA = %+v, want responded at 10:20 and no response due", got.SLA)
	}
	// The first reply also picks the new ticket up (new → open).
	if got := kinds(o.events.take()); !slices.Equal(got, []string{"status", "reply"}) {
		t.Errorf("events after the IT lead's reply = %v, want [status reply]", got)
	}

	// 31 minutes: the unanswered one overflows to the MSP, once.
	o.clock.Add(11 * time.Minute)
	st := o.sweep(t)
	if st.Changed != 1 {
		t.Errorf("sweep at 31 min changed %d tickets, want 1", st.Changed)
	}
	over := o.ticket(t, co.ID, ignored.ID)
	note := lastComment(over)
	if over.Owner != msp.PartyMSP || note.Kind != msp.CommentKindEscalation || !strings.Contains(note.Body, "Nobody answered within 30 min, so IT Support takes over") {
		t.Errorf("overflowed ticket: owner %q, last note %+v", over.Owner, note)
	}
	if o.ticket(t, co.ID, answered.ID).Owner != msp.PartyInternal {
		t.Error("the answered ticket overflowed too")
	}
	if got := kinds(o.events.take()); !slices.Equal(got, []string{"assigned"}) {
		t.Errorf("events = %v, want [assigned]", got)
	}
	if st := o.sweep(t); st.Changed != 0 || st.Events != 0 {
		t.Errorf("a second sweep did %+v, want nothing", st)
	}

	// Hand-over: a ticket raised at 16:50 that nobody picks up moves to the
	// MSP's after-hours cover at 17:00, before its overflow is due.
	o.clock.Set(time.Date(2026, 3, 3, 16, 50, 0, 0, jhb(t)))
	late := o.raise(t, d, co.ID)
	o.clock.Set(time.Date(2026, 3, 3, 17, 1, 0, 0, jhb(t)))
	o.sweep(t)
	moved := o.ticket(t, co.ID, late.ID)
	if moved.Owner != msp.PartyMSP || lastComment(moved).Kind != msp.CommentKindRouting ||
		!strings.Contains(lastComment(moved).Body, "moves on with the hour") {
		t.Errorf("at 17:01 the 16:50 ticket: owner %q, note %q", moved.Owner, lastComment(moved).Body)
	}
}

func TestAtRiskBreachAndEscalation(t *testing.T) {
	t.Parallel()
	o := startOpsHub(t)
	co := o.tenant(t, "Acme", msp.ModeCoManaged)
	d := o.enroll(t, co.ID, "acme-pc")
	lead := o.staff(t, d, co.ID, msp.RoleITLead)
	o.clock.Set(tuesday10(t))
	tk := o.raise(t, d, co.ID)
	// The IT lead takes it on (no overflow) but never answers.
	staffPush(t, lead, 1, msp.Change{Kind: msp.ChangeStatus, TicketID: tk.ID, Status: msp.StatusProgress})
	o.events.take()

	// 16:00 is 6 of 8 business hours: 75% used, at risk.
	o.clock.Set(time.Date(2026, 3, 3, 16, 1, 0, 0, jhb(t)))
	o.sweep(t)
	if got := kinds(o.events.take()); !slices.Equal(got, []string{"sla-at-risk:response"}) {
		t.Errorf("events at 16:01 = %v, want [sla-at-risk:response]", got)
	}
	if got := o.ticket(t, co.ID, tk.ID); !got.SLA.AtRisk || got.Owner != msp.PartyInternal {
		t.Errorf("at 16:01: SLA %+v owner %q, want at risk, internal", got.SLA, got.Owner)
	}
	o.sweep(t)
	if got := kinds(o.events.take()); len(got) != 0 {
		t.Errorf("a second sweep told %v, want nothing", got)
	}

	// Overnight nothing counts: Wednesday 08:30 is 7.5 h.
	o.clock.Set(time.Date(2026, 3, 4, 8, 30, 0, 0, jhb(t)))
	o.sweep(t)
	if got := kinds(o.events.take()); len(got) != 0 {
		t.Errorf("events at 08:30 = %v, want nothing", got)
	}

	// Wednesday 09:05: the response target (due 09:00) is breached; the
	// ticket escalates to the MSP with a note the requester sees.
	o.clock.Set(time.Date(2026, 3, 4, 9, 5, 0, 0, jhb(t)))
	o.sweep(t)
	if got := kinds(o.events.take()); !slices.Equal(got, []string{"assigned", "sla-breached:response"}) {
		t.Errorf("events at 09:05 = %v, want [assigned sla-breached:response]", got)
	}
	got := o.ticket(t, co.ID, tk.ID)
	note := lastComment(got)
	if got.Owner != msp.PartyMSP || got.SLA.State != msp.SLABreached || !got.SLA.ResponseBreached ||
		note.Kind != msp.CommentKindEscalation || note.Internal || !strings.Contains(note.Body, "first response target was missed (due Wed 4 Mar 09:00) while internal IT had this ticket") {
		t.Errorf("after the breach: owner %q, SLA %+v, note %+v", got.Owner, got.SLA, note)
	}
	if pulled := tickets(d.pullAll(t, 0))[tk.ID]; pulled == nil || lastComment(pulled).Kind != msp.CommentKindEscalation {
		t.Error("the requester does not see the escalation note")
	}
	o.sweep(t)
	if got := kinds(o.events.take()); len(got) != 0 {
		t.Errorf("a sweep after the breach told %v, want nothing", got)
	}

	// Waiting on the customer pauses the clocks.
	tech := o.staff(t, d, co.ID, msp.RoleTechnician)
	staffPush(t, tech, 1, msp.Change{Kind: msp.ChangeStatus, TicketID: tk.ID, Status: msp.StatusWaiting,
		Comment: &msp.Comment{ID: msp.NewID(), Body: "Which printer is it?"}})
	if got := o.ticket(t, co.ID, tk.ID); got.SLA.State != msp.SLABreached || got.SLA.RespondedAt.IsZero() {
		t.Errorf("after the reply: SLA %+v, want breached (late) and responded", got.SLA)
	}
}

func TestSLAStatePausedAndMet(t *testing.T) {
	t.Parallel()
	o := startOpsHub(t)
	co := o.tenant(t, "Acme", msp.ModeFullyManaged)
	d := o.enroll(t, co.ID, "acme-pc")
	tech := o.staff(t, d, co.ID, msp.RoleTechnician)
	o.clock.Set(tuesday10(t))
	tk := o.raise(t, d, co.ID)
	o.clock.Add(time.Hour)
	staffPush(t, tech, 1, msp.Change{Kind: msp.ChangeStatus, TicketID: tk.ID, Status: msp.StatusWaiting,
		Comment: &msp.Comment{ID: msp.NewID(), Body: "Which printer?"}})
	if got := o.ticket(t, co.ID, tk.ID); got.SLA.State != msp.SLAPaused || got.SLA.PausedReason == "" || !got.SLA.ResolutionDue.IsZero() {
		t.Errorf("waiting: SLA %+v, want paused with a reason and no due time", got.SLA)
	}
	// The requester answers: the ticket reopens and the clock runs again
	// with the time already counted (1 h of 24 h).
	o.clock.Add(3 * time.Hour)
	wantResults(t, d.push(t, commentM(d.next(), tk.ID, "The one on floor 2")), d.seq, protocol.Applied)
	got := o.ticket(t, co.ID, tk.ID)
	// 14:00 Tuesday + 23 business hours: 3 h Tue, 9 h Wed, 9 h Thu, 2 h Fri → Friday 10:00.
	if want := time.Date(2026, 3, 6, 10, 0, 0, 0, jhb(t)); got.SLA.State != msp.SLARunning || !got.SLA.ResolutionDue.Equal(want) {
		t.Errorf("after the answer: SLA %+v, want running, resolution due %s", got.SLA, want)
	}
	o.clock.Add(time.Hour)
	staffPush(t, tech, 2, msp.Change{Kind: msp.ChangeStatus, TicketID: tk.ID, Status: msp.StatusResolved})
	if got := o.ticket(t, co.ID, tk.ID); got.SLA.State != msp.SLAMet {
		t.Errorf("resolved: SLA %+v, want met", got.SLA)
	}
	if st := o.sweep(t); st.Open != 0 {
		t.Errorf("sweep looked at %d open tickets, want 0 (the only one is resolved)", st.Open)
	}
}

// inventory is what an agent sends: one disk with the given free share,
// security updates and a restart pending or not, posture ok or failing.
func inventory(host string, freePercent uint64, secUpdates int, reboot bool, firewallOff bool) msp.Inventory {
	const total = 256 << 30
	inv := msp.Inventory{
		Hostname: host, OS: msp.OSInfo{Name: "Ubuntu", Version: "24.04", ID: "ubuntu", Kernel: "6.8.0"},
		Disks:       []msp.Disk{{Mount: "/", FS: "ext4", TotalBytes: total, FreeBytes: total / 100 * freePercent, Encrypted: true}},
		CollectedAt: time.Now().UTC(),
		Posture: msp.Posture{
			Firewall:         msp.Check{State: msp.CheckOK, Evidence: "ufw: Status: active"},
			DiskEncryption:   msp.Check{State: msp.CheckOK, Evidence: "LUKS on /"},
			AutomaticUpdates: msp.Check{State: msp.CheckOK, Evidence: "unattended-upgrades on"},
			Antivirus:        msp.Check{State: msp.CheckUnknown, Evidence: "none found"},
		},
	}
	for i := range secUpdates {
		inv.Patches.Pending = append(inv.Patches.Pending, msp.Patch{Name: "libssl3-" + string(rune('a'+i)), InstalledVersion: "3.0.1", CandidateVersion: "3.0.2", Security: true})
	}
	inv.Patches.RebootRequired = reboot
	if firewallOff {
		inv.Posture.Firewall = msp.Check{State: msp.CheckFailing, Evidence: "ufw: Status: inactive"}
	}
	return inv
}

func invM(seq uint64, inv msp.Inventory) protocol.Mutation {
	return protocol.Mutation{Seq: seq, Kind: protocol.KindInventory, Inventory: &inv}
}

func checkInM(seq uint64) protocol.Mutation {
	return protocol.Mutation{Seq: seq, Kind: protocol.KindCheckIn, CheckIn: &protocol.CheckIn{At: time.Now().UTC(), AgentVersion: "1.0.0"}}
}

// alertTickets returns the tenant's alert tickets by condition, open ones
// and all.
func (o *opsHub) alertTickets(tb testing.TB, tenant string) (open, all map[string][]*msp.Ticket) {
	tb.Helper()
	list, err := o.admin.Tickets(context.Background(), tenant)
	if err != nil {
		tb.Fatal(err)
	}
	open, all = map[string][]*msp.Ticket{}, map[string][]*msp.Ticket{}
	for i := range list {
		t := &list[i]
		if t.Alert == nil {
			continue
		}
		all[t.Alert.Condition] = append(all[t.Alert.Condition], t)
		if t.Status.IsOpen() {
			open[t.Alert.Condition] = append(open[t.Alert.Condition], t)
		}
	}
	return open, all
}

// A new device's problems wait for its enrollment grace (24 h by default)
// and then open at its next check-in, from the inventory the hub holds;
// time-based conditions open at a check-in too; every alert resolves by
// itself when the problem is fixed.
func TestAlertsFromInventory(t *testing.T) {
	t.Parallel()
	o := startOpsHub(t)
	co := o.tenant(t, "Acme", msp.ModeCoManaged)
	// Enrolled at the real time, so that its certificate is valid for the
	// TLS handshakes of the days the clock moves on.
	start := time.Now().UTC().Truncate(time.Minute)
	o.clock.Set(start)
	d := o.enroll(t, co.ID, "acme-pc")

	// Healthy: no alert. Updates and a restart pending start their clocks.
	wantResults(t, d.push(t, invM(d.next(), inventory("acme-pc", 50, 2, true, false))), d.seq, protocol.Applied)
	if open, _ := o.alertTickets(t, co.ID); len(open) != 0 {
		t.Fatalf("alerts on a healthy device: %v", open)
	}
	// Disk 95% full and firewall off, within the first day: nothing yet.
	o.clock.Add(time.Hour)
	wantResults(t, d.push(t, invM(d.next(), inventory("acme-pc", 5, 2, true, true))), d.seq, protocol.Applied)
	if open, _ := o.alertTickets(t, co.ID); len(open) != 0 {
		t.Fatalf("alerts in the enrollment grace: %v", open)
	}
	// The grace ends; the next check-in (no new inventory) opens two
	// alerts, routed (monitoring and security baseline are the MSP's).
	o.clock.Set(start.Add(24*time.Hour + time.Minute))
	wantResults(t, d.push(t, checkInM(d.next())), d.seq, protocol.Applied)
	// The same again: no second ticket.
	o.clock.Add(time.Hour)
	wantResults(t, d.push(t, invM(d.next(), inventory("acme-pc", 4, 2, true, true))), d.seq, protocol.Applied)
	wantResults(t, d.push(t, checkInM(d.next())), d.seq, protocol.Applied)
	open, _ := o.alertTickets(t, co.ID)
	if len(open[msp.AlertDiskFull]) != 1 || len(open[msp.AlertPosture]) != 1 || len(open) != 2 {
		t.Fatalf("open alerts = %v, want one disk-full and one posture", open)
	}
	disk := open[msp.AlertDiskFull][0]
	if disk.Owner != msp.PartyMSP || disk.Requester != "hub-alerts" || disk.Alert.Key != "group/disk-full" ||
		disk.Title != "Disk nearly full on acme-pc" || !strings.Contains(disk.Description, "- acme-pc: / is 95% full") ||
		disk.SLA.State != msp.SLARunning {
		t.Errorf("disk alert ticket = %+v", disk)
	}
	if p := open[msp.AlertPosture][0]; p.Priority != msp.P2 || p.Title != "Firewall off on acme-pc" || !strings.Contains(p.Description, "ufw: Status: inactive") {
		t.Errorf("posture alert: priority %s, title %q, description %q", p.Priority, p.Title, p.Description)
	}
	if got := kinds(o.events.take()); !slices.Equal(got, []string{"created:disk-full", "alert-opened:disk-full", "created:posture", "alert-opened:posture"}) {
		t.Errorf("events = %v", got)
	}
	// The device's user does not see alert tickets.
	for _, tk := range tickets(d.pullAll(t, 0)) {
		if tk.Alert != nil {
			t.Errorf("the device pulled alert ticket %s", tk.Title)
		}
	}

	// 15 days on, updates still pending and no restart: the next check-in
	// opens two more alerts, without a new inventory.
	o.clock.Set(start.Add(15*24*time.Hour + time.Hour))
	wantResults(t, d.push(t, checkInM(d.next())), d.seq, protocol.Applied)
	open, _ = o.alertTickets(t, co.ID)
	if len(open[msp.AlertSecurityUpdates]) != 1 || len(open[msp.AlertRestartPending]) != 1 {
		t.Fatalf("after 15 days open alerts = %v, want security-updates and restart-pending", open)
	}
	if s := open[msp.AlertSecurityUpdates][0]; s.Title != "Security updates overdue on acme-pc" || !strings.Contains(s.Description, "2 updates waiting since "+start.Format("2006-01-02")) {
		t.Errorf("security alert %q: %q", s.Title, s.Description)
	}
	o.events.take()

	// Everything fixed: every alert resolves by itself with a status note.
	o.clock.Add(time.Hour)
	wantResults(t, d.push(t, invM(d.next(), inventory("acme-pc", 60, 0, false, false))), d.seq, protocol.Applied)
	open, all := o.alertTickets(t, co.ID)
	if len(open) != 0 {
		t.Fatalf("open alerts after the fix = %v, want none", open)
	}
	for cond, ts := range all {
		for _, tk := range ts {
			note := lastComment(tk)
			if tk.Status != msp.StatusResolved || note.Kind != msp.CommentKindStatus || note.Author != "hub-alerts" || !strings.HasPrefix(note.Body, "Resolved by itself: ") {
				t.Errorf("%s alert after the fix: status %s, note %+v", cond, tk.Status, note)
			}
		}
	}
	resolved := 0
	for _, k := range kinds(o.events.take()) {
		if strings.HasPrefix(k, "alert-resolved:") {
			resolved++
		}
	}
	if resolved != 4 {
		t.Errorf("%d alert-resolved events, want 4", resolved)
	}

	// The disk fills again: a new episode, a new ticket.
	o.clock.Add(time.Hour)
	wantResults(t, d.push(t, invM(d.next(), inventory("acme-pc", 5, 0, false, false))), d.seq, protocol.Applied)
	open, all = o.alertTickets(t, co.ID)
	if len(open[msp.AlertDiskFull]) != 1 || len(all[msp.AlertDiskFull]) != 2 {
		t.Errorf("disk alerts: %d open of %d, want 1 of 2", len(open[msp.AlertDiskFull]), len(all[msp.AlertDiskFull]))
	}
}

// encryptionOff is an inventory whose disk encryption check fails.
func encryptionOff(host string) msp.Inventory {
	inv := inventory(host, 50, 0, false, false)
	inv.Posture.DiskEncryption = msp.Check{State: msp.CheckFailing, Evidence: "BitLocker on C: off"}
	return inv
}

// The same problem on many devices is one ticket that lists them, kept up
// to date as devices get it and lose it, and resolved when none has it; a
// hub-side policy change takes effect at each device's next check-in.
func TestAlertsGroupAcrossDevices(t *testing.T) {
	t.Parallel()
	o := startOpsHub(t)
	co := o.tenant(t, "Acme", msp.ModeCoManaged)
	co.Alerts.EnrollGrace = -1 // alerts from the first inventory
	if _, err := o.admin.UpdateTenant(context.Background(), co); err != nil {
		t.Fatal(err)
	}
	// Enrolled at the real time, so that its certificate is valid for the
	// TLS handshakes of the days the clock moves on.
	start := time.Now().UTC().Truncate(time.Minute)
	o.clock.Set(start)
	var ds []*testDevice
	for i := range 26 {
		host := fmt.Sprintf("pc-%02d", i+1)
		d := o.enroll(t, co.ID, host)
		wantResults(t, d.push(t, invM(d.next(), encryptionOff(host))), d.seq, protocol.Applied)
		ds = append(ds, d)
	}
	open, _ := o.alertTickets(t, co.ID)
	if len(open) != 1 || len(open[msp.AlertPosture]) != 1 {
		t.Fatalf("open alerts = %v, want one posture ticket for all 26", open)
	}
	tk := open[msp.AlertPosture][0]
	if tk.Title != "Disk encryption off on 26 devices" || tk.Alert.Key != "group/posture/disk_encryption" || tk.Device != "" {
		t.Errorf("group ticket %q key %q device %q", tk.Title, tk.Alert.Key, tk.Device)
	}
	for _, d := range []string{"pc-01: BitLocker on C: off", "pc-26: BitLocker on C: off", "Devices (26):"} {
		if !strings.Contains(tk.Description, d) {
			t.Errorf("the group ticket lacks %q:\n%s", d, tk.Description)
		}
	}
	if got := kinds(o.events.take()); !slices.Equal(got, []string{"created:posture", "alert-opened:posture"}) {
		t.Errorf("events = %v, want one ticket created", got)
	}
	for _, c := range tk.Comments {
		if strings.Contains(c.Body, "has it too") {
			t.Errorf("the first wave wrote a note per device: %q (the list says it)", c.Body)
		}
	}

	// pc-03 turns encryption on: it leaves the list, with a note.
	o.clock.Add(time.Hour)
	wantResults(t, ds[2].push(t, invM(ds[2].next(), inventory("pc-03", 50, 0, false, false))), ds[2].seq, protocol.Applied)
	got := o.ticket(t, co.ID, tk.ID)
	if got.Title != "Disk encryption off on 25 devices" || strings.Contains(got.Description, "pc-03") || !strings.Contains(lastComment(got).Body, "pc-03 is off the list") {
		t.Errorf("after pc-03's fix: %q, note %q", got.Title, lastComment(got).Body)
	}
	// pc-03's firewall goes off: another problem, another ticket.
	inv := inventory("pc-03", 50, 0, false, true)
	wantResults(t, ds[2].push(t, invM(ds[2].next(), inv)), ds[2].seq, protocol.Applied)
	if open, _ := o.alertTickets(t, co.ID); len(open[msp.AlertPosture]) != 2 {
		t.Errorf("posture tickets after a firewall went off: %d, want 2", len(open[msp.AlertPosture]))
	}
	// pc-03 loses encryption again, two hours on: it joins the same
	// ticket again, with a note (at most one an hour).
	o.clock.Add(2 * time.Hour)
	inv.Posture.DiskEncryption = msp.Check{State: msp.CheckFailing, Evidence: "BitLocker on C: off"}
	wantResults(t, ds[2].push(t, invM(ds[2].next(), inv)), ds[2].seq, protocol.Applied)
	if got := o.ticket(t, co.ID, tk.ID); got.Title != "Disk encryption off on 26 devices" || !strings.Contains(lastComment(got).Body, "pc-03 has it too") {
		t.Errorf("after pc-03 joined again: %q, note %q", got.Title, lastComment(got).Body)
	}

	// The MSP turns the posture alert off: each device's next check-in
	// takes it off the list, and the last resolves the ticket.
	co, err := o.admin.Tenant(context.Background(), co.ID)
	if err != nil {
		t.Fatal(err)
	}
	co.Alerts.NoPosture = true
	if _, err := o.admin.UpdateTenant(context.Background(), co); err != nil {
		t.Fatal(err)
	}
	o.clock.Add(time.Minute)
	for _, d := range ds[:25] {
		wantResults(t, d.push(t, checkInM(d.next())), d.seq, protocol.Applied)
	}
	if got := o.ticket(t, co.ID, tk.ID); got.Status != msp.StatusOpen && got.Status != msp.StatusNew || got.Title != "Disk encryption off on pc-26" {
		t.Errorf("with one device left: %s %q", got.Status, got.Title)
	}
	wantResults(t, ds[25].push(t, checkInM(ds[25].next())), ds[25].seq, protocol.Applied)
	open, _ = o.alertTickets(t, co.ID)
	if len(open) != 0 {
		t.Errorf("open alerts after the policy change: %v, want none", open)
	}
	if got := o.ticket(t, co.ID, tk.ID); got.Status != msp.StatusResolved || !strings.HasPrefix(lastComment(got).Body, "Resolved by itself") {
		t.Errorf("the group ticket after the last device left: %s, %q", got.Status, lastComment(got).Body)
	}
	// The report counts each device's alert, not one per ticket.
	rep, err := o.admin.Report(context.Background(), co.ID, start.In(jhb(t)).Format("2006-01"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.AlertsTotal < 28 {
		t.Errorf("the report counts %d alerts, want each device's (26 + pc-03 again + a firewall)", rep.AlertsTotal)
	}
}

func TestAlertDeviceSilent(t *testing.T) {
	t.Parallel()
	o := startOpsHub(t)
	co := o.tenant(t, "Acme", msp.ModeCoManaged)
	// A tenant that allows 2 hours of silence.
	co.Alerts.SilentAfter = 2 * time.Hour
	if _, err := o.admin.UpdateTenant(context.Background(), co); err != nil {
		t.Fatalf("UpdateTenant: %v", err)
	}
	d := o.enroll(t, co.ID, "acme-pc")
	start := tuesday10(t)
	o.clock.Set(start)
	wantResults(t, d.push(t, checkInM(d.next())), d.seq, protocol.Applied)

	o.clock.Set(start.Add(time.Hour))
	o.sweep(t)
	if open, _ := o.alertTickets(t, co.ID); len(open) != 0 {
		t.Fatalf("alerts after 1 h of silence: %v", open)
	}
	o.clock.Set(start.Add(2*time.Hour + time.Minute))
	o.sweep(t)
	o.sweep(t)
	open, _ := o.alertTickets(t, co.ID)
	if len(open[msp.AlertDeviceSilent]) != 1 {
		t.Fatalf("after 2 h 1 min: open alerts %v, want one device-silent", open)
	}
	if s := open[msp.AlertDeviceSilent][0]; s.Title != "acme-pc is not checking in" || !strings.Contains(s.Description, "acme-pc: last checked in") || s.Owner != msp.PartyMSP {
		t.Errorf("silent alert: title %q owner %q", s.Title, s.Owner)
	}
	// The device checks in: the alert resolves itself.
	o.clock.Add(time.Minute)
	wantResults(t, d.push(t, checkInM(d.next())), d.seq, protocol.Applied)
	open, all := o.alertTickets(t, co.ID)
	if len(open) != 0 || len(all[msp.AlertDeviceSilent]) != 1 || all[msp.AlertDeviceSilent][0].Status != msp.StatusResolved {
		t.Errorf("after the check-in: open %v, all %v", open, all)
	}
	got := kinds(o.events.take())
	if !slices.Contains(got, "alert-opened:device-silent") || !slices.Contains(got, "alert-resolved:device-silent") {
		t.Errorf("events = %v, want the silent alert opened and resolved", got)
	}
}

func TestTenantSettingsValidated(t *testing.T) {
	t.Parallel()
	o := startOpsHub(t)
	co := o.tenant(t, "Acme", msp.ModeCoManaged)
	bad := co
	bad.OverflowAfter = -time.Minute
	if _, err := o.admin.UpdateTenant(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "overflow_after") {
		t.Errorf("UpdateTenant with a negative overflow = %v, want a refusal naming overflow_after", err)
	}
	good := co
	good.SLA = msp.DefaultSLAPolicy()
	good.SLA.P1.Response = 30 * time.Minute
	good.Holidays = msp.Holidays{Region: msp.RegionNone}
	if _, err := o.admin.UpdateTenant(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	got, err := o.admin.Tenant(context.Background(), co.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.SLAPolicy().P1.Response != 30*time.Minute || got.HolidayRules().Region != msp.RegionNone {
		t.Errorf("stored tenant SLA %+v holidays %+v", got.SLA, got.Holidays)
	}
	missing := good
	missing.ID = "nope"
	if _, err := o.admin.UpdateTenant(context.Background(), missing); err == nil {
		t.Error("UpdateTenant of an unknown tenant succeeded")
	}
}
