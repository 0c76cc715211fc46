package agent_test

import (
	"context"
	"encoding/hex"
	"errors"
	"testing"

	"tandem/localapi"
	"tandem/localdb"
	"tandem/msp"
)

// The operator gives a signed-in technician a second organisation and
// later takes the first away. The technician stays signed in: at the next
// sync the session lists the new organisation and its settings are there,
// and after the removal the first organisation's tickets are gone from
// this computer.
func TestStaffScopeFollowsTheHub(t *testing.T) {
	ctx := context.Background()
	f := setUp(t, msp.ModeCoManaged)
	if _, err := f.agent.Submit(ctx, "thandi", newTicket("Printer on the first floor shows offline")); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.SyncOnce(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	u, err := f.admin.AddUser(ctx, f.tenant.ID, msp.RoleTechnician, "Sam Naidoo")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.StaffSignIn(ctx, "sam", u.Code); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.StaffSyncOnce(ctx, "sam"); err != nil {
		t.Fatal(err)
	}
	if page, err := f.agent.StaffTickets("sam", localapi.TicketQuery{}); err != nil || page.Total != 1 {
		t.Fatalf("before: %d tickets, %v", page.Total, err)
	}

	other, err := f.admin.CreateTenant(ctx, "Fynbos Dental", msp.ModeFullyManaged, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.admin.SetScope(ctx, u.User.ID, []string{f.tenant.ID, other.ID}); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.StaffSyncOnce(ctx, "sam"); err != nil {
		t.Fatal(err)
	}
	ss, err := f.agent.StaffSession("sam")
	if err != nil {
		t.Fatal(err)
	}
	if len(ss.Tenants) != 2 || ss.Tenants[1].Name != "Fynbos Dental" || ss.Tenants[1].Mode != msp.ModeFullyManaged {
		t.Fatalf("session after the scope grew: %+v", ss.Tenants)
	}
	if r, err := f.agent.StaffResponsibilities("sam", other.ID); err != nil || r.Tenant.Name != "Fynbos Dental" {
		t.Fatalf("the new organisation's matrix: %+v, %v", r.Tenant, err)
	}

	if _, err := f.admin.SetScope(ctx, u.User.ID, []string{other.ID}); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.StaffSyncOnce(ctx, "sam"); err != nil {
		t.Fatal(err)
	}
	ss, err = f.agent.StaffSession("sam")
	if err != nil {
		t.Fatal(err)
	}
	if len(ss.Tenants) != 1 || ss.Tenants[0].ID != other.ID {
		t.Fatalf("session after the first organisation was taken away: %+v", ss.Tenants)
	}
	page, err := f.agent.StaffTickets("sam", localapi.TicketQuery{Status: localapi.StatusFilterAll})
	if err != nil || page.Total != 0 {
		t.Fatalf("after removal: %d tickets, %v; want none of the removed organisation", page.Total, err)
	}
	if _, err := f.agent.StaffResponsibilities("sam", f.tenant.ID); err == nil {
		t.Fatal("the removed organisation's matrix is still readable")
	}
	// Nothing of the removed organisation is left in the store.
	if n := countKeys(t, f, "sam", "ticket/"); n != 0 {
		t.Fatalf("%d ticket keys left after the organisation was removed", n)
	}
}

// countKeys counts the keys of the OS user's replica under name.
func countKeys(t *testing.T, f *fixture, user, name string) int {
	t.Helper()
	n := 0
	err := f.agent.DB().View(func(tx *localdb.Tx) error {
		var err error
		n, err = tx.Count([]byte("staff/" + hex.EncodeToString([]byte(user)) + "/" + name))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Signing out while online first delivers the person's queued changes;
// while offline it removes them (the window warned) and does not hang.
func TestStaffSignOutSendsQueuedChangesFirst(t *testing.T) {
	ctx := context.Background()
	f, tk := leadWithTicket(t, "Teams keeps logging me out")
	note := func(body string) {
		t.Helper()
		if _, err := f.agent.StaffChange(ctx, "sipho", tk.TicketID, msp.Change{Kind: msp.ChangeComment, Comment: &msp.Comment{Body: body, Internal: true}}); err != nil {
			t.Fatal(err)
		}
	}
	note("Reset the Teams cache; watching it.")
	if err := f.agent.StaffSignOut(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	if !hasComment(hubTickets(t, f)[0], "Reset the Teams cache; watching it.", true) {
		t.Fatal("the note queued before sign-out did not reach the hub")
	}

	if _, err := f.agent.StaffSignIn(ctx, "sipho", signInCode(t, f, msp.RoleITLead, "Sipho Dlamini")); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	f.hub.stop()
	note("Written offline.")
	if err := f.agent.StaffSignOut(ctx, "sipho"); err != nil {
		t.Fatalf("sign-out while offline: %v", err)
	}
	if _, err := f.agent.StaffSession("sipho"); !errors.Is(err, localapi.ErrNotSignedIn) {
		t.Fatalf("after sign-out offline: %v", err)
	}
}

// The overview's SLA figure counts a first response made in time as met:
// the hub drops a ticket's response due time once it is answered in time,
// so the replica must not need it.
func TestStaffOverviewCountsResponsesInTime(t *testing.T) {
	ctx := context.Background()
	f, tk := leadWithTicket(t, "Teams keeps logging me out")
	if _, err := f.agent.StaffChange(ctx, "sipho", tk.TicketID, msp.Change{Kind: msp.ChangeComment, Comment: &msp.Comment{Body: "Looking at it now."}}); err != nil {
		t.Fatal(err)
	}
	if err := f.agent.StaffSyncOnce(ctx, "sipho"); err != nil {
		t.Fatal(err)
	}
	got, err := f.agent.StaffTicket("sipho", tk.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if got.SLA.RespondedAt.IsZero() || !got.SLA.ResponseDue.IsZero() {
		t.Fatalf("the hub's clock after an answer in time: %+v", got.SLA)
	}
	ov, err := f.agent.StaffOverview("sipho", "")
	if err != nil {
		t.Fatal(err)
	}
	if ov.SLAMet != 1 || ov.SLADecided != 1 {
		t.Fatalf("overview SLA: %d of %d on time, want 1 of 1", ov.SLAMet, ov.SLADecided)
	}
}
