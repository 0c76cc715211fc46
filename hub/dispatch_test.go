package hub_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"tandem/hub"
	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

// staffIn adds a person to tenant, signs them in and returns their id and
// a connection with their credential.
func staffIn(t *testing.T, h *testHub, d *testDevice, tenant string, role msp.Role, name string) (string, *client.Conn) {
	t.Helper()
	u, err := h.admin.AddUser(context.Background(), tenant, role, name)
	if err != nil {
		t.Fatal(err)
	}
	si, err := d.conn.SignIn(context.Background(), u.Code)
	if err != nil {
		t.Fatal(err)
	}
	return u.User.ID, staffConnTo(t, h, si.Token)
}

// dispatchPush pushes changes as a person, numbered from seq, and returns the
// outcomes.
func dispatchPush(t *testing.T, conn *client.Conn, tenant string, seq uint64, cs ...msp.Change) []protocol.Result {
	t.Helper()
	var ms []protocol.Mutation
	for i := range cs {
		c := cs[i]
		if c.ID == "" {
			c.ID = msp.NewID()
		}
		if c.At.IsZero() {
			c.At = time.Now().UTC()
		}
		ms = append(ms, protocol.Mutation{Seq: seq + uint64(i), Kind: protocol.KindTicket, Tenant: tenant, Change: &c})
	}
	resp, err := conn.Push(context.Background(), ms)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Results
}

// Who a ticket may go to: the technicians who serve the organisation and
// its IT lead, never someone removed or serving only another organisation;
// the hub refuses an assignment to anyone else, and a device cannot ask.
func TestAssignOnlyToPeopleWhoSeeTheTenant(t *testing.T) {
	ctx := context.Background()
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	other := h.tenant(t, "Globex", msp.ModeCoManaged)
	d := h.enroll(t, a.ID, "acme-pc")
	tk := draft("Printer jams")
	wantResults(t, d.push(t, createM(d.next(), tk)), 1, protocol.Applied)

	_, tech := staffIn(t, h, d, a.ID, msp.RoleTechnician, "Sipho Dlamini")
	leadID, _ := staffIn(t, h, d, a.ID, msp.RoleITLead, "Thandi Nkosi")
	goneID, _ := staffIn(t, h, d, a.ID, msp.RoleTechnician, "Gone Person")
	strangerID, _ := staffIn(t, h, d, other.ID, msp.RoleTechnician, "Other Tech")
	if _, err := h.admin.RemoveUser(ctx, goneID); err != nil {
		t.Fatal(err)
	}

	var people []hub.StaffAssignee
	if err := tech.Get(ctx, hub.PathStaffAssignees+"?tenant="+a.ID, &people); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range people {
		names = append(names, p.Name+"/"+string(p.Role))
	}
	if got := strings.Join(names, ", "); got != "Sipho Dlamini/technician, Thandi Nkosi/it-lead" {
		t.Errorf("people = %s", got)
	}
	var none []hub.StaffAssignee
	if err := d.conn.Get(ctx, hub.PathStaffAssignees, &none); !isStatus(err, http.StatusForbidden) {
		t.Errorf("a device listed the people: %v", err)
	}

	results := dispatchPush(t, tech, a.ID, 1,
		msp.Change{Kind: msp.ChangeAssign, TicketID: tk.ID, Assignee: new(strangerID)},
		msp.Change{Kind: msp.ChangeAssign, TicketID: tk.ID, Assignee: new(goneID)},
		msp.Change{Kind: msp.ChangeAssign, TicketID: tk.ID, Assignee: new("nobody-at-all")},
		msp.Change{Kind: msp.ChangeAssign, TicketID: tk.ID, Assignee: new(leadID), Owner: msp.PartyInternal, AssigneeWas: new("")},
	)
	for i, want := range []protocol.Outcome{protocol.Rejected, protocol.Rejected, protocol.Rejected, protocol.Applied} {
		if results[i].Outcome != want {
			t.Errorf("assignment %d: %s (%v), want %s", i, results[i].Outcome, results[i].Error, want)
		}
	}
	if e := results[0].Error; e == nil || !strings.Contains(e.Message, "Other Tech cannot see Acme's tickets") {
		t.Errorf("the refusal says %+v", e)
	}
	if got := h.adminTicket(t, a.ID, tk.ID); got.Assignee != leadID || got.Owner != msp.PartyInternal {
		t.Errorf("assignee %q owner %q", got.Assignee, got.Owner)
	}

	// Fully managed: the IT lead is not given tickets.
	fm := h.tenant(t, "Bolt", msp.ModeFullyManaged)
	dfm := h.enroll(t, fm.ID, "bolt-pc")
	tb := draft("Bolt's")
	wantResults(t, dfm.push(t, createM(dfm.next(), tb)), 1, protocol.Applied)
	fmLead, _ := staffIn(t, h, dfm, fm.ID, msp.RoleITLead, "Bolt Lead")
	_, fmTech := staffIn(t, h, dfm, fm.ID, msp.RoleTechnician, "Bolt Tech")
	if r := dispatchPush(t, fmTech, fm.ID, 1, msp.Change{Kind: msp.ChangeAssign, TicketID: tb.ID, Assignee: new(fmLead)}); r[0].Outcome != protocol.Rejected {
		t.Errorf("a fully managed tenant's ticket went to its IT lead: %s", r[0].Outcome)
	}
}

func isStatus(err error, status int) bool {
	he, ok := err.(*client.HTTPError)
	return ok && he.Status == status
}

// A new priority moves the SLA clocks: P3 to P1 brings the resolution due
// much closer, and the reason is in the thread staff read.
func TestReprioritiseMovesTheSLA(t *testing.T) {
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeFullyManaged)
	d := h.enroll(t, a.ID, "acme-pc")
	tk := draft("Payroll will not run")
	wantResults(t, d.push(t, createM(d.next(), tk)), 1, protocol.Applied)
	before := h.adminTicket(t, a.ID, tk.ID)
	_, tech := staffIn(t, h, d, a.ID, msp.RoleTechnician, "Sipho")
	i, u := msp.LevelsFor(msp.P1, before.Impact, before.Urgency)
	r := dispatchPush(t, tech, a.ID, 1,
		msp.Change{Kind: msp.ChangeReprioritise, TicketID: tk.ID, Impact: i, Urgency: u, PriorityWas: before.Priority, Reason: "Payday is tomorrow"})
	if r[0].Outcome != protocol.Applied {
		t.Fatalf("%s: %v", r[0].Outcome, r[0].Error)
	}
	after := h.adminTicket(t, a.ID, tk.ID)
	if after.Priority != msp.P1 || after.SLA.Priority != msp.P1 {
		t.Fatalf("priority %s, SLA from %s", after.Priority, after.SLA.Priority)
	}
	if !after.SLA.ResolutionDue.Before(before.SLA.ResolutionDue) {
		t.Errorf("resolution due %v, was %v at P3", after.SLA.ResolutionDue, before.SLA.ResolutionDue)
	}
	n := after.Comments[len(after.Comments)-1]
	if n.Kind != msp.CommentKindPriority || !strings.Contains(n.Body, "Payday is tomorrow") {
		t.Errorf("history note %+v", n)
	}
}

// A phoned-in ticket names the caller and their computer, which then sees
// it; a duplicate merged into it closes with a link its device reads, and
// the target lists it.
func TestPhoneTicketAndMerge(t *testing.T) {
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeFullyManaged)
	d := h.enroll(t, a.ID, "reception-pc")
	dup := draft("Printer broken again")
	wantResults(t, d.push(t, createM(d.next(), dup)), 1, protocol.Applied)
	techID, tech := staffIn(t, h, d, a.ID, msp.RoleTechnician, "Sipho")

	phone := draft("Printer on floor 2 jams every page")
	phone.Device, phone.Caller = d.id.DeviceID, &msp.Caller{Name: "Jane Smith", Phone: "+27 21 555 0199"}
	r := dispatchPush(t, tech, a.ID, 1,
		msp.Change{Kind: msp.ChangeCreate, TicketID: phone.ID, Ticket: phone},
		msp.Change{Kind: msp.ChangeMerge, TicketID: dup.ID, Into: phone.ID, Reason: "Same printer"},
	)
	for i := range r {
		if r[i].Outcome != protocol.Applied {
			t.Fatalf("change %d: %s %v", i, r[i].Outcome, r[i].Error)
		}
	}
	got := h.adminTicket(t, a.ID, phone.ID)
	if got.Caller == nil || got.Caller.LoggedBy != techID || got.Requester != "caller:jane-smith" || got.Device != d.id.DeviceID {
		t.Fatalf("phone ticket %+v caller %+v", got, got.Caller)
	}
	if len(got.Merged) != 1 || got.Merged[0].ID != dup.ID {
		t.Errorf("the target lists %+v", got.Merged)
	}
	closed := h.adminTicket(t, a.ID, dup.ID)
	if closed.Status != msp.StatusClosed || closed.MergedInto != phone.ID {
		t.Errorf("duplicate %s merged into %q", closed.Status, closed.MergedInto)
	}

	// The caller's computer sees both: its phoned-in ticket, and its own
	// duplicate as merged, without the target's internal notes.
	seen := tickets(d.pullAll(t, 0))
	if seen[phone.ID] == nil || seen[phone.ID].Caller == nil || len(seen[phone.ID].Merged) != 0 {
		t.Errorf("the device's copy of the phone ticket: %+v", seen[phone.ID])
	}
	if dv := seen[dup.ID]; dv == nil || dv.MergedInto != phone.ID || !strings.Contains(dv.Comments[len(dv.Comments)-1].Body, "Merged into "+msp.TicketNumber(phone.ID)) {
		t.Errorf("the device's copy of its duplicate: %+v", dv)
	}

	// A device naming another organisation's computer, or a merge into a
	// ticket the tenant does not have, is refused.
	bad := draft("Naming a computer that is not Acme's")
	bad.Device, bad.Caller = msp.NewID(), &msp.Caller{Name: "X"}
	r = dispatchPush(t, tech, a.ID, 3,
		msp.Change{Kind: msp.ChangeCreate, TicketID: bad.ID, Ticket: bad},
		msp.Change{Kind: msp.ChangeMerge, TicketID: phone.ID, Into: msp.NewTicketID()},
	)
	for i := range r {
		if r[i].Outcome != protocol.Rejected {
			t.Errorf("bad change %d: %s", i, r[i].Outcome)
		}
	}
}

// A device (its end users) cannot dispatch even its own tickets: no merge,
// assignment, new priority or ticket logged for a caller; the ticket is
// as it was.
func TestDispatchIsForStaff(t *testing.T) {
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	d := h.enroll(t, a.ID, "acme-pc")
	one, two := draft("Printer jams"), draft("Printer jams again")
	wantResults(t, d.push(t, createM(d.next(), one), createM(d.next(), two)), 2, protocol.Applied, protocol.Applied)
	before := h.adminTicket(t, a.ID, two.ID)
	phone := draft("Logged for someone")
	phone.Caller = &msp.Caller{Name: "Someone"}
	now := time.Now().UTC()
	var ms []protocol.Mutation
	for _, c := range []msp.Change{
		{Kind: msp.ChangeMerge, TicketID: two.ID, Into: one.ID},
		{Kind: msp.ChangeAssign, TicketID: two.ID, Assignee: new("anyone")},
		{Kind: msp.ChangeReprioritise, TicketID: two.ID, Impact: msp.LevelHigh, Urgency: msp.LevelHigh, Reason: "mine first"},
		{Kind: msp.ChangeCreate, TicketID: phone.ID, Ticket: phone},
	} {
		c.ID, c.At = msp.NewID(), now
		ms = append(ms, protocol.Mutation{Seq: d.next(), Kind: protocol.KindTicket, User: "jane", Change: &c})
	}
	for _, r := range d.push(t, ms...).Results {
		if r.Outcome != protocol.Rejected || !strings.Contains(r.Error.Code, "forbidden") {
			t.Errorf("change %d from a device: %s %+v, want rejected as forbidden", r.Seq, r.Outcome, r.Error)
		}
	}
	if after := h.adminTicket(t, a.ID, two.ID); after.Revision != before.Revision || after.Status != before.Status {
		t.Errorf("the device's ticket changed: %+v", after)
	}
}
