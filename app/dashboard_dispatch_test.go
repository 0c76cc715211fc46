//go:build linux || darwin

package app

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"tandem/localapi"
	"tandem/msp"
)

func rowIDs(v *ticketsTab) []string {
	var out []string
	for _, r := range v.rows {
		out = append(out, r.ID)
	}
	return out
}

func staffTicketOf(t *testing.T, r *rig, id string) localapi.StaffTicket {
	t.Helper()
	tk, err := r.client.StaffTicket(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// The IT lead assigns a ticket to himself from its pane, and the queue's
// "Assigned to me" and "Unassigned" filters show it and the others; a
// selection of two is assigned to a technician, then resolved, in one go;
// and Resolve sends what is in the reply box as the resolution note.
func TestDashboardAssignFiltersAndBulk(t *testing.T) {
	r := newRig(t)
	printer := raiseIn(t, r, "Printer on the first floor shows offline", msp.PillarHelpdesk, "printing", msp.LevelMedium)
	vpn := raiseIn(t, r, "VPN drops every hour", msp.PillarNetwork, msp.CategoryOther, msp.LevelMedium)
	mail := raiseIn(t, r, "Mailbox full", msp.PillarMicrosoft365, msp.CategoryOther, msp.LevelLow)
	r.mustSync()
	userCode(t, r, msp.RoleTechnician, "Ann Botha")
	d, w, _ := openDashboard(t, r)
	signIn(t, r, d, userCode(t, r, msp.RoleITLead, "Sipho Dlamini"))
	d.tabs.SelectIndex(1)
	v := d.tickets
	v.reload()

	v.show(printer.ID)
	if !slices.Contains(v.assignSel.Options, "Sipho Dlamini (me)") || !slices.ContainsFunc(v.assignSel.Options, func(o string) bool { return strings.HasPrefix(o, "Ann Botha · ") }) {
		t.Fatalf("the assign list offers %q", v.assignSel.Options)
	}
	v.assignSel.SetSelected("Sipho Dlamini (me)")
	if got := staffTicketOf(t, r, printer.ID); got.Assignee == "" || got.Owner != msp.PartyInternal {
		t.Fatalf("assigned to %q, owner %s", got.Assignee, got.Owner)
	}
	wantText(t, v.detail, "With: Internal IT (Sipho Dlamini)")

	v.mine.SetSelectedIndex(1) // Assigned to me
	if got := rowIDs(v); !slices.Equal(got, []string{printer.ID}) {
		t.Errorf("Assigned to me lists %v, want the printer", rowTitles(v))
	}
	shot(t, w, "dashboard-assigned-to-me")
	v.mine.SetSelectedIndex(2) // Unassigned
	if got := rowIDs(v); len(got) != 2 || slices.Contains(got, printer.ID) {
		t.Errorf("Unassigned lists %v", rowTitles(v))
	}
	v.mine.SetSelectedIndex(0)

	// A selection of two: assign, then resolve.
	v.Pick(vpn.ID, r.tenant.ID, true)
	v.Pick(mail.ID, r.tenant.ID, true)
	if !v.bulkBar.Visible() || v.bulkCount.Text != "2 tickets selected" {
		t.Fatalf("the selection bar: visible %v, %q", v.bulkBar.Visible(), v.bulkCount.Text)
	}
	shot(t, w, "dashboard-bulk-selection")
	var ann string
	for _, o := range v.bulkAssign.Options {
		if strings.HasPrefix(o, "Ann Botha") {
			ann = o
		}
	}
	v.bulkAssign.SetSelected(ann)
	for _, id := range []string{vpn.ID, mail.ID} {
		if got := staffTicketOf(t, r, id); v.personName(got.Assignee) != "Ann Botha" || got.Owner != msp.PartyMSP {
			t.Errorf("%s: assigned to %q (%s), owner %s", TicketNumber(id), got.Assignee, v.personName(got.Assignee), got.Owner)
		}
	}
	if v.bulkBar.Visible() || len(v.picked) != 0 {
		t.Error("the selection stays after a bulk assignment that worked")
	}
	for _, row := range v.rows {
		if row.ID == vpn.ID && v.withWords(row) != "Ann B." {
			t.Errorf("the queue's With column says %q for the VPN ticket", v.withWords(row))
		}
	}
	v.Pick(vpn.ID, r.tenant.ID, true)
	v.Pick(mail.ID, r.tenant.ID, true)
	test.Tap(v.bulkDone)
	for _, id := range []string{vpn.ID, mail.ID} {
		if got := staffTicketOf(t, r, id); got.Status != msp.StatusResolved {
			t.Errorf("%s is %s after the bulk resolve", TicketNumber(id), got.Status)
		}
	}

	// Resolve with the reply box filled: the text goes with it.
	v.show(printer.ID)
	test.Type(v.compose, "Replaced the toner; it prints again.")
	test.Tap(v.resolveBtn)
	got := staffTicketOf(t, r, printer.ID)
	if got.Status != msp.StatusResolved || !slices.ContainsFunc(got.Comments, func(c msp.Comment) bool {
		return c.Body == "Replaced the toner; it prints again." && !c.Internal
	}) {
		t.Fatalf("resolved as %s with comments %+v", got.Status, got.Comments)
	}
	if v.compose.Text != "" {
		t.Errorf("the resolution note is still in the box: %q", v.compose.Text)
	}
}

// The new dialogs: a priority change asks for a reason and shows it in the
// thread; a merge lists the organisation's other open tickets and closes
// the duplicate; a phone ticket names the caller and their computer.
// Each opens over the dashboard without killing it (see opens).
func TestDashboardDispatchDialogs(t *testing.T) {
	r := newRig(t)
	printer := raiseIn(t, r, "Printer on the first floor shows offline", msp.PillarHelpdesk, "printing", msp.LevelMedium)
	again := raiseIn(t, r, "Printer offline again", msp.PillarHelpdesk, "printing", msp.LevelMedium)
	r.mustSync()
	d, w, _ := openDashboard(t, r)
	signIn(t, r, d, userCode(t, r, msp.RoleTechnician, "Ann Botha"))
	d.tabs.SelectIndex(1)
	v := d.tickets
	v.reload()

	v.show(printer.ID)
	opens(t, w, "Priority…", func() { test.Tap(v.priorityBtn) })
	v.prioSel.SetSelectedIndex(1) // P2
	test.Tap(v.prioGo)
	if !v.prioMsg.failed() || !strings.Contains(v.prioMsg.Text, "Say why") {
		t.Errorf("a priority change without a reason: %q", v.prioMsg.Text)
	}
	test.Type(v.prioReason, "The whole floor prints there")
	shot(t, w, "dashboard-priority-dialog")
	test.Tap(v.prioGo)
	if len(w.Canvas().Overlays().List()) != 0 {
		t.Error("the priority dialog stays open after the change was saved")
	}
	if got := staffTicketOf(t, r, printer.ID); got.Priority != msp.P2 {
		t.Fatalf("priority %s", got.Priority)
	}
	wantText(t, v.detail, "Priority changed from P3 medium to P2 high: The whole floor prints there")

	v.show(again.ID)
	opens(t, w, "Merge into…", func() { test.Tap(v.mergeBtn) })
	if len(v.mergeSel.Options) != 1 || !strings.Contains(v.mergeSel.Options[0], TicketNumber(printer.ID)) {
		t.Fatalf("merge offers %q", v.mergeSel.Options)
	}
	test.Tap(v.mergeGo)
	if !v.mergeMsg.failed() {
		t.Error("a merge without a target was not refused")
	}
	test.Type(v.mergeFind, "no such words")
	if len(v.mergeSel.Options) != 0 {
		t.Errorf("the search for nothing offers %q", v.mergeSel.Options)
	}
	v.mergeFind.SetText(TicketNumber(printer.ID))
	if len(v.mergeSel.Options) != 1 {
		t.Fatalf("the search by number offers %q", v.mergeSel.Options)
	}
	v.mergeSel.SetSelectedIndex(0)
	test.Type(v.mergeReason, "Same printer")
	test.Tap(v.mergeGo)
	if dup := staffTicketOf(t, r, again.ID); dup.Status != msp.StatusClosed || dup.MergedInto != printer.ID {
		t.Fatalf("the duplicate is %s, merged into %q", dup.Status, dup.MergedInto)
	}
	if v.selected != printer.ID {
		t.Error("after the merge the pane does not show the ticket the work goes on in")
	}
	wantText(t, v.detail, "Also reported by", TicketNumber(again.ID))

	opens(t, w, "Phone ticket…", func() { test.Tap(v.phoneBtn) })
	f := v.phoneForm
	if len(f.device.Options) < 2 || !strings.HasPrefix(f.device.Options[1], "reception-pc") {
		t.Fatalf("the phone form offers the computers %q", f.device.Options)
	}
	test.Type(f.devFind, "RECEPTION")
	if f.device.SelectedIndex() != 1 || len(f.device.Options) != 2 {
		t.Errorf("finding the computer by name: %q selected of %q", f.device.Selected, f.device.Options)
	}
	test.Tap(f.save)
	if !f.msg.failed() || !strings.Contains(f.msg.Text, "caller's name") {
		t.Errorf("a phone ticket without a caller: %q", f.msg.Text)
	}
	test.Type(f.caller, "Jane Smith")
	test.Type(f.phone, "+27 21 555 0199")
	f.device.SetSelectedIndex(1)
	test.Type(f.title, "Outlook asks for the password all day")
	test.Type(f.desc, "Since the password change on Monday.")
	shot(t, w, "dashboard-phone-ticket-dialog")
	test.Tap(f.save)
	if len(w.Canvas().Overlays().List()) != 0 {
		t.Fatalf("the phone dialog stays open: %q", f.msg.Text)
	}
	got := v.current
	if got.Caller == nil || got.Caller.Name != "Jane Smith" || got.Device == "" || got.Tenant != r.tenant.ID {
		t.Fatalf("the phone ticket %+v", got.Ticket)
	}
	wantText(t, v.detail, "Phoned in by Jane Smith (call back on +27 21 555 0199); logged by Ann Botha from the call", "Jane Smith (requester)")
	if err := r.agent.StaffSyncOnce(context.Background(), r.user); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(r.hubTickets(), func(tk msp.Ticket) bool { return tk.ID == got.ID && tk.Caller != nil && tk.Caller.LoggedBy != "" }) {
		t.Error("the phone ticket did not reach the hub")
	}

	// The duplicate's requester reads it as merged, not gone.
	r.mustSync()
	_, tw := openTickets(t, r, again.ID)
	wantText(t, tw.Content(), "merged into "+TicketNumber(printer.ID)+", which reports the same problem",
		"Merged into "+TicketNumber(printer.ID)+", which reports the same problem: the work goes on there. Same printer")
	shot(t, tw, "tickets-merged-duplicate")
}
