package agent_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"tandem/localapi"
	"tandem/msp"
)

// rowIn returns the row of f in the dashboard's answer.
func rowIn(t *testing.T, r localapi.Responsibilities, f msp.Function) localapi.MatrixRow {
	t.Helper()
	for _, row := range r.Rows {
		if row.Function == f {
			return row
		}
	}
	t.Fatalf("no row for %s in %+v", f, r.Rows)
	return localapi.MatrixRow{}
}

// The matrix in the dashboard works offline like tickets: the IT lead's
// edit shows at once as not sent, survives the hub being down, reaches the
// hub, and comes back in the history. A technician on another computer
// who edits the same row from the old view gets a visible refusal that
// says what the row is now, which they can dismiss. The IT lead may not
// switch the mode; the technician may, and the matrix stays.
func TestStaffMatrixEditsOfflineConflictAndHistory(t *testing.T) {
	ctx := context.Background()
	f := setUp(t, msp.ModeCoManaged)
	if _, err := f.agent.StaffSignIn(ctx, "sipho", signInCode(t, f, msp.RoleITLead, "Sipho Dlamini")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.StaffSignIn(ctx, "sam", signInCode(t, f, msp.RoleTechnician, "Sam Naidoo")); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"sipho", "sam"} {
		if err := f.agent.StaffSyncOnce(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	before, err := f.agent.StaffResponsibilities("sipho", "")
	if err != nil {
		t.Fatal(err)
	}
	if !before.CanEdit || before.CanSwitchMode || before.Mode != msp.ModeCoManaged || len(before.Rows) != len(msp.Functions()) || len(before.History) != 0 {
		t.Fatalf("the IT lead's first view: %+v", before)
	}
	tier1 := rowIn(t, before, msp.FuncHelpdeskTier1)
	if tier1.BusinessHours != msp.PartyInternal || tier1.Name != "Helpdesk tier 1" {
		t.Fatalf("tier 1 row: %+v", tier1)
	}

	// Offline, the IT lead hands tier 1 to the MSP while on leave.
	f.hub.stop()
	leave := msp.Responsibility{Function: msp.FuncHelpdeskTier1, BusinessHours: msp.PartyMSP, AfterHours: msp.PartyMSP, Note: "Sipho on leave until March"}
	after, err := f.agent.StaffMatrixEdit(ctx, "sipho", msp.MatrixEdit{Row: &leave, Reason: "leave cover"})
	if err != nil {
		t.Fatal(err)
	}
	if r := rowIn(t, after, msp.FuncHelpdeskTier1); r.Responsibility != leave || !r.Pending {
		t.Fatalf("the edited row before sending: %+v", r)
	}
	// The technician, on the same old view, edits the same row.
	stale := msp.Responsibility{Function: msp.FuncHelpdeskTier1, BusinessHours: msp.PartyShared, AfterHours: msp.PartyMSP}
	base := tier1.Responsibility
	if _, err := f.agent.StaffMatrixEdit(ctx, "sam", msp.MatrixEdit{Row: &stale, Base: &base}); err != nil {
		t.Fatal(err)
	}
	// The IT lead may not switch the mode, even offline.
	if _, err := f.agent.StaffMatrixEdit(ctx, "sipho", msp.MatrixEdit{Mode: msp.ModeFullyManaged}); !errors.Is(err, msp.ErrForbidden) {
		t.Fatalf("IT lead switching the mode: %v, want forbidden", err)
	}
	// A base that is not what this computer shows is refused at once.
	network := rowIn(t, before, msp.FuncNetwork).Responsibility
	notShown := network
	notShown.BusinessHours = msp.PartyInternal
	wanted := network
	wanted.AfterHours = msp.PartyInternal
	if _, err := f.agent.StaffMatrixEdit(ctx, "sipho", msp.MatrixEdit{Row: &wanted, Base: &notShown}); !errors.Is(err, msp.ErrConflict) {
		t.Fatalf("a base this computer does not show: %v, want a conflict", err)
	}

	startHub(t, f.hub.dir, f.hub.listen)
	if err := f.agent.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	got, err := f.admin.Tenant(ctx, f.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := got.Matrix.Lookup(msp.FuncHelpdeskTier1); r != leave {
		t.Fatalf("tier 1 on the hub: %+v, want %+v", r, leave)
	}
	now, err := f.agent.StaffResponsibilities("sipho", "")
	if err != nil {
		t.Fatal(err)
	}
	if r := rowIn(t, now, msp.FuncHelpdeskTier1); r.Pending || r.ChangedBy != "Sipho Dlamini" || r.ChangedAt.IsZero() {
		t.Fatalf("tier 1 after delivery: %+v", r)
	}
	if len(now.History) != 1 || now.History[0].Reason != "leave cover" {
		t.Fatalf("history after delivery: %+v", now.History)
	}

	// The technician's stale edit is refused; their view says why and
	// shows the row as the hub has it.
	if err := f.agent.StaffSyncOnce(ctx, "sam"); err != nil {
		t.Fatal(err)
	}
	sam, err := f.agent.StaffResponsibilities("sam", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(sam.Refused) != 1 || !sam.Refused[0].Conflicted || !strings.Contains(sam.Refused[0].Reason, "the MSP at all hours") {
		t.Fatalf("the technician's refused edit: %+v", sam.Refused)
	}
	if r := rowIn(t, sam, msp.FuncHelpdeskTier1); r.Responsibility != leave || r.Pending {
		t.Fatalf("the technician's row after the refusal: %+v", r)
	}
	if err := f.agent.StaffDismissRefused(ctx, "sam", sam.Refused[0].Seq); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.StaffDismissRefused(ctx, "sam", sam.Refused[0].Seq); !errors.Is(err, msp.ErrNotFound) {
		t.Fatalf("dismissing twice: %v, want not found", err)
	}

	// The technician switches to fully managed; the agreed row stays.
	sw, err := f.agent.StaffMatrixEdit(ctx, "sam", msp.MatrixEdit{Mode: msp.ModeFullyManaged, Reason: "new contract"})
	if err != nil {
		t.Fatal(err)
	}
	if sw.Mode != msp.ModeFullyManaged || !sw.ModePending || len(sw.Refused) != 0 {
		t.Fatalf("after the switch: mode %s pending %v refused %d", sw.Mode, sw.ModePending, len(sw.Refused))
	}
	if err := f.agent.StaffSyncOnce(ctx, "sam"); err != nil {
		t.Fatal(err)
	}
	sw, err = f.agent.StaffResponsibilities("sam", "")
	if err != nil {
		t.Fatal(err)
	}
	if sw.ModePending || sw.Mode != msp.ModeFullyManaged || len(sw.History) != 2 || sw.History[0].ModeAfter != msp.ModeFullyManaged {
		t.Fatalf("after delivery of the switch: %+v", sw)
	}
	if r := rowIn(t, sw, msp.FuncHelpdeskTier1); r.Responsibility != leave {
		t.Fatalf("the switch changed tier 1: %+v", r)
	}

	// Nobody else on this computer reads the matrix.
	if _, err := f.agent.StaffResponsibilities("thandi", ""); !errors.Is(err, localapi.ErrNotSignedIn) {
		t.Fatalf("another OS user: %v", err)
	}
}
