//go:build linux || darwin

package app

import (
	"context"
	"slices"
	"testing"

	"fyne.io/fyne/v2/test"

	"tandem/msp"
)

// A technician who serves two organisations: the picker offers "All
// organisations" and each by name, the queue gains an organisation
// column with every organisation's tickets, choosing one narrows every
// tab to it, and the Responsibilities tab asks for an organisation when
// all are chosen. The second organisation arrives while the technician
// stays signed in (tandem-hub user scope), as an MSP adds a customer.
func TestDashboardSeveralOrganisations(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	raiseIn(t, r, "Printer on floor 2 jams", msp.PillarHelpdesk, "printing", msp.LevelLow)
	r.mustSync()
	u, err := r.admin.AddUser(ctx, r.tenant.ID, msp.RoleTechnician, "Sam Naidoo")
	if err != nil {
		t.Fatal(err)
	}
	d, w, _ := openDashboard(t, r)
	signIn(t, r, d, u.Code)
	if d.orgSelect.Visible() {
		t.Fatal("a technician of one organisation is offered an organisation picker")
	}

	other, err := r.admin.CreateTenant(ctx, "Fynbos Dental", msp.ModeFullyManaged, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.admin.SetScope(ctx, u.User.ID, []string{r.tenant.ID, other.ID}); err != nil {
		t.Fatal(err)
	}
	staffSync(t, r)
	d.Reload()
	if !d.orgSelect.Visible() || !slices.Equal(d.orgSelect.Options, []string{allOrgs, r.tenant.Name, "Fynbos Dental"}) {
		t.Fatalf("the picker: visible %v, options %q", d.orgSelect.Visible(), d.orgSelect.Options)
	}
	if d.orgSelect.Selected != allOrgs {
		t.Errorf("the picker starts at %q, want %q", d.orgSelect.Selected, allOrgs)
	}

	d.tabs.SelectIndex(1)
	v := d.tickets
	if v.cols.widths[colOrg] == 0 {
		t.Error("with all organisations chosen the queue has no organisation column")
	}
	if len(v.rows) != 1 || v.rows[0].TenantName != r.tenant.Name {
		t.Fatalf("all organisations: %+v", rowTitles(v))
	}
	wantText(t, view(d), r.tenant.Name)
	shot(t, w, "dashboard-several-organisations")

	d.orgSelect.SetSelected("Fynbos Dental")
	if d.tenant != other.ID || len(v.rows) != 0 {
		t.Fatalf("Fynbos Dental chosen: tenant %q, %d tickets", d.tenant, len(v.rows))
	}
	if v.cols.widths[colOrg] != 0 {
		t.Error("one organisation chosen, the organisation column is still shown")
	}

	d.orgSelect.SetSelected(allOrgs)
	d.tabs.SelectIndex(4)
	service := d.tabs.Items[4].Content.(*serviceTab)
	if !service.choose.Visible() {
		t.Error("the Service tab does not ask for an organisation with all chosen")
	}
	wantText(t, service.choose, "Choose one", "Fynbos Dental (fully managed)")
	d.tabs.SelectIndex(3)
	if !d.matrix.choose.Visible() || d.matrix.body.Visible() {
		t.Error("the Responsibilities tab shows a matrix with all organisations chosen")
	}
	test.Tap(findButton(t, d.matrix.choose, "Fynbos Dental (fully managed)"))
	if d.tenant != other.ID || d.orgSelect.Selected != "Fynbos Dental" {
		t.Fatalf("the chooser's button chose %q", d.tenant)
	}
	wantText(t, view(d), "Fully managed service", "Switch to co-managed…")
	if d.matrix.resp.Tenant.ID != other.ID {
		t.Errorf("the matrix shown is of %q, want Fynbos Dental", d.matrix.resp.Tenant.Name)
	}
}
