//go:build linux || darwin

package app

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"tandem/msp"
)

// smallScreen is the smallest screen the windows are made for (1280×720),
// less a title bar and a panel.
var smallScreen = fyne.NewSize(1280, 720-70)

// TestDashboardFitsSmallScreen: on every tab, with a technician's
// all-organisations queue and a ticket open, the dashboard needs no more
// than a 1280×720 screen, and the queue's titles keep room to be read.
func TestDashboardFitsSmallScreen(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	tk := raiseIn(t, r, "Outlook keeps asking for my password after the update", msp.PillarMicrosoft365, "sign-in", msp.LevelLow)
	r.mustSync()
	u, err := r.admin.AddUser(ctx, r.tenant.ID, msp.RoleTechnician, "Sam Naidoo")
	if err != nil {
		t.Fatal(err)
	}
	other, err := r.admin.CreateTenant(ctx, "Fynbos Dental", msp.ModeFullyManaged, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.admin.SetScope(ctx, u.User.ID, []string{r.tenant.ID, other.ID}); err != nil {
		t.Fatal(err)
	}
	d, w, _ := openDashboard(t, r)
	signIn(t, r, d, u.Code)
	w.Resize(fyne.NewSize(1280, 650))
	d.tabs.SelectIndex(1)
	d.tickets.show(tk.ID)
	for i := range d.tabs.Items {
		d.tabs.SelectIndex(i)
		min := w.Content().MinSize()
		t.Logf("%s: min %v", d.tabs.Items[i].Text, min)
		if min.Width > smallScreen.Width || min.Height > smallScreen.Height {
			t.Errorf("the %s tab needs %.0f×%.0f, more than a 1280×720 screen gives", d.tabs.Items[i].Text, min.Width, min.Height)
		}
	}
	d.tabs.SelectIndex(1)
	// Nine columns across organisations, beside a ticket: the title keeps
	// about 25 characters at 1280 px.
	if got := d.tickets.cols.flexWidth(d.tickets.list.Size().Width); got < 200 {
		t.Errorf("a ticket title gets %.0f px of a 1280 px window, want at least 200 (about 25 characters)", got)
	}
	if d.tickets.cols.widths[colUpdated] != 0 {
		t.Error("sorted by SLA due, the queue still gives room to the Updated column")
	}
	d.tickets.sort.SetSelectedIndex(1)
	if d.tickets.cols.widths[colUpdated] == 0 || !d.tickets.header.Objects[colUpdated].Visible() {
		t.Error("sorted by updated, the queue hides the Updated column")
	}
	if h := d.tickets.header.Objects[colSLA].(*widget.Label).Text; h != "SLA (SAST)" {
		t.Errorf("the SLA column's header is %q, want it to name the organisations' zone", h)
	}
}

// Due times are said in the organisation's zone, labelled, with the
// viewer's clock beside them where their zone differs.
func TestDueClockZones(t *testing.T) {
	jhb, err := time.LoadLocation("Africa/Johannesburg")
	if err != nil {
		t.Fatal(err)
	}
	ldn, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC) // a Tuesday
	due := now.Add(3 * time.Hour)
	for _, c := range []struct {
		z    zones
		long bool
		want string
	}{
		{zones{jhb, jhb, false}, true, "13:00 SAST"},
		{zones{jhb, ldn, false}, false, "13:00 SAST"},
		{zones{jhb, ldn, true}, false, "13:00"}, // the header names the zone
		{zones{jhb, ldn, true}, true, "13:00 SAST (11:00 GMT for you)"},
	} {
		if got := dueClock(due, now, c.z, c.long); got != c.want {
			t.Errorf("dueClock(%v, %v, long %v) = %q, want %q", c.z.tenant, c.z.viewer, c.long, got, c.want)
		}
	}
	if got := dueClock(now.Add(50*time.Hour), now, zones{jhb, jhb, false}, false); got != "Thu 12:00 SAST" {
		t.Errorf("later this week: %q", got)
	}
}
