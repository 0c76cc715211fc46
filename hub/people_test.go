package hub_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"tandem/hub"
	"tandem/localdb"
	"tandem/msp"
	"tandem/sync/protocol"
)

// The organisation's people reach its signed-in staff through the pull,
// removals too, and reach neither its devices nor another tenant's staff.
func TestPeopleReachStaffOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	b := h.tenant(t, "Bolt", msp.ModeCoManaged)
	da, db := h.enroll(t, a.ID, "acme-pc"), h.enroll(t, b.ID, "bolt-pc")
	add := func(tenant, name, account string) msp.Person {
		t.Helper()
		resp, err := h.admin.AddPeople(ctx, tenant, []hub.PersonInput{{Name: name, Email: strings.ToLower(strings.Fields(name)[0]) + "@example.co.za",
			Phone: "+27 82 555 0101", Accounts: []msp.PersonAccount{{Device: account[:strings.IndexByte(account, ':')], Account: account[strings.IndexByte(account, ':')+1:]}}}}, false)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Added != 1 || len(resp.People) != 1 {
			t.Fatalf("AddPeople = %+v", resp)
		}
		return resp.People[0]
	}
	thandi := add(a.ID, "Thandi Nkosi", "acme-pc:thandi")
	add(b.ID, "Bongani Zulu", "bolt-pc:bongani")

	lead := func(tenant string, d *testDevice) string {
		u, err := h.admin.AddUser(ctx, tenant, msp.RoleITLead, "Lead")
		if err != nil {
			t.Fatal(err)
		}
		si, err := d.conn.SignIn(ctx, u.Code)
		if err != nil {
			t.Fatal(err)
		}
		return si.Token
	}
	people := func(changes []protocol.Change) (got map[string]string, removed []string) {
		got = map[string]string{}
		for _, c := range changes {
			if c.Kind != protocol.ChangePerson {
				continue
			}
			if c.Person == nil {
				removed = append(removed, c.PersonID)
			} else {
				got[c.Person.ID] = c.Person.Name + " " + c.Person.Phone
			}
		}
		return got, removed
	}
	connA := staffConnTo(t, h, lead(a.ID, da))
	page, err := connA.PullTenant(ctx, a.ID, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := people(page.Changes)
	if len(got) != 1 || got[thandi.ID] != "Thandi Nkosi +27 82 555 0101" {
		t.Errorf("A's IT lead pulled people %v; want Thandi alone", got)
	}
	connB := staffConnTo(t, h, lead(b.ID, db))
	pageB, err := connB.PullTenant(ctx, b.ID, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	if gotB, _ := people(pageB.Changes); len(gotB) != 1 || gotB[thandi.ID] != "" {
		t.Errorf("B's IT lead pulled people %v; want B's one, never A's", gotB)
	}
	if _, err := connB.PullTenant(ctx, a.ID, 0, 500); err == nil {
		t.Error("B's IT lead pulled tenant A")
	}
	if got, _ := people(da.pullAll(t, 500)); len(got) != 0 {
		t.Errorf("A's device pulled people %v; names and numbers are for staff", got)
	}

	if _, err := h.admin.RemovePerson(ctx, b.ID, thandi.ID); httpStatus(err) != 404 {
		t.Errorf("removing A's person through tenant B: %v, want 404", err)
	}
	if _, err := h.admin.RemovePerson(ctx, a.ID, thandi.ID); err != nil {
		t.Fatal(err)
	}
	page2, err := connA.PullTenant(ctx, a.ID, page.Cursor, 500)
	if err != nil {
		t.Fatal(err)
	}
	if got, removed := people(page2.Changes); len(got) != 0 || len(removed) != 1 || removed[0] != thandi.ID {
		t.Errorf("after the removal the pull has people %v, removed %v; want Thandi's removal", got, removed)
	}
}

// An add of several people stores all or none: one wrong person (named by
// their line) stores nobody.
func TestAddPeopleAllOrNone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	_, err := h.admin.AddPeople(ctx, a.ID, []hub.PersonInput{
		{Line: 2, Name: "Thandi Nkosi", Phone: "+27 82 555 0101"},
		{Line: 3, Name: "Sipho", Phone: "call me"},
	}, true)
	if err == nil || !strings.Contains(err.Error(), "line 3 (Sipho)") || !strings.Contains(err.Error(), "phone") {
		t.Errorf("a wrong phone: %v", err)
	}
	if ps, err := h.admin.People(ctx, a.ID); err != nil || len(ps) != 0 {
		t.Errorf("after a refused add: %d people, %v; want none", len(ps), err)
	}
	if _, err := h.admin.AddPeople(ctx, "no-such-tenant", []hub.PersonInput{{Name: "X"}}, false); httpStatus(err) != 404 {
		t.Errorf("an unknown tenant: %v, want 404", err)
	}
	if _, err := h.admin.People(ctx, "no-such-tenant"); httpStatus(err) != 404 {
		t.Errorf("listing an unknown tenant: %v, want 404", err)
	}
}

// The largest import (msp.MaxPeople people) fits in the one transaction
// that makes it all or nothing, on the store as tandem-hub serve opens it.
func TestAddPeopleLargestImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, _ := startHubWith(t, t.TempDir(), hub.Config{Profile: localdb.Server})
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	people := make([]hub.PersonInput, msp.MaxPeople)
	for i := range people {
		people[i] = hub.PersonInput{Line: i + 2, Name: fmt.Sprintf("Person %04d with a fairly long name", i), Email: fmt.Sprintf("person%04d@acme.example.co.za", i),
			Phone: "+27 82 555 0101", Accounts: []msp.PersonAccount{{Device: fmt.Sprintf("acme-pc-%04d", i), Account: fmt.Sprintf("ACME\\person%04d", i)}}}
	}
	resp, err := h.admin.AddPeople(ctx, a.ID, people, true)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Added != msp.MaxPeople {
		t.Errorf("added %d, want %d", resp.Added, msp.MaxPeople)
	}
	// Imported again: every one updated, nobody twice.
	if resp, err = h.admin.AddPeople(ctx, a.ID, people, true); err != nil || resp.Updated != msp.MaxPeople || resp.Added != 0 {
		t.Errorf("the same file again: %+v, %v", resp.Added, err)
	}
	if _, err := h.admin.AddPeople(ctx, a.ID, []hub.PersonInput{{Name: "One too many"}}, false); err == nil || !strings.Contains(err.Error(), "at most 5000") {
		t.Errorf("a person beyond the cap: %v", err)
	}
}
