package agent_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"tandem/localapi"
	"tandem/msp"
)

// personNamed returns the id of the person called name in who may be
// assigned the fixture tenant's tickets, as user's replica holds it.
func personNamed(t *testing.T, f *fixture, user, name string) string {
	t.Helper()
	ps, err := f.agent.StaffAssignees(user, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Name == name {
			return p.ID
		}
	}
	t.Fatalf("%s is not among who may be assigned: %+v", name, ps)
	return ""
}

func staffTicket(t *testing.T, f *fixture, user, id string) localapi.StaffTicket {
	t.Helper()
	tk, err := f.agent.StaffTicket(user, id)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// With the hub down, the IT lead takes a phone call and logs it for the
// caller on her computer, assigns the older ticket to himself, raises the
// new one's priority with a reason and merges the older one into it. The
// dashboard shows all of it at once ("Assigned to me", "Unassigned"), and
// the hub has all of it once it is back.
func TestStaffDispatchOfflineThenSync(t *testing.T) {
	ctx := context.Background()
	f, old := leadWithTicket(t, "Printer jams")
	me := personNamed(t, f, "sipho", "Sipho Dlamini")
	devs, err := f.agent.StaffDevices("sipho", "", "")
	if err != nil || len(devs) != 1 {
		t.Fatalf("devices %+v, %v", devs, err)
	}

	f.hub.stop()
	phoneID := msp.NewTicketID()
	call := &msp.Ticket{ID: phoneID, Title: "Printer on floor 2 jams every page", Description: "Phoned in at 09:10.",
		Pillar: msp.PillarHelpdesk, Category: "printing", Impact: msp.LevelMedium, Urgency: msp.LevelMedium,
		Device: devs[0].ID, Caller: &msp.Caller{Name: "Jane Smith", Phone: "+27 21 555 0199"}}
	steps := []struct {
		id string
		c  msp.Change
	}{
		{phoneID, msp.Change{Kind: msp.ChangeCreate, Ticket: call}},
		{old.TicketID, msp.Change{Kind: msp.ChangeAssign, Assignee: new(me), AssigneeWas: new(""), Owner: msp.PartyInternal}},
		{phoneID, msp.Change{Kind: msp.ChangeReprioritise, Impact: msp.LevelMedium, Urgency: msp.LevelHigh, PriorityWas: msp.P3, Reason: "The whole floor prints there"}},
	}
	for _, s := range steps {
		got, err := f.agent.StaffChange(ctx, "sipho", s.id, s.c)
		if err != nil {
			t.Fatalf("offline %s: %v", s.c.Kind, err)
		}
		if got.Delivered {
			t.Errorf("%s shows delivered with the hub down", s.c.Kind)
		}
	}
	mine, err := f.agent.StaffTickets("sipho", localapi.TicketQuery{Assignee: localapi.AssigneeMe})
	if err != nil {
		t.Fatal(err)
	}
	unassigned, err := f.agent.StaffTickets("sipho", localapi.TicketQuery{Assignee: localapi.AssigneeNone})
	if err != nil {
		t.Fatal(err)
	}
	if mine.Total != 1 || mine.Tickets[0].ID != old.TicketID || unassigned.Total != 1 || unassigned.Tickets[0].ID != phoneID {
		t.Fatalf("assigned to me %+v; unassigned %+v", mine.Tickets, unassigned.Tickets)
	}
	byCaller, err := f.agent.StaffTickets("sipho", localapi.TicketQuery{Q: "jane"})
	if err != nil || byCaller.Total != 1 {
		t.Errorf("a search by the caller's name: %+v, %v", byCaller, err)
	}
	if _, err := f.agent.StaffChange(ctx, "sipho", old.TicketID, msp.Change{Kind: msp.ChangeMerge, Into: msp.NewTicketID()}); !msp.IsPermanent(err) {
		t.Errorf("a merge into a ticket the replica does not hold: %v", err)
	}
	merged, err := f.agent.StaffChange(ctx, "sipho", old.TicketID, msp.Change{Kind: msp.ChangeMerge, Into: phoneID, Reason: "Same printer"})
	if err != nil {
		t.Fatal(err)
	}
	if merged.Status != msp.StatusClosed || merged.MergedInto != phoneID {
		t.Fatalf("the duplicate shows %s, merged into %q", merged.Status, merged.MergedInto)
	}
	if target := staffTicket(t, f, "sipho", phoneID); len(target.Merged) != 1 || target.Priority != msp.P2 {
		t.Fatalf("the phone ticket shows %d merged at %s", len(target.Merged), target.Priority)
	}

	startHub(t, f.hub.dir, f.hub.listen)
	if err := f.agent.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	ss, err := f.agent.StaffSession("sipho")
	if err != nil || ss.Queued != 0 || ss.Refused != 0 {
		t.Fatalf("after the hub returned: %+v, %v", ss, err)
	}
	byID := map[string]msp.Ticket{}
	for _, tk := range hubTickets(t, f) {
		byID[tk.ID] = tk
	}
	phone, dup := byID[phoneID], byID[old.TicketID]
	if phone.Caller == nil || phone.Caller.Name != "Jane Smith" || phone.Priority != msp.P2 || len(phone.Merged) != 1 || phone.Device != devs[0].ID {
		t.Errorf("the hub's phone ticket: %+v", phone)
	}
	if dup.Status != msp.StatusClosed || dup.MergedInto != phoneID || dup.Assignee != me {
		t.Errorf("the hub's duplicate: status %s merged into %q assignee %q", dup.Status, dup.MergedInto, dup.Assignee)
	}
	if got := staffTicket(t, f, "sipho", phoneID); !got.Delivered || len(got.Merged) != 1 {
		t.Errorf("the replica after sync: delivered %v, merged %d", got.Delivered, len(got.Merged))
	}

	// The requester's device sees its ticket as merged, not gone.
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	mineNow, err := f.agent.Ticket(old.TicketID)
	if err != nil {
		t.Fatalf("the requester's ticket vanished: %v", err)
	}
	if last := mineNow.Comments[len(mineNow.Comments)-1]; !strings.Contains(last.Body, "Merged into "+msp.TicketNumber(phoneID)) {
		t.Errorf("the requester reads %q", last.Body)
	}
}

// Two staff on this computer assign the same ticket while the hub is
// down: the first to reach the hub keeps it, and the other's replica shows
// the ticket with the first's assignee and a note that theirs was not
// applied.
func TestStaffAssignConflictIsVisible(t *testing.T) {
	ctx := context.Background()
	f, tk := leadWithTicket(t, "Outlook asks for the password")
	if _, err := f.agent.StaffSignIn(ctx, "ann", signInCode(t, f, msp.RoleTechnician, "Ann Botha")); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"sipho", "ann"} {
		if err := f.agent.StaffSyncOnce(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	sipho, ann := personNamed(t, f, "ann", "Sipho Dlamini"), personNamed(t, f, "ann", "Ann Botha") // Sipho's list is fetched again within minutes

	f.hub.stop()
	for _, a := range []struct{ user, to string }{{"sipho", sipho}, {"ann", ann}} {
		if _, err := f.agent.StaffChange(ctx, a.user, tk.TicketID, msp.Change{Kind: msp.ChangeAssign, Assignee: new(a.to), AssigneeWas: new("")}); err != nil {
			t.Fatal(err)
		}
	}
	startHub(t, f.hub.dir, f.hub.listen)
	for _, u := range []string{"sipho", "ann", "sipho"} {
		if err := f.agent.StaffSyncOnce(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{"sipho", "ann"} {
		got := staffTicket(t, f, u, tk.TicketID)
		if got.Assignee != sipho {
			t.Errorf("%s's replica shows the ticket assigned to %q, want Sipho's %q", u, got.Assignee, sipho)
		}
		if !slices.ContainsFunc(got.Comments, func(c msp.Comment) bool {
			return c.Kind == msp.CommentKindConflict && strings.Contains(c.Body, "Assignment to "+ann+" not applied")
		}) {
			t.Errorf("%s's replica has no conflict note: %+v", u, got.Comments)
		}
	}
	if ss, _ := f.agent.StaffSession("ann"); ss.Refused != 0 {
		t.Errorf("the losing assignment was refused instead of noted: %+v", ss)
	}
}
