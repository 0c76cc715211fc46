//go:build linux || darwin

package app

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tandem/msp"
)

// matrixRowText is what the Responsibilities table shows for the row of f.
func matrixRowText(t *testing.T, d *Dashboard, name string) string {
	t.Helper()
	for _, o := range d.matrix.rows.Objects {
		if s := visibleText(o); strings.Contains(s, name) {
			return s
		}
	}
	t.Fatalf("no row %q in the table:\n%s", name, visibleText(d.matrix.rows))
	return ""
}

// The IT lead changes who owns tier-1 helpdesk while the hub is down: the
// table shows it at once as not sent, the hub gets it on return, routes by
// it, and the history names the IT lead with the reason. The IT lead is
// told only the MSP switches the mode. A technician then switches to fully
// managed; the matrix stays. A technician's edit made on a stale view is
// refused by the hub, shown in red with what to do, and dismissed.
func TestDashboardResponsibilities(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	d, w, _ := openDashboard(t, r)
	signIn(t, r, d, userCode(t, r, msp.RoleITLead, "Sipho Dlamini"))
	d.tabs.SelectIndex(3)
	provider := r.tenant.MSPName()
	wantText(t, view(d), "Co-managed service", "Helpdesk tier 1", "Only "+provider+" can switch the service mode",
		"Nothing has been changed since the matrix was agreed")
	if d.matrix.modeBtn.Visible() {
		t.Error("the IT lead is offered to switch the service mode")
	}
	if row := matrixRowText(t, d, "Helpdesk tier 1"); !strings.Contains(row, "Internal IT") || !strings.Contains(row, "as first agreed") {
		t.Errorf("tier 1 row: %q", row)
	}
	shot(t, w, "dashboard-responsibilities")

	r.stopHub()
	d.matrix.EditRow(msp.FuncHelpdeskTier1)
	if !d.matrix.editBox.Visible() {
		t.Fatal("Change… did not open the editor")
	}
	d.matrix.business.SetSelected(provider)
	test.Type(d.matrix.noteEntry, "Sipho on leave until March")
	test.Type(d.matrix.reason, "Leave cover")
	shot(t, w, "dashboard-responsibilities-edit")
	test.Tap(d.matrix.saveBtn)
	if d.matrix.editBox.Visible() {
		t.Fatalf("the editor stayed open: %q", d.matrix.editMsg.Text)
	}
	row := matrixRowText(t, d, "Helpdesk tier 1")
	if !strings.Contains(row, "Not sent yet") || strings.Contains(row, "Internal IT") || !strings.Contains(row, "Agreed: Sipho on leave until March") {
		t.Errorf("tier 1 row after the offline edit: %q", row)
	}

	r.startHub()
	staffSync(t, r)
	d.matrix.reload()
	tn, err := r.admin.Tenant(ctx, r.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := tn.Matrix.Lookup(msp.FuncHelpdeskTier1); got.BusinessHours != msp.PartyMSP || got.Note != "Sipho on leave until March" {
		t.Fatalf("tier 1 on the hub: %+v", got)
	}
	wantText(t, d.matrix.history, "Sipho Dlamini (IT lead)", "Helpdesk tier 1: business hours from Internal IT to "+provider+"; agreed: “Sipho on leave until March”.", "Why: Leave cover")
	if row := matrixRowText(t, d, "Helpdesk tier 1"); strings.Contains(row, "Not sent yet") || !strings.Contains(row, "Sipho Dlamini") {
		t.Errorf("tier 1 row after delivery: %q", row)
	}

	// A technician on this computer.
	d.SignOut()
	signIn(t, r, d, userCode(t, r, msp.RoleTechnician, "Sam Naidoo"))
	d.tabs.SelectIndex(3)
	if !d.matrix.modeBtn.Visible() || d.matrix.modeBtn.Text != "Switch to fully managed…" {
		t.Fatalf("the technician's mode button: visible %v, %q", d.matrix.modeBtn.Visible(), d.matrix.modeBtn.Text)
	}

	// The operator changes tier 2 at the hub; the technician, not synced
	// yet, changes it too from the old view.
	tn.Matrix, err = tn.Matrix.With(msp.FuncHelpdeskTier2, msp.PartyInternal, msp.PartyInternal)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.admin.UpdateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	d.matrix.EditRow(msp.FuncHelpdeskTier2)
	d.matrix.after.SetSelected("Shared")
	test.Tap(d.matrix.saveBtn)
	staffSync(t, r)
	d.matrix.reload()
	wantText(t, d.matrix.refused, "Your change of Helpdesk tier 2 was not applied", "was changed meanwhile", "look again")
	if row := matrixRowText(t, d, "Helpdesk tier 2"); strings.Contains(row, "Shared") || strings.Contains(row, "Not sent yet") {
		t.Errorf("tier 2 row after the refusal shows the refused change: %q", row)
	}
	shot(t, w, "dashboard-responsibilities-refused")
	dismiss := findButton(t, d.matrix.refused, "Dismiss")
	test.Tap(dismiss)
	if n := len(d.matrix.refused.Objects); n != 0 {
		t.Errorf("%d refusals still shown after Dismiss", n)
	}

	// The technician switches to fully managed; the table stays.
	test.Tap(d.matrix.modeBtn)
	test.Type(d.matrix.reason, "New contract from December")
	test.Tap(d.matrix.saveBtn)
	wantText(t, view(d), "Fully managed service", "kept as agreed") // "· not sent yet" until the staff loop sends it
	staffSync(t, r)
	d.matrix.reload()
	wantText(t, d.matrix.history, "Sam Naidoo (Technician)", "Switched the service from co-managed to fully managed.", "Why: New contract from December")
	if row := matrixRowText(t, d, "Helpdesk tier 1"); !strings.Contains(row, "Sipho on leave until March") {
		t.Errorf("the switch lost the agreed tier 1 note: %q", row)
	}
	if tn, err = r.admin.Tenant(ctx, r.tenant.ID); err != nil || tn.Mode != msp.ModeFullyManaged {
		t.Fatalf("mode on the hub: %v, %v", tn.Mode, err)
	}
}

// findButton returns the button labelled text inside o.
func findButton(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Button:
			if x.Text == text && found == nil {
				found = x
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	if found == nil {
		t.Fatalf("no button %q in:\n%s", text, visibleText(o))
	}
	return found
}
