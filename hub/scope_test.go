package hub_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"tandem/msp"
	"tandem/sync/protocol"
)

// The operator gives a signed-in technician a second organisation and
// takes the first away: the same credential's session follows at once,
// pulls of the new one work and of the old one are refused. An IT lead
// keeps exactly one organisation; unknown tenants and people are refused
// in words; a device has no session.
func TestScopeChangesWhileSignedIn(t *testing.T) {
	ctx := context.Background()
	o := startOpsHub(t)
	t1, t2 := o.tenant(t, "Karoo Logistics", msp.ModeCoManaged), o.tenant(t, "Fynbos Dental", msp.ModeFullyManaged)
	dev := o.enroll(t, t1.ID, "pc-0042")
	u, err := o.admin.AddUser(ctx, t1.ID, msp.RoleTechnician, "Sam Naidoo")
	if err != nil {
		t.Fatal(err)
	}
	si, err := dev.conn.SignIn(ctx, u.Code)
	if err != nil {
		t.Fatal(err)
	}
	tech := o.staffConn(t, si.Token)
	s, err := tech.Session(ctx)
	if err != nil || s.UserID != u.User.ID || s.Role != msp.RoleTechnician || !slices.Equal(s.Tenants, []string{t1.ID}) {
		t.Fatalf("session before: %+v, %v", s, err)
	}
	if _, err := tech.PullTenant(ctx, t2.ID, 0, 10); httpStatus(err) != http.StatusNotFound {
		t.Fatalf("pull of an organisation out of scope: %v, want 404", err)
	}

	if _, err := o.admin.SetScope(ctx, u.User.ID, []string{t2.ID, " ", t1.ID, t2.ID}); err != nil {
		t.Fatal(err)
	}
	if s, err = tech.Session(ctx); err != nil || !slices.Equal(s.Tenants, []string{t2.ID, t1.ID}) {
		t.Fatalf("session after adding: %+v, %v", s, err)
	}
	if _, err := tech.PullTenant(ctx, t2.ID, 0, 10); err != nil {
		t.Fatalf("pull of the added organisation: %v", err)
	}
	if _, err := o.admin.SetScope(ctx, u.User.ID, []string{t2.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := tech.PullTenant(ctx, t1.ID, 0, 10); httpStatus(err) != http.StatusNotFound {
		t.Fatalf("pull of the removed organisation: %v, want 404", err)
	}

	lead, err := o.admin.AddUser(ctx, t1.ID, msp.RoleITLead, "Thandi")
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		id      string
		tenants []string
		status  int
	}{
		"IT lead with two":  {lead.User.ID, []string{t1.ID, t2.ID}, http.StatusBadRequest},
		"nobody":            {u.User.ID, []string{" "}, http.StatusBadRequest},
		"unknown tenant":    {u.User.ID, []string{"no-such-tenant"}, http.StatusBadRequest},
		"unknown person":    {"no-such-user", []string{t1.ID}, http.StatusNotFound},
		"IT lead moves org": {lead.User.ID, []string{t2.ID}, http.StatusOK},
	} {
		_, err := o.admin.SetScope(ctx, c.id, c.tenants)
		if got := httpStatus(err); got != c.status && !(c.status == http.StatusOK && err == nil) {
			t.Errorf("%s: %v, want %d", name, err, c.status)
		}
	}

	status, _, body := do(t, o.rawClient(t, dev), http.MethodGet, o.info.URL+protocol.PathSession, nil, nil)
	if status != http.StatusForbidden || body == nil || body.Code != protocol.CodeForbidden {
		t.Fatalf("a device asking for a session: %d %+v", status, body)
	}
}
