package agent_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tandem/agent"
	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
)

// leadWithTicket sets up a co-managed tenant in which OS user thandi has
// raised a ticket titled title (on the hub), and IT lead Sipho Dlamini is
// signed in as OS user sipho with the replica synced.
func leadWithTicket(t *testing.T, title string) (*fixture, msp.Change) {
	t.Helper()
	ctx := context.Background()
	f := setUp(t, msp.ModeCoManaged)
	tk := newTicket(title)
	if _, err := f.agent.Submit(ctx, "thandi", tk); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.StaffSignIn(ctx, "sipho", signInCode(t, f, msp.RoleITLead, "Sipho Dlamini")); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	return f, tk
}

// signInCode makes a person at the hub and returns their sign-in code.
func signInCode(t *testing.T, f *fixture, role msp.Role, name string) string {
	t.Helper()
	u, err := f.admin.AddUser(context.Background(), f.tenant.ID, role, name)
	if err != nil {
		t.Fatal(err)
	}
	return u.Code
}

// An IT lead signs in on the reception PC with a real code, sees the
// organisation's tickets and devices, works tickets while the hub is down
// (assign to internal IT, internal note, escalate to the MSP with a
// hand-off note, resolve), and every change reaches the hub after a restart
// of the agent and the hub's return. Another OS user on the same computer
// sees nothing, and sign-out removes the replica.
func TestStaffSignInReplicaOfflineChangesSignOut(t *testing.T) {
	ctx := context.Background()
	f := setUp(t, msp.ModeCoManaged)
	printer := newTicket("Printer on the first floor shows offline")
	vpn := newTicket("VPN drops every hour")
	for _, c := range []msp.Change{printer, vpn} {
		if _, err := f.agent.Submit(ctx, "thandi", c); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}

	// A wrong code is refused in words; a real one (typed in lower case) works.
	if _, err := f.agent.StaffSignIn(ctx, "sipho", "NOT-A-CODE"); !errors.Is(err, localapi.ErrSignInRefused) {
		t.Fatalf("a wrong code: %v, want ErrSignInRefused", err)
	}
	code := signInCode(t, f, msp.RoleITLead, "Sipho Dlamini")
	ss, err := f.agent.StaffSignIn(ctx, "sipho", strings.ToLower(code))
	if err != nil {
		t.Fatal(err)
	}
	if ss.Name != "Sipho Dlamini" || ss.Role != msp.RoleITLead || len(ss.Tenants) != 1 || ss.Tenants[0].ID != f.tenant.ID {
		t.Fatalf("session after sign-in: %+v", ss)
	}
	if err := f.agent.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	ss, err = f.agent.StaffSession("sipho")
	if err != nil {
		t.Fatal(err)
	}
	if ss.SyncedAt.IsZero() || ss.Tenants[0].Name != "Demo Accounting" || ss.Tenants[0].Mode != msp.ModeCoManaged || !ss.Online {
		t.Fatalf("session after the first pull: %+v", ss)
	}

	page, err := f.agent.StaffTickets("sipho", localapi.TicketQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 || len(page.Tickets) != 2 {
		t.Fatalf("the IT lead sees %d tickets (%d on the page), want the tenant's 2", page.Total, len(page.Tickets))
	}
	for _, tk := range page.Tickets {
		if tk.TenantName != "Demo Accounting" || !tk.Delivered || tk.Tenant != f.tenant.ID {
			t.Errorf("ticket %s: tenant name %q, delivered %v", tk.ID, tk.TenantName, tk.Delivered)
		}
	}
	page, err = f.agent.StaffTickets("sipho", localapi.TicketQuery{Q: "first PRINTER"})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || page.Tickets[0].ID != printer.TicketID {
		t.Fatalf("search for the printer: %+v", page)
	}
	if _, err := f.agent.StaffTickets("sipho", localapi.TicketQuery{Status: "sleeping"}); !msp.IsPermanent(err) {
		t.Fatalf("an unknown status filter: %v, want a clear refusal", err)
	}

	// The fleet: this computer, enrolled in the tenant.
	devs, err := f.agent.StaffDevices("sipho", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 || devs[0].Hostname != "reception-pc" || devs[0].TenantName != "Demo Accounting" {
		t.Fatalf("devices: %+v, want the reception PC", devs)
	}

	// Another OS user on the same computer sees nothing.
	if _, err := f.agent.StaffSession("thandi"); !errors.Is(err, localapi.ErrNotSignedIn) {
		t.Fatalf("another OS user's session: %v, want ErrNotSignedIn", err)
	}
	if _, err := f.agent.StaffTickets("thandi", localapi.TicketQuery{}); !errors.Is(err, localapi.ErrNotSignedIn) {
		t.Fatalf("another OS user's tickets: %v, want ErrNotSignedIn", err)
	}
	if _, err := f.agent.StaffTicket("thandi", printer.TicketID); !errors.Is(err, localapi.ErrNotSignedIn) {
		t.Fatalf("another OS user's ticket: %v, want ErrNotSignedIn", err)
	}

	// Offline: the IT lead works both tickets.
	f.hub.stop()
	note := "Checked the switch port; cable is fine."
	handoff := "Escalating to the MSP: the VPN concentrator needs a firmware update."
	changes := []struct {
		id string
		c  msp.Change
	}{
		{printer.TicketID, msp.Change{Kind: msp.ChangeAssign, Owner: msp.PartyInternal}},
		{printer.TicketID, msp.Change{Kind: msp.ChangeComment, Comment: &msp.Comment{Body: note, Internal: true}}},
		{vpn.TicketID, msp.Change{Kind: msp.ChangeAssign, Owner: msp.PartyMSP, Comment: &msp.Comment{Body: handoff, Internal: true}}},
		{printer.TicketID, msp.Change{Kind: msp.ChangeStatus, Status: msp.StatusResolved}},
	}
	for _, ch := range changes {
		got, err := f.agent.StaffChange(ctx, "sipho", ch.id, ch.c)
		if err != nil {
			t.Fatalf("offline %s on %s: %v", ch.c.Kind, ch.id, err)
		}
		if got.Delivered {
			t.Errorf("%s shows delivered while the hub is down", ch.c.Kind)
		}
	}
	if err := f.agent.StaffSyncOnce(ctx, "sipho"); err == nil {
		t.Fatal("a sync with the hub down reported success")
	}
	resolved, err := f.agent.StaffTickets("sipho", localapi.TicketQuery{Status: string(msp.StatusResolved)})
	if err != nil {
		t.Fatal(err)
	}
	if resolved.Total != 1 || resolved.Tickets[0].ID != printer.TicketID || !hasComment(resolved.Tickets[0].Ticket, note, true) {
		t.Fatalf("the offline resolve and internal note are not shown: %+v", resolved)
	}

	// The agent restarts; the queued changes survive.
	dir := filepath.Dir(f.agent.DB().Dir())
	if err := f.agent.Close(); err != nil {
		t.Fatal(err)
	}
	a2, err := agent.Open(ctx, dir, agent.Options{Logger: quiet, Hostname: "reception-pc", Conn: fastConn})
	if err != nil {
		t.Fatal(err)
	}
	defer a2.Close()
	if ss, err := a2.StaffSession("sipho"); err != nil || ss.Queued != len(changes) {
		t.Fatalf("after a restart: %+v, %v; want %d changes queued", ss, err, len(changes))
	}

	startHub(t, f.hub.dir, f.hub.listen)
	if err := a2.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	if ss, err := a2.StaffSession("sipho"); err != nil || ss.Queued != 0 {
		t.Fatalf("after reconnecting: %+v, %v; want nothing queued", ss, err)
	}
	// A second sync sends nothing twice.
	if err := a2.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	byID := map[string]msp.Ticket{}
	for _, tk := range hubTickets(t, f) {
		byID[tk.ID] = tk
	}
	p, v := byID[printer.TicketID], byID[vpn.TicketID]
	if p.Status != msp.StatusResolved || p.Owner != msp.PartyInternal || !hasComment(p, note, true) {
		t.Errorf("the printer ticket at the hub: status %s owner %s, internal note %v", p.Status, p.Owner, hasComment(p, note, true))
	}
	if v.Owner != msp.PartyMSP || !hasComment(v, handoff, true) {
		t.Errorf("the VPN ticket at the hub: owner %s, hand-off note %v", v.Owner, hasComment(v, handoff, true))
	}
	if n := countComment(p, note); n != 1 {
		t.Errorf("the internal note is at the hub %d times, want once", n)
	}
	tk, err := a2.StaffTicket("sipho", vpn.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if !tk.Delivered || tk.Owner != msp.PartyMSP {
		t.Errorf("the VPN ticket in the replica after sync: delivered %v owner %s", tk.Delivered, tk.Owner)
	}
	// The requester never sees the internal notes.
	if err := a2.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	mine, err := a2.Ticket(printer.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if hasComment(*mine, note, true) || hasComment(*mine, note, false) {
		t.Error("the requester's replica holds the IT lead's internal note")
	}

	// Sign-out removes the credential and the replica.
	if err := a2.StaffSignOut(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	if _, err := a2.StaffSession("sipho"); !errors.Is(err, localapi.ErrNotSignedIn) {
		t.Fatalf("after sign-out: %v, want ErrNotSignedIn", err)
	}
	left := 0
	err = a2.DB().View(func(tx *localdb.Tx) error {
		return tx.ScanKeys([]byte("staff/"), nil, func([]byte) error { left++; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d keys of the signed-out person remain in the store", left)
	}
	// The device's own replica is untouched.
	if ts, err := a2.Tickets(); err != nil || len(ts) != 2 {
		t.Errorf("the device's tickets after the IT lead signed out: %d, %v", len(ts), err)
	}
}

// A technician signed in through RunStaff's loop: the replica fills without
// a manual sync, and the overview counts the organisation's open tickets.
func TestStaffLoopPullsAndOverview(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := setUp(t, msp.ModeFullyManaged)
	for _, title := range []string{"Outlook asks for the password again", "Shared drive is slow", "New starter needs a laptop"} {
		if _, err := f.agent.Submit(ctx, "thandi", newTicket(title)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.agent.RunStaff(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunStaff: %v", err)
		}
	}()
	if _, err := f.agent.StaffSignIn(ctx, "james", signInCode(t, f, msp.RoleTechnician, "James Mokoena")); err != nil {
		t.Fatal(err)
	}
	var page localapi.TicketPage
	for deadline := time.Now().Add(20 * time.Second); ; {
		var err error
		if page, err = f.agent.StaffTickets("james", localapi.TicketQuery{}); err != nil {
			t.Fatal(err)
		}
		if page.Total == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if page.Total != 3 {
		t.Fatalf("the loop pulled %d tickets, want 3", page.Total)
	}
	// Sorted by SLA due time, soonest first (ties by priority).
	if !slices.IsSortedFunc(page.Tickets, func(x, y localapi.StaffTicket) int { return dueCmp(x.Due, y.Due) }) {
		t.Error("the default order is not SLA due time, soonest first")
	}
	o, err := f.agent.StaffOverview("james", "")
	if err != nil {
		t.Fatal(err)
	}
	if o.OpenByPillar[msp.PillarHelpdesk] != 3 || o.Open != 3 {
		t.Errorf("overview: %d open, by pillar %v; want 3 helpdesk", o.Open, o.OpenByPillar)
	}
	sum := 0
	for _, n := range o.OpenByOwner {
		sum += n
	}
	if sum != 3 {
		t.Errorf("overview by owner %v does not add up to 3", o.OpenByOwner)
	}
	if _, err := f.agent.StaffOverview("james", "some-other-tenant"); !errors.Is(err, msp.ErrNotFound) {
		t.Errorf("an organisation outside the scope: %v, want not found", err)
	}
}

func dueCmp(a, b time.Time) int {
	switch {
	case a.IsZero() && b.IsZero():
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	}
	return a.Compare(b)
}

func hasComment(t msp.Ticket, body string, internal bool) bool {
	return slices.ContainsFunc(t.Comments, func(c msp.Comment) bool { return c.Body == body && c.Internal == internal })
}

func countComment(t msp.Ticket, body string) int {
	n := 0
	for _, c := range t.Comments {
		if bytes.Equal([]byte(c.Body), []byte(body)) {
			n++
		}
	}
	return n
}

// A person whose numbering does not follow the hub's (their credential
// pushed before, elsewhere or before a reinstall) has their queued changes
// renumbered after the hub's high-water mark, not dropped as replays.
func TestStaffNumberingFollowsTheHub(t *testing.T) {
	ctx := context.Background()
	f, tk := leadWithTicket(t, "Scanner saves to the wrong folder")
	for _, body := range []string{"First look: profile setting.", "Asked the user for a screenshot."} {
		if _, err := f.agent.StaffChange(ctx, "sipho", tk.TicketID, msp.Change{Kind: msp.ChangeComment, Comment: &msp.Comment{Body: body}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.agent.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	// Forget the numbering, as a fresh replica of the same credential would.
	prefix := "staff/" + hex.EncodeToString([]byte("sipho")) + "/"
	err := f.agent.DB().Update(ctx, func(tx *localdb.Tx) error {
		for _, k := range []string{"seq", "seq-aligned", "outbox-mark/acked"} {
			if err := tx.Delete([]byte(prefix + k)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	third := "Fixed: default folder reset."
	if _, err := f.agent.StaffChange(ctx, "sipho", tk.TicketID, msp.Change{Kind: msp.ChangeComment, Comment: &msp.Comment{Body: third}}); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	hubT := hubTickets(t, f)[0]
	if !hasComment(hubT, third, false) {
		t.Fatalf("the change numbered 1 again was taken for a replay and dropped; hub comments: %+v", hubT.Comments)
	}
}
