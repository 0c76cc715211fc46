//go:build linux || darwin

package app

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2/test"

	"tandem/localapi"
	"tandem/msp"
)

// A queue longer than a page shows the first 200 and offers the rest;
// "Show 5 more" appends them, and a refresh of the same list keeps them.
func TestDashboardShowMore(t *testing.T) {
	r := newRig(t)
	const n = localapi.DefaultTicketLimit + 5
	for i := range n {
		raiseIn(t, r, fmt.Sprintf("Printer %d jams", i), msp.PillarHelpdesk, "printing", msp.LevelLow)
		if i%100 == 99 {
			r.mustSync()
		}
	}
	r.mustSync()
	d, _, _ := openDashboard(t, r)
	signIn(t, r, d, userCode(t, r, msp.RoleITLead, "Sipho Dlamini"))
	d.tabs.SelectIndex(1)
	v := d.tickets
	if len(v.rows) != localapi.DefaultTicketLimit || !v.more.Visible() || v.more.Text != "Show 5 more" {
		t.Fatalf("first page: %d rows, more visible %v %q", len(v.rows), v.more.Visible(), v.more.Text)
	}
	wantText(t, view(d), fmt.Sprintf("showing %d of %d", localapi.DefaultTicketLimit, n))
	test.Tap(v.more)
	if len(v.rows) != n || v.more.Visible() {
		t.Fatalf("after Show more: %d rows, more visible %v", len(v.rows), v.more.Visible())
	}
	wantText(t, view(d), fmt.Sprintf("%d tickets", n))
	seen := map[string]bool{}
	for _, row := range v.rows {
		if seen[row.ID] {
			t.Fatalf("ticket %s listed twice", row.ID)
		}
		seen[row.ID] = true
	}
	v.reload()
	if len(v.rows) != n {
		t.Fatalf("a refresh of the same list shows %d rows, want the %d shown", len(v.rows), n)
	}
	v.search.SetText("Printer 203")
	v.reload()
	if len(v.rows) != 1 || v.more.Visible() {
		t.Fatalf("a new search: %d rows, more visible %v", len(v.rows), v.more.Visible())
	}
}
