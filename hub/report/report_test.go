package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tandem/msp"
)

var sast = mustZone("Africa/Johannesburg")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func at(month time.Month, day, hour, min int) time.Time {
	return time.Date(2026, month, day, hour, min, 0, 0, sast)
}

func reply(role msp.Role, when time.Time, internal bool) msp.Comment {
	return msp.Comment{ID: "c" + when.Format("0102150405"), Author: "someone", Role: role, Body: "On it.", Internal: internal, CreatedAt: when}
}

func ticket(id string, p msp.Priority, pillar msp.Pillar, owner msp.Party, requester string, created time.Time, cs ...msp.Comment) *msp.Ticket {
	return &msp.Ticket{ID: id, Tenant: "acme", Requester: requester, Title: "Problem " + id, Pillar: pillar,
		Priority: p, Status: msp.StatusOpen, Owner: owner, CreatedAt: created, UpdatedAt: created, Comments: cs}
}

func resolved(t *msp.Ticket, when time.Time) *msp.Ticket {
	t.Status, t.ResolvedAt = msp.StatusResolved, when
	return t
}

// fixture is a November 2026 with known answers (see TestBuild).
func fixture() Input {
	tenant := msp.NewTenant("acme", "Acme Attorneys", msp.ModeCoManaged)
	tenant.PricePerUser = msp.Money{Minor: 15000, Currency: "ZAR"}
	tenant.Branding = msp.Branding{Name: "Blue Fern IT", SupportPhone: "+27 21 555 0100", SupportEmail: "help@bluefern.example"}
	tickets := []*msp.Ticket{
		// P1, 24/7, 1 h: answered in 30 min (met), resolved after 2 h.
		resolved(ticket("t1", msp.P1, msp.PillarSecurity, msp.PartyMSP, "alice", at(11, 3, 10, 0), reply(msp.RoleTechnician, at(11, 3, 10, 30), false)), at(11, 3, 12, 0)),
		// P1: answered after 2.5 h (late), resolved after 4 h, all at night.
		resolved(ticket("t2", msp.P1, msp.PillarNetwork, msp.PartyMSP, "bob", at(11, 4, 22, 0), reply(msp.RoleTechnician, at(11, 5, 0, 30), false)), at(11, 5, 2, 0)),
		// P3, 8 business hours: answered in 3 h by the IT lead (met).
		ticket("t3", msp.P3, msp.PillarHelpdesk, msp.PartyInternal, "Alice", at(11, 9, 9, 0), reply(msp.RoleITLead, at(11, 9, 12, 0), false)),
		// P3: never answered (late by the report).
		ticket("t4", msp.P3, msp.PillarHelpdesk, msp.PartyInternal, "carol", at(11, 10, 9, 0)),
		// P2, 4 business hours: raised late on the 30th, only an internal note: still waiting.
		ticket("t5", msp.P2, msp.PillarMicrosoft365, msp.PartyShared, "system", at(11, 30, 16, 0), reply(msp.RoleITLead, at(11, 30, 16, 10), true)),
		// P3: answered in 1 h (met).
		ticket("t8", msp.P3, msp.PillarHelpdesk, msp.PartyMSP, "dave", at(11, 11, 9, 0), reply(msp.RoleTechnician, at(11, 11, 10, 0), false)),
		// Raised in October, resolved in November after 5 days (27 business hours).
		resolved(ticket("t6", msp.P4, msp.PillarBackup, msp.PartyMSP, "erin", at(10, 28, 10, 0)), at(11, 2, 10, 0)),
	}
	alert := ticket("a1", msp.P3, msp.PillarSecurity, msp.PartyMSP, "hub-alerts", at(11, 25, 0, 0))
	alert.Alert = &msp.AlertRef{Condition: ConditionPatch, Key: "d3/" + ConditionPatch}
	tickets = append(tickets, alert) // counted under alerts (given below), not as a ticket
	other := ticket("t7", msp.P1, msp.PillarSecurity, msp.PartyMSP, "zed", at(11, 5, 10, 0))
	other.Tenant = "other"
	tickets = append(tickets, other)

	inv := &msp.Inventory{Patches: msp.PatchState{RebootRequired: true, Pending: []msp.Patch{
		{Name: "openssl", Security: true}, {Name: "curl", Security: true}, {Name: "vim"},
	}}}
	people := []msp.Person{
		{ID: "p1", Tenant: "acme", Name: "Alice Adams", Email: "alice@acme.example", Phone: "+27 82 555 0101", Accounts: []msp.PersonAccount{{Device: "pc-1", Account: "alice"}}},
		{ID: "p2", Tenant: "acme", Name: "Bob Botha", Email: "bob@acme.example", Accounts: []msp.PersonAccount{{Device: "d2", Account: "bob"}}},
		{ID: "p3", Tenant: "acme", Name: "Carol Cele", Phone: "+27 82 555 0103", Accounts: []msp.PersonAccount{{Device: "pc-4", Account: "carol"}}},
		{ID: "p4", Tenant: "acme", Name: "Dave Dube"},
	}
	return Input{
		Tenant:  tenant,
		People:  people,
		Month:   at(11, 15, 12, 0),
		Now:     at(12, 1, 8, 30),
		Tickets: tickets,
		Devices: []Device{
			{ID: "d1", Hostname: "pc-1", EnrolledAt: at(10, 1, 9, 0), LastSeen: at(11, 30, 23, 0)},
			{ID: "d2", Hostname: "pc-2", EnrolledAt: at(10, 1, 9, 0), LastSeen: at(11, 20, 9, 0)},
			{ID: "d3", Hostname: "pc-3", EnrolledAt: at(11, 15, 10, 0), LastSeen: at(11, 30, 22, 0), Inventory: inv},
			{ID: "d4", Hostname: "pc-4", EnrolledAt: at(10, 1, 9, 0), Revoked: true},
		},
		Alerts: []Alert{
			{Device: "d1", Condition: ConditionPatch, OpenedAt: at(11, 3, 0, 0), ResolvedAt: at(11, 12, 0, 0)},
			{Device: "d2", Condition: "device-silent", OpenedAt: at(11, 21, 9, 0)},
			{Device: "d3", Condition: ConditionPatch, OpenedAt: at(11, 25, 0, 0)},
			{Device: "d1", Condition: "disk-full", OpenedAt: at(10, 20, 0, 0), ResolvedAt: at(10, 21, 0, 0)},
		},
	}
}

func TestBuild(t *testing.T) {
	r, err := Build(fixture())
	if err != nil {
		t.Fatal(err)
	}
	type sla struct{ tickets, met, breached, pending int }
	want := []sla{{2, 1, 1, 0}, {1, 0, 0, 1}, {3, 2, 1, 0}, {0, 0, 0, 0}}
	for i, w := range want {
		got := r.SLA[i]
		if (sla{got.Tickets, got.Met, got.Breached, got.Pending}) != w {
			t.Errorf("SLA %s = %+v, want %+v", got.Label, got, w)
		}
	}
	if got := r.SLA[0].PercentText(); got != "50.0%" {
		t.Errorf("P1 attainment = %s, want 50.0%%", got)
	}
	if got := r.SLA[2].PercentText(); got != "66.7%" {
		t.Errorf("P3 attainment = %s, want 66.7%%", got)
	}
	if got := r.SLA[3].PercentText(); got != "–" {
		t.Errorf("P4 attainment = %s, want – (no tickets)", got)
	}
	if got := r.SLAOverall.PercentText(); got != "60.0%" {
		t.Errorf("overall attainment = %s, want 60.0%%", got)
	}
	if r.Opened != 6 || r.Resolved != 3 || r.OpenAtEnd != 4 {
		t.Errorf("opened %d resolved %d open at end %d, want 6 3 4", r.Opened, r.Resolved, r.OpenAtEnd)
	}
	if r.MTTR != 42*time.Hour || r.MTTRBusiness != 9*time.Hour+40*time.Minute || r.MTTRCount != 3 {
		t.Errorf("MTTR %s (business %s) over %d, want 42h (9h40m) over 3", r.MTTR, r.MTTRBusiness, r.MTTRCount)
	}
	counts := func(cs []Count) map[string]int {
		m := map[string]int{}
		for _, c := range cs {
			m[c.Key] = c.N
		}
		return m
	}
	if got := counts(r.ByPillar); got["helpdesk"] != 3 || got["security"] != 1 || got["network"] != 1 || got["microsoft-365"] != 1 || got["backup"] != 0 || len(r.ByPillar) != 7 {
		t.Errorf("by pillar = %v", r.ByPillar)
	}
	if got := counts(r.ByOwner); got["msp"] != 3 || got["internal"] != 2 || got["shared"] != 1 {
		t.Errorf("by owner = %v", r.ByOwner)
	}
	if r.ByOwner[0].Label != "Blue Fern IT" {
		t.Errorf("MSP owner label = %q, want the MSP's name", r.ByOwner[0].Label)
	}
	if r.Devices != 3 || r.Silent != 1 || r.SecurityPendingNow != 1 || r.RebootPendingNow != 1 {
		t.Errorf("devices %d silent %d security %d reboot %d, want 3 1 1 1", r.Devices, r.Silent, r.SecurityPendingNow, r.RebootPendingNow)
	}
	type wk struct {
		label              string
		devices, compliant int
	}
	wantWeeks := []wk{{"1–7 Nov", 2, 1}, {"8–14 Nov", 2, 2}, {"15–21 Nov", 3, 3}, {"22–28 Nov", 3, 2}, {"29–30 Nov", 3, 2}}
	if len(r.Patch) != len(wantWeeks) {
		t.Fatalf("patch weeks = %+v", r.Patch)
	}
	for i, w := range wantWeeks {
		if got := r.Patch[i]; (wk{got.Label, got.Devices, got.Compliant}) != w {
			t.Errorf("week %d = %+v, want %+v", i, got, w)
		}
	}
	if r.AlertsTotal != 3 || counts(r.Alerts)[ConditionPatch] != 2 || counts(r.Alerts)["device-silent"] != 1 {
		t.Errorf("alerts = %d %v, want 3: 2 patch, 1 silent", r.AlertsTotal, r.Alerts)
	}
	if len(r.Late) != 2 || r.Late[0].ID != "t2" || r.Late[0].OverText() != "1 h 30 min" || r.Late[1].ID != "t4" || !r.Late[1].RespondedAt.IsZero() {
		t.Errorf("late tickets = %+v, want t2 (1 h 30 min late) and t4 (unanswered)", r.Late)
	} else if got := r.Late[1].OverText(); !strings.HasSuffix(got, " business hours") {
		t.Errorf("t4 over target by %q, want business hours", got)
	}
	if r.Users != 4 || r.BillingText() != "R600.00 excl. VAT" {
		t.Errorf("billing = %d users, %s; want 4 users, R600.00 excl. VAT", r.Users, r.BillingText())
	}
}

func TestBuildUsersOnRecord(t *testing.T) {
	in := fixture()
	in.Users, in.UsersSource = 3, "licensed users"
	r, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if r.BillingText() != "R450.00 excl. VAT" || r.UsersSource != "licensed users" {
		t.Errorf("billing = %s (%s), want R450.00 excl. VAT (licensed users)", r.BillingText(), r.UsersSource)
	}
}

func TestBuildRefuses(t *testing.T) {
	in := fixture()
	in.Now = at(10, 5, 0, 0) // before November
	if _, err := Build(in); err == nil {
		t.Error("a report on a month that has not begun was built")
	}
	in = fixture()
	in.Tenant.ID = ""
	if _, err := Build(in); err == nil {
		t.Error("a report without a tenant was built")
	}
}

func TestHTML(t *testing.T) {
	r, err := Build(fixture())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{
		`id="sla-overall">60.0%`, `id="opened">6<`, `id="mttr">1 day 18 h<`, `id="devices">3<`,
		`id="patch">67%<`, `id="alerts">3<`, `R600.00 excl. VAT`, "Acme Attorneys", "Blue Fern IT",
		"November 2026", "<svg", "66.7%", "Security updates overdue", "29–30 Nov", "Problem t4", "none yet",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, bad := range []string{"http://", "https://", "<script", "<link"} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML is not self-contained: it has %q", bad)
		}
	}
	keep(t, "report.html", b.Bytes())
}

func TestPDF(t *testing.T) {
	in := fixture()
	in.Tenant.Branding.LogoPNG = testLogo(t)
	r, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WritePDF(&b, r); err != nil {
		t.Fatal(err)
	}
	checkPDF(t, b.Bytes(), 2) // the month, then the bill with its 4 people
	keep(t, "report.pdf", b.Bytes())
}

// keep writes an output to $TANDEM_REPORT_OUT when it is set, to look at.
func keep(t *testing.T, name string, data []byte) {
	dir := os.Getenv("TANDEM_REPORT_OUT")
	if dir == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPDFWorstCase fills every list to its longest and checks the page
// still holds it.
func TestPDFWorstCase(t *testing.T) {
	in := fixture()
	in.Tenant.Name = "The Very Long Name Of A Firm Of Attorneys, Notaries And Conveyancers (Pty) Ltd"
	in.Tenant.Branding.Name = "Blue Fern Managed IT Services And Consulting"
	in.Tenant.Branding.LogoPNG = testLogo(t)
	for i := range 12 {
		tk := ticket(fmt.Sprintf("late%02d", i), msp.P1, msp.Pillar("legacy-pillar"), msp.PartyShared, fmt.Sprintf("user%d", i), at(11, 2+i, 20, 0))
		tk.Title = strings.Repeat("Everything is broken and nobody answers ", 5)
		in.Tickets = append(in.Tickets, tk)
	}
	for _, c := range []string{"disk-full", "restart-pending", "posture", "some-new-condition"} {
		in.Alerts = append(in.Alerts, Alert{Device: "d1", Condition: c, OpenedAt: at(11, 5, 0, 0)})
	}
	r, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Late) != 14 || len(r.ByPillar) != 8 || len(r.Alerts) != 6 {
		t.Fatalf("the worst case is not: %d late, %d pillars, %d alert kinds", len(r.Late), len(r.ByPillar), len(r.Alerts))
	}
	var b bytes.Buffer
	if err := WritePDF(&b, r); err != nil {
		t.Fatal(err)
	}
	checkPDF(t, b.Bytes(), 2)
	keep(t, "worst.pdf", b.Bytes())
}
