//go:build linux || darwin

package app

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tandem/localapi"
	"tandem/msp"
)

// openDashboard opens the dashboard on the rig's agent with work run
// inline and the search debounce held until the test runs it.
func openDashboard(t *testing.T, r *rig) (*Dashboard, fyne.Window, *func()) {
	t.Helper()
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	pending := new(func())
	d := DashboardWindow(w, Env{Agent: r.client, Async: inline}, r.client)
	d.debounce = func(run func()) { *pending = run }
	w.Resize(fyne.NewSize(1280, 800))
	return d, w, pending
}

// view is what the dashboard shows for visibleText: the sign-in panel, or
// the header and the chosen tab (visibleText does not open tabs).
func view(d *Dashboard) fyne.CanvasObject {
	if !d.signedIn {
		return d.root
	}
	return container.NewVBox(d.mainBox.Objects[1], d.tabs.Selected().Content)
}

// userCode adds a staff user at the hub and returns their sign-in code.
func userCode(t *testing.T, r *rig, role msp.Role, name string) string {
	t.Helper()
	u, err := r.admin.AddUser(context.Background(), r.tenant.ID, role, name)
	if err != nil {
		t.Fatal(err)
	}
	return u.Code
}

// signIn types code into the sign-in panel, taps "Sign in", and waits for
// the first staff sync so the replica holds the tenant's tickets.
func signIn(t *testing.T, r *rig, d *Dashboard, code string) {
	t.Helper()
	test.Type(d.code, code)
	test.Tap(d.signInBtn)
	if !d.signedIn {
		t.Fatalf("not signed in; the panel says %q", d.codeMsg.Text)
	}
	staffSync(t, r)
	d.Reload()
}

func staffSync(t *testing.T, r *rig) {
	t.Helper()
	if err := r.agent.StaffSyncOnce(context.Background(), r.user); err != nil {
		t.Fatalf("staff sync: %v", err)
	}
}

// The sign-in panel refuses an empty and a wrong code beside the field,
// accepts a real one from the hub, shows the person and their
// organisation, and signing out returns to the panel with the replica gone.
func TestDashboardSignInAndOut(t *testing.T) {
	r := newRig(t)
	d, w, _ := openDashboard(t, r)
	if d.signedIn || !d.signInBox.Visible() || d.mainBox.Visible() {
		t.Fatal("the sign-in panel is not shown to someone not signed in")
	}
	wantText(t, view(d), "Sign in to the Tandem dashboard", "[Sign in]")
	shot(t, w, "dashboard-sign-in")

	test.Tap(d.signInBtn)
	if !d.codeMsg.failed() || !strings.Contains(d.codeMsg.Text, "Enter the sign-in code") {
		t.Errorf("an empty code: %q", d.codeMsg.Text)
	}
	test.Type(d.code, "NOT-A-REAL-CODE")
	test.Tap(d.signInBtn)
	if d.signedIn || !d.codeMsg.failed() {
		t.Fatalf("a wrong code was accepted or not explained: %q", d.codeMsg.Text)
	}
	wrong := d.codeMsg.Text
	if !strings.Contains(wrong, "This code was not accepted") {
		t.Errorf("a wrong code is explained as %q", wrong)
	}
	if d.code.Text != "NOT-A-REAL-CODE" {
		t.Error("the wrong code was cleared; the person cannot correct a typo")
	}
	shot(t, w, "dashboard-sign-in-wrong-code")
	d.code.SetText("")

	code := userCode(t, r, msp.RoleITLead, "Sipho Dlamini")
	signIn(t, r, d, code)
	if !d.mainBox.Visible() || d.signInBox.Visible() {
		t.Fatal("the dashboard is not shown after signing in")
	}
	if d.codeMsg.failed() {
		t.Errorf("the old problem %q is still shown", wrong)
	}
	wantText(t, view(d), "Sipho Dlamini · IT lead", "Demo Accounting", "[Sign out]", "Last synced with the hub")
	if w.Title() != "Dashboard — Sipho Dlamini — Tandem" {
		t.Errorf("title %q", w.Title())
	}

	test.Tap(d.signOutBtn)
	if d.signedIn || !d.signInBox.Visible() {
		t.Fatal("signing out did not return to the sign-in panel")
	}
	if _, err := r.client.Session(context.Background()); !notSignedIn(err) {
		t.Errorf("the agent still has a session after sign-out: %v", err)
	}
	wantNoText(t, view(d), "Sipho Dlamini")
}

// raiseIn raises a ticket of the given pillar as the device's user.
func raiseIn(t *testing.T, r *rig, title string, p msp.Pillar, cat string, impact msp.Level) localapi.TicketView {
	t.Helper()
	tv, err := r.client.Raise(context.Background(), localapi.NewTicket{Title: title, Description: "Reported at the front desk.",
		Pillar: p, Category: cat, Impact: impact, Urgency: msp.LevelMedium})
	if err != nil {
		t.Fatal(err)
	}
	return tv
}

func rowTitles(v *ticketsTab) []string {
	var out []string
	for _, r := range v.rows {
		out = append(out, r.Title)
	}
	slices.Sort(out)
	return out
}

// The queue shows the organisation's tickets; the search box answers once
// typing pauses (not per key), and the status, owner and pillar filters
// narrow the list.
func TestDashboardTicketFilters(t *testing.T) {
	r := newRig(t)
	raiseIn(t, r, "Printer on floor 2 jams", msp.PillarHelpdesk, "printing", msp.LevelLow)
	raiseIn(t, r, "Outlook keeps asking for the password", msp.PillarMicrosoft365, "email-calendar", msp.LevelMedium)
	raiseIn(t, r, "Wi-Fi drops in the boardroom", msp.PillarNetwork, "wifi", msp.LevelHigh)
	r.mustSync()

	d, w, pending := openDashboard(t, r)
	signIn(t, r, d, userCode(t, r, msp.RoleITLead, "Sipho Dlamini"))
	shot(t, w, "dashboard-overview")
	if got := d.overview.ov.Open; got != 3 {
		t.Errorf("the overview counts %d open tickets, want 3", got)
	}
	wantText(t, view(d), "3 open tickets")

	d.tabs.SelectIndex(1)
	v := d.tickets
	if want := []string{"Outlook keeps asking for the password", "Printer on floor 2 jams", "Wi-Fi drops in the boardroom"}; !slices.Equal(rowTitles(v), want) {
		t.Fatalf("the queue shows %q, want %q", rowTitles(v), want)
	}
	wantText(t, view(d), "3 tickets")
	if v.cols.widths[colOrg] != 0 {
		t.Error("an IT lead of one organisation sees an organisation column")
	}

	*pending = nil
	test.Type(v.search, "print")
	if *pending == nil {
		t.Fatal("typing did not schedule a search")
	}
	if len(v.rows) != 3 {
		t.Error("the list changed before typing paused")
	}
	(*pending)()
	if want := []string{"Printer on floor 2 jams"}; !slices.Equal(rowTitles(v), want) {
		t.Fatalf("search \"print\" shows %q", rowTitles(v))
	}
	wantText(t, view(d), "1 ticket")
	v.search.SetText("nothing-matches-this")
	(*pending)()
	wantText(t, view(d), "No tickets match these filters.")
	v.search.SetText("")
	(*pending)()

	v.pillar.SetSelected(msp.PillarNetwork.Name())
	if want := []string{"Wi-Fi drops in the boardroom"}; !slices.Equal(rowTitles(v), want) {
		t.Fatalf("pillar network shows %q", rowTitles(v))
	}
	v.pillar.SetSelectedIndex(0)
	if len(v.rows) != 3 {
		t.Fatalf("all pillars shows %d tickets", len(v.rows))
	}

	// owner: every ticket is with someone; the filters for the parties add up to all
	n := 0
	for i := 1; i < len(v.owner.Options); i++ {
		v.owner.SetSelectedIndex(i)
		for _, row := range v.rows {
			if string(row.Owner) != ownerFilterValues[i] {
				t.Errorf("owner filter %q shows a ticket with %q", v.owner.Options[i], row.Owner)
			}
		}
		n += len(v.rows)
	}
	if n != 3 {
		t.Errorf("the owner filters show %d tickets together, want 3", n)
	}
	v.owner.SetSelectedIndex(0)

	v.status.SetSelected(capitalise(msp.StatusResolved.Label()))
	if len(v.rows) != 0 {
		t.Errorf("status resolved shows %d tickets", len(v.rows))
	}
	v.status.SetSelectedIndex(0)
	if len(v.rows) != 3 {
		t.Errorf("back to open: %d tickets", len(v.rows))
	}
	v.list.Select(0)
	shot(t, w, "dashboard-tickets")
}

func hubTicket(t *testing.T, r *rig, id string) msp.Ticket {
	t.Helper()
	for _, h := range r.hubTickets() {
		if h.ID == id {
			return h
		}
	}
	t.Fatalf("ticket %s is not at the hub", id)
	return msp.Ticket{}
}

// An IT lead hands a ticket to internal IT, escalates it to the MSP with a
// hand-off note (refused without one), adds an internal note and replies;
// each change reaches the hub, the internal ones marked internal, and the
// requester's "My tickets" never shows the internal ones.
func TestDashboardAssignEscalateNoteReply(t *testing.T) {
	r := newRig(t)
	tk := raiseIn(t, r, "Server room is beeping", msp.PillarMonitoring, msp.CategoryOther, msp.LevelHigh)
	r.mustSync()
	d, w, _ := openDashboard(t, r)
	signIn(t, r, d, userCode(t, r, msp.RoleITLead, "Sipho Dlamini"))
	d.OpenTicket(tk.ID)
	v := d.tickets
	if v.selected != tk.ID || !v.detail.Visible() {
		t.Fatal("OpenTicket did not show the ticket")
	}
	wantText(t, view(d), TicketNumber(tk.ID)+"  Server room is beeping", "Reported at the front desk.")

	// whoever has it now, give it to internal IT first (when it is not already)
	if v.current.Owner != msp.PartyInternal {
		if !v.handBack.Visible() {
			t.Fatal("no way to hand a co-managed ticket to internal IT")
		}
		test.Tap(v.handBack)
		test.Tap(v.handGo) // the note is optional
		if v.current.Owner != msp.PartyInternal {
			t.Fatalf("after handing to internal IT the owner is %q", v.current.Owner)
		}
	}
	if v.handBack.Visible() || !v.escalate.Visible() {
		t.Error("a ticket with internal IT offers hand-to-internal, or no escalation")
	}

	test.Tap(v.escalate)
	if !v.handoff.Visible() {
		t.Fatal("escalate did not open the hand-off note")
	}
	test.Tap(v.handGo)
	if !v.handMsg.failed() || v.current.Owner == msp.PartyMSP {
		t.Fatalf("an escalation without a note went through or was not explained: %q", v.handMsg.Text)
	}
	test.Type(v.handNote, "UPS alarm; battery is 4 years old. Please send someone today.")
	shot(t, w, "dashboard-escalate")
	test.Tap(v.handGo)
	if v.handMsg.failed() {
		t.Fatalf("escalation failed: %s", v.handMsg.Text)
	}
	if v.current.Owner != msp.PartyMSP || v.handoff.Visible() {
		t.Fatalf("after escalating: owner %q, note box open %v", v.current.Owner, v.handoff.Visible())
	}
	if v.escalate.Visible() {
		t.Error("a ticket with the MSP still offers escalation")
	}

	test.Type(v.compose, "Checked the breaker: fine.")
	test.Tap(v.noteBtn)
	test.Type(v.compose, "Someone from IT support is on the way.")
	test.Tap(v.replyBtn)
	if v.composeMsg.failed() || v.compose.Text != "" {
		t.Fatalf("after the reply: %q, box %q", v.composeMsg.Text, v.compose.Text)
	}
	wantText(t, view(d), "Internal note · IT lead", "not shown to the requester", "Checked the breaker: fine.",
		"Someone from IT support is on the way.")
	shot(t, w, "dashboard-ticket-detail")
	test.Tap(v.replyBtn) // empty
	if !v.composeMsg.failed() {
		t.Error("an empty reply is not explained")
	}

	staffSync(t, r)
	h := hubTicket(t, r, tk.ID)
	if h.Owner != msp.PartyMSP {
		t.Errorf("the hub has owner %q", h.Owner)
	}
	var handoff, internal, reply bool
	for _, c := range h.Comments {
		switch {
		case strings.Contains(c.Body, "UPS alarm"):
			handoff = c.Internal && c.Role == msp.RoleITLead
		case c.Body == "Checked the breaker: fine.":
			internal = c.Internal
		case c.Body == "Someone from IT support is on the way.":
			reply = !c.Internal
		}
	}
	if !handoff || !internal || !reply {
		t.Errorf("at the hub: hand-off note internal %v, internal note %v, reply public %v; comments %+v", handoff, internal, reply, h.Comments)
	}

	// the requester's window shows the reply and none of the internal notes
	r.mustSync()
	got := agentTicket(t, r, tk.ID)
	for _, c := range got.Comments {
		if c.Internal {
			t.Errorf("the requester's copy holds an internal note: %q", c.Body)
		}
	}

	test.Tap(v.resolveBtn)
	if v.current.Status != msp.StatusResolved {
		t.Fatalf("after resolve the status is %q", v.current.Status)
	}
	staffSync(t, r)
	if h := hubTicket(t, r, tk.ID); h.Status != msp.StatusResolved {
		t.Errorf("the hub has status %q", h.Status)
	}
	// resolved tickets leave the open queue
	for _, row := range v.rows {
		if row.ID == tk.ID {
			t.Error("a resolved ticket is still in the open queue")
		}
	}
}

// Changes made while the hub is away are kept, the banner says so, and
// they reach the hub when it is back.
func TestDashboardOfflineChangeQueues(t *testing.T) {
	r := newRig(t)
	tk := raiseIn(t, r, "Scanner not sending email", msp.PillarHelpdesk, "printing", msp.LevelLow)
	r.mustSync()
	d, w, _ := openDashboard(t, r)
	signIn(t, r, d, userCode(t, r, msp.RoleITLead, "Sipho Dlamini"))
	r.stopHub()
	if err := r.agent.StaffSyncOnce(context.Background(), r.user); err == nil {
		t.Fatal("a sync with the hub stopped worked")
	}
	d.OpenTicket(tk.ID)
	v := d.tickets
	test.Type(v.compose, "Looking at it after lunch.")
	test.Tap(v.noteBtn)
	if v.composeMsg.failed() {
		t.Fatalf("an offline note failed: %s", v.composeMsg.Text)
	}
	d.Reload()
	if !d.banner.Visible() || !strings.Contains(d.bannerMsg.Text, "cannot reach the hub") || !strings.Contains(d.bannerMsg.Text, "1 change waiting") {
		t.Errorf("offline banner: visible %v, %q", d.banner.Visible(), d.bannerMsg.Text)
	}
	if !v.undeliv.Visible() {
		t.Error("the ticket does not say the change is not sent yet")
	}
	shot(t, w, "dashboard-offline")

	r.startHub()
	staffSync(t, r)
	found := false
	for _, c := range hubTicket(t, r, tk.ID).Comments {
		found = found || (c.Body == "Looking at it after lunch." && c.Internal)
	}
	if !found {
		t.Error("the note made offline did not reach the hub")
	}
	d.Reload()
	if d.banner.Visible() {
		t.Errorf("the banner stays after the queue drained: %q", d.bannerMsg.Text)
	}
}

// The wording of the SLA column is staff's, not the requester's.
func TestStaffSLAWords(t *testing.T) {
	paused := localapi.StaffTicket{SLAText: "paused: waiting for you"}
	paused.SLA.State = msp.SLAPaused
	if got := staffSLAWords(paused); got != "Paused: waiting on the requester" {
		t.Errorf("paused: %q", got)
	}
	due := localapi.StaffTicket{SLAText: "first response due by 14:30"}
	if got := staffSLAWords(due); got != "First response due by 14:30" {
		t.Errorf("due: %q", got)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	late := localapi.StaffTicket{SLAText: "first response breached 5 min ago", Due: now.Add(-5 * time.Minute)}
	late.Status = msp.StatusOpen
	if _, imp := slaCell(late, now); imp != widget.DangerImportance {
		t.Errorf("importance %v", imp)
	}
}

// The banner keeps the agent's words of a sync failure and drops the
// HTTP client's detail.
func TestPlainError(t *testing.T) {
	in := `pushing 1 of your changes: the hub at https://hub.example:8443 cannot be reached: Post "https://hub.example:8443/v1/push": dial tcp 10.0.0.1:8443: connect: connection refused`
	if got, want := plainError(in), "pushing 1 of your changes: the hub at https://hub.example:8443 cannot be reached"; got != want {
		t.Errorf("plainError = %q, want %q", got, want)
	}
	if got := plainError("the hub refused the sign-in."); got != "the hub refused the sign-in" {
		t.Errorf("plainError = %q", got)
	}
}
