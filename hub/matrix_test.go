package hub_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

// matrixPush pushes one matrix edit as a signed-in person and returns the
// hub's result for it.
func matrixPush(tb testing.TB, conn *client.Conn, seq uint64, e msp.MatrixEdit) protocol.Result {
	tb.Helper()
	if e.ID == "" {
		e.ID = msp.NewID()
	}
	resp, err := conn.Push(context.Background(), []protocol.Mutation{{Seq: seq, Kind: protocol.KindMatrix, Matrix: &e}})
	if err != nil {
		tb.Fatalf("matrix push: %v", err)
	}
	if len(resp.Results) != 1 {
		tb.Fatalf("matrix push results = %+v, want one", resp.Results)
	}
	return resp.Results[0]
}

// pullHistory pulls the tenant's feed as conn and returns the last
// responsibilities history in it (nil if none came) and the tenant.
func pullHistory(tb testing.TB, conn *client.Conn, tenant string) ([]msp.MatrixEvent, *msp.Tenant) {
	tb.Helper()
	var h []msp.MatrixEvent
	var t *msp.Tenant
	var cursor uint64
	for {
		page, err := conn.PullTenant(context.Background(), tenant, cursor, 100)
		if err != nil {
			tb.Fatal(err)
		}
		for _, c := range page.Changes {
			switch c.Kind {
			case protocol.ChangeResponsibilities:
				h = c.History
			case protocol.ChangeTenant:
				t = c.Tenant
			}
		}
		cursor = page.Cursor
		if !page.More {
			return h, t
		}
	}
}

// The responsibility matrix is live data that signed-in staff change
// through their outbox: an IT lead's row edit is applied and routes the
// next ticket; the history names who changed what for staff and is never
// sent to devices; a stale edit is refused as a conflict; only the MSP's
// technician switches the service mode, and the switch keeps the matrix.
func TestMatrixEditsBySignedInStaff(t *testing.T) {
	ctx := context.Background()
	o := startOpsHub(t)
	o.clock.Set(time.Date(2026, 11, 23, 10, 0, 0, 0, jhb(t))) // a Monday morning
	tn := o.tenant(t, "Karoo Logistics", msp.ModeCoManaged)
	other := o.tenant(t, "Other Ltd", msp.ModeCoManaged)
	dev := o.enroll(t, tn.ID, "pc-0042")
	lead := o.staff(t, dev, tn.ID, msp.RoleITLead)
	tech := o.staff(t, dev, tn.ID, msp.RoleTechnician)

	base, _ := tn.Matrix.Lookup(msp.FuncHelpdeskTier1) // internal IT in the day, MSP after hours
	row := msp.Responsibility{Function: msp.FuncHelpdeskTier1, BusinessHours: msp.PartyMSP, AfterHours: msp.PartyMSP, Note: "Our IT lead is on leave until March"}
	if r := matrixPush(t, lead, 1, msp.MatrixEdit{Tenant: tn.ID, Row: &row, Base: &base, Reason: "leave cover"}); r.Outcome != protocol.Applied {
		t.Fatalf("IT lead's edit: %+v", r)
	}
	got, err := o.admin.Tenant(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := got.Matrix.Lookup(msp.FuncHelpdeskTier1); r != row {
		t.Fatalf("row on the hub = %+v, want %+v", r, row)
	}
	// The next printing ticket in business hours goes to the MSP now.
	tk := draft("Printer jams")
	tk.Pillar, tk.Category = msp.PillarHelpdesk, "printing"
	wantResults(t, dev.push(t, createM(dev.next(), tk)), 1, protocol.Applied)
	if owner := o.ticket(t, tn.ID, tk.ID).Owner; owner != msp.PartyMSP {
		t.Fatalf("ticket after the edit went to %s, want the MSP", owner)
	}

	// Staff pull the history with the tenant; the device pulls the tenant
	// but not the history.
	h, pulled := pullHistory(t, tech, tn.ID)
	if len(h) != 1 || h[0].ByName != "Staff it-lead" || h[0].ByRole != msp.RoleITLead || h[0].Reason != "leave cover" || *h[0].After != row {
		t.Fatalf("history = %+v", h)
	}
	if r, _ := pulled.Matrix.Lookup(msp.FuncHelpdeskTier1); r != row {
		t.Fatalf("pulled tenant row = %+v", r)
	}
	for _, c := range dev.pullAll(t, 100) {
		if c.Kind == protocol.ChangeResponsibilities || len(c.History) > 0 {
			t.Fatal("a device pulled the responsibilities history")
		}
	}

	// The technician edits from the view before the IT lead's change: refused, with what the row is now.
	stale := msp.Responsibility{Function: msp.FuncHelpdeskTier1, BusinessHours: msp.PartyShared, AfterHours: msp.PartyMSP}
	r := matrixPush(t, tech, 1, msp.MatrixEdit{Tenant: tn.ID, Row: &stale, Base: &base})
	if r.Outcome != protocol.Rejected || r.Error == nil || !strings.Contains(r.Error.Message, "the MSP at all hours") {
		t.Fatalf("stale edit: %+v", r)
	}

	// The IT lead may not switch the mode; the technician may, and the matrix stays.
	switchTo := msp.MatrixEdit{Tenant: tn.ID, Mode: msp.ModeFullyManaged, BaseMode: msp.ModeCoManaged, Reason: "new contract from December"}
	if r := matrixPush(t, lead, 2, switchTo); r.Outcome != protocol.Rejected || !strings.Contains(r.Error.Message, "changes the contract") {
		t.Fatalf("IT lead switching the mode: %+v", r)
	}
	if r := matrixPush(t, tech, 2, switchTo); r.Outcome != protocol.Applied {
		t.Fatalf("technician switching the mode: %+v", r)
	}
	got, err = o.admin.Tenant(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Mode != msp.ModeFullyManaged {
		t.Fatalf("mode = %s", got.Mode)
	}
	if r, _ := got.Matrix.Lookup(msp.FuncHelpdeskTier1); r != row {
		t.Fatal("the mode switch lost the agreed matrix")
	}

	// Another organisation's matrix is out of scope; a device cannot edit.
	ob, _ := other.Matrix.Lookup(msp.FuncNetwork)
	orow := ob
	orow.AfterHours = msp.PartyInternal
	if r := matrixPush(t, lead, 3, msp.MatrixEdit{Tenant: other.ID, Row: &orow, Base: &ob}); r.Outcome != protocol.Rejected || !strings.Contains(r.Error.Message, "not in your scope") {
		t.Fatalf("edit of another organisation: %+v", r)
	}
	e := msp.MatrixEdit{ID: msp.NewID(), Tenant: tn.ID, Row: &orow, Base: &ob}
	resp := dev.push(t, protocol.Mutation{Seq: dev.next(), Kind: protocol.KindMatrix, Matrix: &e})
	if len(resp.Results) != 1 || resp.Results[0].Outcome != protocol.Rejected {
		t.Fatalf("device edit: %+v", resp.Results)
	}

	// The operator's change through the admin API is in the history too.
	got.Matrix, err = got.Matrix.With(msp.FuncProjects, msp.PartyShared, msp.PartyShared)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.admin.UpdateTenant(ctx, got); err != nil {
		t.Fatal(err)
	}
	h, _ = pullHistory(t, lead, tn.ID)
	if len(h) != 3 {
		t.Fatalf("history has %d entries, want 3: %+v", len(h), h)
	}
	if h[1].ModeAfter != msp.ModeFullyManaged || h[1].ByRole != msp.RoleTechnician {
		t.Fatalf("mode switch entry = %+v", h[1])
	}
	if h[2].By != msp.OperatorID || h[2].Function != msp.FuncProjects {
		t.Fatalf("operator entry = %+v", h[2])
	}
}
