package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"tandem/hub"
	"tandem/msp"
)

// Run runs the conformance suite against stores made by open. open must
// return a new, empty store for each call; Run closes it at the end of the
// subtest (open may also register its own cleanup).
func Run(t *testing.T, open func(t *testing.T) hub.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s hub.Store)
	}{
		{"NotFound", testNotFound},
		{"RoundTrip", testRoundTrip},
		{"DeleteTokenAndSecret", testDelete},
		{"UpdateRollback", testRollback},
		{"ViewIsReadOnlySnapshot", testViewSeesCommitted},
		{"TenantIsolation", testTenantIsolation},
		{"TicketTenants", testTicketTenants},
		{"TicketsInIDOrder", testTicketsOrder},
		{"TicketsStopEarly", testTicketsStop},
		{"FeedOrder", testFeedOrder},
		{"FeedOncePerObject", testFeedOnce},
		{"FeedPaging", testFeedPaging},
		{"FeedPerTenant", testFeedPerTenant},
		{"DeviceFeed", testDeviceFeed},
		{"TenantStamp", testTenantStamp},
		{"DueTickets", testDueTickets},
		{"TicketsJSON", testTicketsJSON},
		{"DeviceFeedPaging", testDeviceFeedPaging},
		{"HighWaterPerClient", testHighWater},
		{"ConcurrentHighWater", testConcurrentHighWater},
		{"StreamMarksAndSeenChanges", testStreamMarks},
		{"CanceledContext", testCanceled},
		{"OpenTickets", testOpenTickets},
		{"HistoryAndAlerts", testHistoryAndAlerts},
		{"MatrixHistory", testMatrixHistory},
		{"EventQueue", testEventQueue},
		{"People", testPeople},
		{"AlertGroups", testAlertGroups},
		{"IteratorCallsStore", testIterCallsStore},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// t0 is a fixed time of the suite (a Monday morning in Johannesburg).
var t0 = time.Date(2025, 3, 3, 7, 0, 0, 0, time.UTC)

func update(t *testing.T, s hub.Store, fn func(tx hub.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, s hub.Store, fn func(tx hub.Tx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func tenant(name string) msp.Tenant {
	tn := msp.NewTenant(msp.NewID(), name, msp.ModeCoManaged)
	tn.Branding = msp.Branding{Name: "Helpdesk", SupportPhone: "+27 10 000 0000", SupportEmail: "help@example.co.za"}
	return tn
}

// ticket returns a valid stored ticket of tenant tn raised from device.
func ticket(tn, device, title string) *msp.Ticket {
	return &msp.Ticket{
		ID: msp.NewTicketID(), Tenant: tn, Device: device, Requester: "jane@" + device,
		Title: title, Pillar: msp.PillarHelpdesk, Category: "printing",
		Impact: msp.LevelMedium, Urgency: msp.LevelMedium, Priority: 3,
		Status: msp.StatusNew, Owner: msp.PartyMSP,
		CreatedAt: t0, UpdatedAt: t0, Revision: 1, TitleRevision: 1, DescriptionRevision: 1,
	}
}

func device(tn, host string) hub.Device {
	return hub.Device{
		Device:      msp.Device{ID: msp.NewID(), Tenant: tn, Hostname: host, OS: "Ubuntu 24.04", EnrolledAt: t0, LastSeen: t0},
		CertSerials: []string{"1a2b"}, CertExpires: t0.Add(90 * 24 * time.Hour),
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("%s: error = %v, want one wrapping hub.ErrNotFound", what, err)
	}
}

func testNotFound(t *testing.T, s hub.Store) {
	view(t, s, func(tx hub.Tx) error {
		_, err := tx.Tenant(msp.NewID())
		wantNotFound(t, "Tenant", err)
		_, err = tx.Token("00ff")
		wantNotFound(t, "Token", err)
		_, err = tx.Device(msp.NewID(), msp.NewID())
		wantNotFound(t, "Device", err)
		_, err = tx.Inventory(msp.NewID(), msp.NewID())
		wantNotFound(t, "Inventory", err)
		tk, err := tx.Ticket(msp.NewID(), msp.NewID())
		wantNotFound(t, "Ticket", err)
		if tk != nil {
			t.Errorf("Ticket of a missing id = %+v, want nil", tk)
		}
		_, err = tx.User(msp.NewID())
		wantNotFound(t, "User", err)
		_, err = tx.Secret("00ff")
		wantNotFound(t, "Secret", err)

		hw, err := highWater(tx, "device/"+msp.NewID())
		if err != nil || hw != 0 {
			t.Errorf("HighWater of a new client = %d, %v; want 0, nil", hw, err)
		}
		tenants, err := tx.Tenants()
		if err != nil || len(tenants) != 0 {
			t.Errorf("Tenants of an empty store = %v, %v; want none", tenants, err)
		}
		devices, err := tx.Devices(msp.NewID())
		if err != nil || len(devices) != 0 {
			t.Errorf("Devices of an unknown tenant = %v, %v; want none", devices, err)
		}
		entries, last, err := tx.Feed(msp.NewID(), 0, 10)
		if err != nil || len(entries) != 0 || last != 0 {
			t.Errorf("Feed of an unknown tenant = %v, last %d, %v; want nothing, 0", entries, last, err)
		}
		return nil
	})
}

func testRoundTrip(t *testing.T, s hub.Store) {
	tn := tenant("Acme")
	tok := hub.Token{Hash: "ab12", Tenant: tn.ID, ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}
	d := device(tn.ID, "pc-1")
	inv := msp.Inventory{Hostname: "pc-1"}
	tk := ticket(tn.ID, d.ID, "Printer jams")
	u := hub.User{ID: msp.NewID(), Name: "Thandi", Role: msp.RoleITLead, Tenants: []string{tn.ID}, CreatedAt: t0}
	sec := hub.Secret{Hash: "cd34", Kind: hub.SecretUserToken, User: u.ID, ExpiresAt: t0.Add(time.Hour)}
	update(t, s, func(tx hub.Tx) error {
		return errors.Join(tx.PutTenant(tn), tx.PutToken(tok), tx.PutDevice(d),
			tx.PutInventory(tn.ID, d.ID, inv), tx.PutTicket(tk), tx.PutUser(u), tx.PutSecret(sec))
	})
	view(t, s, func(tx hub.Tx) error {
		gotTn, err := tx.Tenant(tn.ID)
		if err != nil || gotTn.ID != tn.ID || gotTn.Name != tn.Name || gotTn.Mode != tn.Mode || gotTn.Branding.SupportEmail != tn.Branding.SupportEmail {
			t.Errorf("Tenant = %+v, %v; want %+v", gotTn, err, tn)
		}
		tenants, err := tx.Tenants()
		if err != nil || len(tenants) != 1 || tenants[0].ID != tn.ID {
			t.Errorf("Tenants = %v, %v; want the one tenant", tenants, err)
		}
		gotTok, err := tx.Token(tok.Hash)
		if err != nil || gotTok.Tenant != tok.Tenant || !gotTok.ExpiresAt.Equal(tok.ExpiresAt) {
			t.Errorf("Token = %+v, %v; want %+v", gotTok, err, tok)
		}
		gotD, err := tx.Device(tn.ID, d.ID)
		if err != nil || gotD.ID != d.ID || gotD.Hostname != d.Hostname || !slices.Equal(gotD.CertSerials, d.CertSerials) || !gotD.CertExpires.Equal(d.CertExpires) {
			t.Errorf("Device = %+v, %v; want %+v", gotD, err, d)
		}
		devices, err := tx.Devices(tn.ID)
		if err != nil || len(devices) != 1 || devices[0].ID != d.ID {
			t.Errorf("Devices = %v, %v; want the one device", devices, err)
		}
		gotInv, err := tx.Inventory(tn.ID, d.ID)
		if err != nil || gotInv.Hostname != "pc-1" {
			t.Errorf("Inventory = %+v, %v", gotInv, err)
		}
		gotTk, err := tx.Ticket(tn.ID, tk.ID)
		if err != nil || gotTk.ID != tk.ID || gotTk.Title != tk.Title || gotTk.Revision != tk.Revision || !gotTk.CreatedAt.Equal(tk.CreatedAt) {
			t.Errorf("Ticket = %+v, %v; want %+v", gotTk, err, tk)
		} else if err := gotTk.Validate(); err != nil {
			t.Errorf("the stored ticket no longer validates: %v", err)
		}
		gotU, err := tx.User(u.ID)
		if err != nil || gotU.Name != u.Name || gotU.Role != u.Role || !slices.Equal(gotU.Tenants, u.Tenants) {
			t.Errorf("User = %+v, %v; want %+v", gotU, err, u)
		}
		if us, err := tx.Users(); err != nil || len(us) != 1 || us[0].ID != u.ID || us[0].Name != u.Name {
			t.Errorf("Users = %+v, %v; want [%+v]", us, err, u)
		}
		gotSec, err := tx.Secret(sec.Hash)
		if err != nil || gotSec.User != u.ID || gotSec.Kind != sec.Kind {
			t.Errorf("Secret = %+v, %v; want %+v", gotSec, err, sec)
		}
		return nil
	})

	// A second Put replaces the first.
	tk2 := tk.Clone()
	tk2.Title, tk2.Revision = "Printer jams on floor 2", 2
	update(t, s, func(tx hub.Tx) error { return tx.PutTicket(tk2) })
	view(t, s, func(tx hub.Tx) error {
		got, err := tx.Ticket(tn.ID, tk.ID)
		if err != nil || got.Title != tk2.Title || got.Revision != 2 {
			t.Errorf("Ticket after a second put = %+v, %v; want title %q, revision 2", got, err, tk2.Title)
		}
		return nil
	})
}

func testDelete(t *testing.T, s hub.Store) {
	update(t, s, func(tx hub.Tx) error {
		return errors.Join(
			tx.PutToken(hub.Token{Hash: "aa", Tenant: "t", ExpiresAt: t0}),
			tx.PutSecret(hub.Secret{Hash: "bb", Kind: hub.SecretSignInCode, User: "u", ExpiresAt: t0}))
	})
	update(t, s, func(tx hub.Tx) error { return errors.Join(tx.DeleteToken("aa"), tx.DeleteSecret("bb")) })
	view(t, s, func(tx hub.Tx) error {
		_, err := tx.Token("aa")
		wantNotFound(t, "Token after DeleteToken", err)
		_, err = tx.Secret("bb")
		wantNotFound(t, "Secret after DeleteSecret", err)
		return nil
	})
}

func testRollback(t *testing.T, s hub.Store) {
	tn := tenant("Acme")
	update(t, s, func(tx hub.Tx) error { return errors.Join(tx.PutTenant(tn), setHighWater(tx, "device/x", 3)) })

	refused := errors.New("refused by the test")
	tk := ticket(tn.ID, "dev", "Never kept")
	err := s.Update(context.Background(), func(tx hub.Tx) error {
		if err := tx.PutTicket(tk); err != nil {
			return err
		}
		if err := setHighWater(tx, "device/x", 9); err != nil {
			return err
		}
		if err := tx.PutTenant(tenant("Other")); err != nil {
			return err
		}
		if err := tx.PutToken(hub.Token{Hash: "ee", Tenant: tn.ID}); err != nil {
			return err
		}
		if err := tx.NoteTenantChanged(tn.ID); err != nil {
			return err
		}
		// Inside the transaction its own writes are visible.
		if _, err := tx.Ticket(tn.ID, tk.ID); err != nil {
			t.Errorf("a ticket put in this transaction is not visible in it: %v", err)
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("Update = %v, want the error fn returned", err)
	}
	view(t, s, func(tx hub.Tx) error {
		_, err := tx.Ticket(tn.ID, tk.ID)
		wantNotFound(t, "Ticket of a rolled-back Update", err)
		if hw, err := highWater(tx, "device/x"); err != nil || hw != 3 {
			t.Errorf("HighWater after a rolled-back Update = %d, %v; want 3", hw, err)
		}
		if ts, err := tx.Tenants(); err != nil || len(ts) != 1 {
			t.Errorf("Tenants after a rolled-back Update = %d tenants, %v; want 1", len(ts), err)
		}
		_, err = tx.Token("ee")
		wantNotFound(t, "Token of a rolled-back Update", err)
		entries, last, err := tx.Feed(tn.ID, 0, 100)
		if err != nil || len(entries) != 0 || last != 0 {
			t.Errorf("Feed after a rolled-back Update = %v, last %d, %v; want empty", entries, last, err)
		}
		n := 0
		if err := tx.Tickets(tn.ID, func(*msp.Ticket) bool { n++; return true }); err != nil || n != 0 {
			t.Errorf("Tickets after a rolled-back Update = %d, %v; want 0", n, err)
		}
		return nil
	})
}

func testViewSeesCommitted(t *testing.T, s hub.Store) {
	update(t, s, func(tx hub.Tx) error { return setHighWater(tx, "c", 1) })
	update(t, s, func(tx hub.Tx) error { return setHighWater(tx, "c", 2) })
	view(t, s, func(tx hub.Tx) error {
		if hw, err := highWater(tx, "c"); err != nil || hw != 2 {
			t.Errorf("HighWater = %d, %v; want 2 (the last committed)", hw, err)
		}
		return nil
	})
}

func testTenantIsolation(t *testing.T, s hub.Store) {
	a, b := tenant("Acme"), tenant("Bolt")
	da, db := device(a.ID, "pc-a"), device(b.ID, "pc-b")
	tk := ticket(a.ID, da.ID, "Acme's secret")
	update(t, s, func(tx hub.Tx) error {
		return errors.Join(tx.PutTenant(a), tx.PutTenant(b), tx.PutDevice(da), tx.PutDevice(db),
			tx.PutInventory(a.ID, da.ID, msp.Inventory{Hostname: "pc-a"}), tx.PutTicket(tk))
	})
	view(t, s, func(tx hub.Tx) error {
		_, err := tx.Ticket(b.ID, tk.ID)
		wantNotFound(t, "Ticket(otherTenant, id)", err)
		_, err = tx.Device(b.ID, da.ID)
		wantNotFound(t, "Device(otherTenant, id)", err)
		_, err = tx.Inventory(b.ID, da.ID)
		wantNotFound(t, "Inventory(otherTenant, device)", err)
		n := 0
		if err := tx.Tickets(b.ID, func(*msp.Ticket) bool { n++; return true }); err != nil || n != 0 {
			t.Errorf("Tickets(other tenant) = %d tickets, %v; want none", n, err)
		}
		devices, err := tx.Devices(b.ID)
		if err != nil || len(devices) != 1 || devices[0].ID != db.ID {
			t.Errorf("Devices(B) = %v, %v; want only B's device", devices, err)
		}
		entries, _, err := tx.Feed(b.ID, 0, 100)
		if err != nil {
			t.Errorf("Feed(B): %v", err)
		}
		for _, e := range entries {
			if e.ID == tk.ID {
				t.Errorf("B's feed holds A's ticket: %+v", e)
			}
		}
		return nil
	})
}

// testTicketTenants checks the hub-wide ticket id index: which tenants
// hold an id, including the two-tenant case an older hub allowed.
func testTicketTenants(t *testing.T, s hub.Store) {
	a, b, ab := tenant("Acme"), tenant("Bolt"), tenant("Acmex")
	tk := ticket(a.ID, "dev", "Acme's ticket")
	same := *tk
	same.Tenant, same.Title = b.ID, "Bolt's ticket with Acme's id"
	other := ticket(ab.ID, "dev", "Acmex's own")
	holders := func(id string) []string {
		var got []string
		view(t, s, func(tx hub.Tx) error {
			var err error
			got, err = tx.TicketTenants(id)
			return err
		})
		return got
	}
	if got := holders(tk.ID); len(got) != 0 {
		t.Fatalf("TicketTenants(unknown id) = %v; want none", got)
	}
	update(t, s, func(tx hub.Tx) error {
		return errors.Join(tx.PutTenant(a), tx.PutTenant(b), tx.PutTenant(ab), tx.PutTicket(tk), tx.PutTicket(other))
	})
	if got := holders(tk.ID); !slices.Equal(got, []string{a.ID}) {
		t.Errorf("TicketTenants(A's ticket) = %v; want [%s]", got, a.ID)
	}
	// Writing the ticket again (a change) keeps one entry.
	tk.Title = "Acme's ticket, edited"
	update(t, s, func(tx hub.Tx) error { return tx.PutTicket(tk) })
	if got := holders(tk.ID); !slices.Equal(got, []string{a.ID}) {
		t.Errorf("TicketTenants after an edit = %v; want [%s]", got, a.ID)
	}
	update(t, s, func(tx hub.Tx) error { return tx.PutTicket(&same) })
	want := []string{a.ID, b.ID}
	slices.Sort(want)
	if got := holders(tk.ID); !slices.Equal(got, want) {
		t.Errorf("TicketTenants(id two tenants hold) = %v; want %v", got, want)
	}
	if got := holders(tk.ID[:len(tk.ID)-1]); len(got) != 0 {
		t.Errorf("TicketTenants(a prefix of an id) = %v; want none", got)
	}
}

// testTicketsOrder checks that Tickets walks in id order and that a tenant
// whose id is a prefix of another's sees only its own.
func testTicketsOrder(t *testing.T, s hub.Store) {
	a := tenant("Acme")
	var ids []string
	update(t, s, func(tx hub.Tx) error {
		for i := range 20 {
			tk := ticket(a.ID, "dev", fmt.Sprintf("Ticket %d", i))
			ids = append(ids, tk.ID)
			if err := tx.PutTicket(tk); err != nil {
				return err
			}
		}
		// A tenant id that extends A's must not leak into A's scan.
		other := ticket(a.ID+"x", "dev", "Other tenant")
		return tx.PutTicket(other)
	})
	slices.Sort(ids)
	var got []string
	view(t, s, func(tx hub.Tx) error {
		return tx.Tickets(a.ID, func(tk *msp.Ticket) bool {
			if tk.Tenant != a.ID {
				t.Errorf("Tickets(%s) returned a ticket of tenant %s", a.ID, tk.Tenant)
			}
			got = append(got, tk.ID)
			return true
		})
	})
	if !slices.Equal(got, ids) {
		t.Errorf("Tickets order = %v\nwant %v", got, ids)
	}
}

func testTicketsStop(t *testing.T, s hub.Store) {
	a := tenant("Acme")
	update(t, s, func(tx hub.Tx) error {
		for i := range 5 {
			if err := tx.PutTicket(ticket(a.ID, "dev", fmt.Sprintf("Ticket %d", i))); err != nil {
				return err
			}
		}
		return nil
	})
	n := 0
	view(t, s, func(tx hub.Tx) error {
		return tx.Tickets(a.ID, func(*msp.Ticket) bool { n++; return n < 2 })
	})
	if n != 2 {
		t.Errorf("Tickets called fn %d times after it returned false at the 2nd; want 2", n)
	}
}

func testFeedOrder(t *testing.T, s hub.Store) {
	a := tenant("Acme")
	var want []string
	update(t, s, func(tx hub.Tx) error {
		if err := tx.PutTenant(a); err != nil {
			return err
		}
		if err := tx.NoteTenantChanged(a.ID); err != nil {
			return err
		}
		want = append(want, "tenant/"+a.ID)
		return nil
	})
	for i := range 5 {
		tk := ticket(a.ID, "dev", fmt.Sprintf("Ticket %d", i))
		update(t, s, func(tx hub.Tx) error { return tx.PutTicket(tk) })
		want = append(want, "ticket/"+tk.ID)
	}
	view(t, s, func(tx hub.Tx) error {
		entries, last, err := tx.Feed(a.ID, 0, 100)
		if err != nil {
			t.Fatalf("Feed: %v", err)
		}
		var got []string
		var prev uint64
		for _, e := range entries {
			got = append(got, e.Kind+"/"+e.ID)
			if e.Seq <= prev {
				t.Errorf("feed sequence not increasing: %d after %d", e.Seq, prev)
			}
			prev = e.Seq
		}
		if !slices.Equal(got, want) {
			t.Errorf("Feed = %v\nwant %v", got, want)
		}
		if last != prev {
			t.Errorf("Feed last = %d, want the last entry's seq %d", last, prev)
		}
		return nil
	})
}

func testFeedOnce(t *testing.T, s hub.Store) {
	a := tenant("Acme")
	t1, t2 := ticket(a.ID, "dev", "One"), ticket(a.ID, "dev", "Two")
	update(t, s, func(tx hub.Tx) error {
		return errors.Join(tx.PutTenant(a), tx.NoteTenantChanged(a.ID), tx.PutTicket(t1), tx.PutTicket(t2))
	})
	// Change t1 twice and the tenant once, in separate transactions, and
	// t2 twice within one.
	for _, title := range []string{"One, again", "One, third time"} {
		tk := t1.Clone()
		tk.Title = title
		update(t, s, func(tx hub.Tx) error { return tx.PutTicket(tk) })
	}
	update(t, s, func(tx hub.Tx) error { return tx.NoteTenantChanged(a.ID) })
	update(t, s, func(tx hub.Tx) error { return errors.Join(tx.PutTicket(t2), tx.PutTicket(t2)) })

	view(t, s, func(tx hub.Tx) error {
		entries, last, err := tx.Feed(a.ID, 0, 100)
		if err != nil {
			t.Fatalf("Feed: %v", err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Kind+"/"+e.ID)
		}
		want := []string{"ticket/" + t1.ID, "tenant/" + a.ID, "ticket/" + t2.ID}
		if !slices.Equal(got, want) {
			t.Errorf("Feed = %v\nwant each object once at its latest change: %v", got, want)
		}
		if len(entries) > 0 && last != entries[len(entries)-1].Seq {
			t.Errorf("Feed last = %d, want %d", last, entries[len(entries)-1].Seq)
		}
		// Reading after the old position of t1 still finds its new one.
		later, _, err := tx.Feed(a.ID, 1, 100)
		if err != nil || len(later) != 3 {
			t.Errorf("Feed after 1 = %v, %v; want the 3 entries", later, err)
		}
		return nil
	})
}

func testFeedPaging(t *testing.T, s hub.Store) {
	a := tenant("Acme")
	const n = 23
	want := map[string]bool{}
	update(t, s, func(tx hub.Tx) error {
		for i := range n {
			tk := ticket(a.ID, "dev", fmt.Sprintf("Ticket %d", i))
			want[tk.ID] = true
			if err := tx.PutTicket(tk); err != nil {
				return err
			}
		}
		return nil
	})
	seen := map[string]int{}
	var cursor uint64
	pages := 0
	view(t, s, func(tx hub.Tx) error {
		for {
			entries, last, err := tx.Feed(a.ID, cursor, 5)
			if err != nil {
				t.Fatalf("Feed(%d, 5): %v", cursor, err)
			}
			if len(entries) > 5 {
				t.Fatalf("Feed(%d, 5) returned %d entries", cursor, len(entries))
			}
			if len(entries) == 0 {
				if cursor != last {
					t.Errorf("paging ended at %d but last is %d", cursor, last)
				}
				return nil
			}
			pages++
			for _, e := range entries {
				if e.Seq <= cursor {
					t.Errorf("Feed after %d returned seq %d", cursor, e.Seq)
				}
				seen[e.ID]++
				cursor = e.Seq
			}
			if pages > n {
				t.Fatal("paging does not end")
			}
		}
	})
	if pages != 5 {
		t.Errorf("%d entries in pages of 5 took %d pages, want 5", n, pages)
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("ticket %s seen %d times while paging, want once", id, seen[id])
		}
	}
	if len(seen) != n {
		t.Errorf("paging saw %d objects, want %d", len(seen), n)
	}
	view(t, s, func(tx hub.Tx) error {
		entries, last, err := tx.Feed(a.ID, cursor+1000, 5)
		if err != nil || len(entries) != 0 || last != cursor {
			t.Errorf("Feed past the end = %v, last %d, %v; want nothing, last %d", entries, last, err, cursor)
		}
		return nil
	})
}

func testFeedPerTenant(t *testing.T, s hub.Store) {
	a, b := tenant("Acme"), tenant("Bolt")
	update(t, s, func(tx hub.Tx) error {
		for range 3 {
			if err := tx.PutTicket(ticket(a.ID, "dev", "A")); err != nil {
				return err
			}
		}
		return tx.PutTicket(ticket(b.ID, "dev", "B"))
	})
	view(t, s, func(tx hub.Tx) error {
		ea, lastA, err := tx.Feed(a.ID, 0, 100)
		if err != nil || len(ea) != 3 || lastA != 3 {
			t.Errorf("Feed(A) = %d entries, last %d, %v; want 3, 3", len(ea), lastA, err)
		}
		eb, lastB, err := tx.Feed(b.ID, 0, 100)
		if err != nil || len(eb) != 1 || lastB != 1 {
			t.Errorf("Feed(B) = %d entries, last %d, %v; want 1, 1 (a sequence per tenant)", len(eb), lastB, err)
		}
		return nil
	})
}

// highWater is the sequence number of a stream's mark.
func highWater(tx hub.Tx, stream string) (uint64, error) {
	m, err := tx.Mark(stream)
	return m.Seq, err
}

func setHighWater(tx hub.Tx, stream string, seq uint64) error {
	return tx.SetMark(stream, hub.StreamMark{Seq: seq, Known: true})
}

func testStreamMarks(t *testing.T, s hub.Store) {
	id := msp.NewID()
	update(t, s, func(tx hub.Tx) error {
		return errors.Join(
			tx.SetMark("device/a/s1", hub.StreamMark{Seq: 5, LastID: id, Known: true}),
			tx.SetMark("device/a/s2", hub.StreamMark{Seq: 0, Known: true}),
			tx.NoteChange("tenant-a", id))
	})
	view(t, s, func(tx hub.Tx) error {
		for stream, want := range map[string]hub.StreamMark{
			"device/a/s1": {Seq: 5, LastID: id, Known: true},
			"device/a/s2": {Seq: 0, Known: true},
			"device/a/s3": {},
		} {
			if got, err := tx.Mark(stream); err != nil || got != want {
				t.Errorf("Mark(%q) = %+v, %v; want %+v", stream, got, err, want)
			}
		}
		for _, c := range []struct {
			tenant, change string
			want           bool
		}{{"tenant-a", id, true}, {"tenant-b", id, false}, {"tenant-a", msp.NewID(), false}} {
			if got, err := tx.ChangeSeen(c.tenant, c.change); err != nil || got != c.want {
				t.Errorf("ChangeSeen(%s, %s) = %v, %v; want %v (changes are kept per tenant)", c.tenant, c.change, got, err, c.want)
			}
		}
		return nil
	})
}

func testHighWater(t *testing.T, s hub.Store) {
	update(t, s, func(tx hub.Tx) error {
		return errors.Join(setHighWater(tx, "device/a", 7), setHighWater(tx, "device/b", 1<<40))
	})
	view(t, s, func(tx hub.Tx) error {
		for client, want := range map[string]uint64{"device/a": 7, "device/b": 1 << 40, "device/c": 0, "device/": 0} {
			if got, err := highWater(tx, client); err != nil || got != want {
				t.Errorf("HighWater(%q) = %d, %v; want %d", client, got, err, want)
			}
		}
		return nil
	})
}

func testConcurrentHighWater(t *testing.T, s hub.Store) {
	const workers, each = 8, 50
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				err := s.Update(ctx, func(tx hub.Tx) error {
					hw, err := highWater(tx, "device/busy")
					if err != nil {
						return err
					}
					return setHighWater(tx, "device/busy", hw+1)
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Update: %v", err)
	}
	view(t, s, func(tx hub.Tx) error {
		if hw, err := highWater(tx, "device/busy"); err != nil || hw != workers*each {
			t.Errorf("HighWater after %d×%d concurrent increments = %d, %v; want %d", workers, each, hw, err, workers*each)
		}
		return nil
	})
}

func testCanceled(t *testing.T, s hub.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := s.Update(ctx, func(tx hub.Tx) error { ran = true; return setHighWater(tx, "c", 1) })
	if err == nil {
		t.Error("Update with a canceled context succeeded")
	}
	if ran {
		// The store may run fn, but it must not commit.
		view(t, s, func(tx hub.Tx) error {
			if hw, _ := highWater(tx, "c"); hw != 0 {
				t.Errorf("Update with a canceled context committed")
			}
			return nil
		})
	}
}

func feedIDs(entries []hub.FeedEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Kind+"/"+e.ID)
	}
	return out
}

// DeviceFeed holds a device's own tickets and the tenant's entry, in feed
// order, each once at its latest change; not other devices' tickets, not
// alerts, not the matrix history, not another tenant's.
func testDeviceFeed(t *testing.T, s hub.Store) {
	a, b := tenant("Acme"), tenant("Bolt")
	mine1, other, mine2 := ticket(a.ID, "dev1", "Mine"), ticket(a.ID, "dev2", "Other's"), ticket(a.ID, "dev1", "Mine too")
	alert := ticket(a.ID, "dev1", "Disk almost full")
	alert.Alert = &msp.AlertRef{Condition: "disk-low", Key: "dev1/disk-low"}
	elsewhere := ticket(b.ID, "dev1", "Same device id, other tenant")
	update(t, s, func(tx hub.Tx) error {
		return errors.Join(tx.PutTenant(a), tx.PutTicket(mine1), tx.NoteTenantChanged(a.ID), tx.PutTicket(other),
			tx.PutTicket(alert), tx.PutTicket(mine2), tx.PutTicket(elsewhere),
			tx.AddMatrixEvents(a.ID, msp.MatrixEvent{ID: msp.NewID(), Tenant: a.ID, At: t0, By: "operator", ByName: "Operator"}))
	})
	view(t, s, func(tx hub.Tx) error {
		entries, last, err := tx.DeviceFeed(a.ID, "dev1", 0, 100)
		if err != nil {
			t.Fatalf("DeviceFeed: %v", err)
		}
		want := []string{"ticket/" + mine1.ID, "tenant/" + a.ID, "ticket/" + mine2.ID}
		if got := feedIDs(entries); !slices.Equal(got, want) {
			t.Errorf("DeviceFeed(dev1) = %v\nwant %v", got, want)
		}
		_, feedLast, err := tx.Feed(a.ID, 0, 100)
		if err != nil || last != feedLast {
			t.Errorf("DeviceFeed last = %d, want the tenant's last %d (%v)", last, feedLast, err)
		}
		full, _, err := tx.Feed(a.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		seqs := map[string]uint64{}
		for _, e := range full {
			seqs[e.Kind+"/"+e.ID] = e.Seq
		}
		for _, e := range entries {
			if seqs[e.Kind+"/"+e.ID] != e.Seq {
				t.Errorf("DeviceFeed entry %s/%s has seq %d, the tenant's feed %d", e.Kind, e.ID, e.Seq, seqs[e.Kind+"/"+e.ID])
			}
		}
		after, _, err := tx.DeviceFeed(a.ID, "dev1", entries[0].Seq, 100)
		if want := want[1:]; err != nil || !slices.Equal(feedIDs(after), want) {
			t.Errorf("DeviceFeed after %d = %v, %v; want %v", entries[0].Seq, feedIDs(after), err, want)
		}
		theirs, _, err := tx.DeviceFeed(a.ID, "dev2", 0, 100)
		if want := []string{"tenant/" + a.ID, "ticket/" + other.ID}; err != nil || !slices.Equal(feedIDs(theirs), want) {
			t.Errorf("DeviceFeed(dev2) = %v, %v; want %v", feedIDs(theirs), err, want)
		}
		inB, _, err := tx.DeviceFeed(b.ID, "dev1", 0, 100)
		if want := []string{"ticket/" + elsewhere.ID}; err != nil || !slices.Equal(feedIDs(inB), want) {
			t.Errorf("DeviceFeed(Bolt, dev1) = %v, %v; want %v", feedIDs(inB), err, want)
		}
		none, last, err := tx.DeviceFeed(a.ID, "no-such-device", 0, 100)
		if want := []string{"tenant/" + a.ID}; err != nil || !slices.Equal(feedIDs(none), want) || last != feedLast {
			t.Errorf("DeviceFeed(unknown device) = %v, last %d, %v; want %v, last %d", feedIDs(none), last, err, want, feedLast)
		}
		return nil
	})
	// A ticket changed again moves to the end; one moved to another device
	// or made an alert leaves the device's feed.
	moved := mine1.Clone()
	moved.Device = "dev2"
	again := mine2.Clone()
	again.Title = "Mine, edited"
	update(t, s, func(tx hub.Tx) error { return errors.Join(tx.PutTicket(again), tx.PutTicket(moved)) })
	view(t, s, func(tx hub.Tx) error {
		entries, _, err := tx.DeviceFeed(a.ID, "dev1", 0, 100)
		if want := []string{"tenant/" + a.ID, "ticket/" + mine2.ID}; err != nil || !slices.Equal(feedIDs(entries), want) {
			t.Errorf("DeviceFeed(dev1) after the changes = %v, %v; want %v", feedIDs(entries), err, want)
		}
		entries, _, err = tx.DeviceFeed(a.ID, "dev2", 0, 100)
		if want := []string{"tenant/" + a.ID, "ticket/" + other.ID, "ticket/" + mine1.ID}; err != nil || !slices.Equal(feedIDs(entries), want) {
			t.Errorf("DeviceFeed(dev2) after the move = %v, %v; want %v", feedIDs(entries), err, want)
		}
		return nil
	})
}

// DeviceFeed pages by limit, the tenant's entry counting as one, and
// reading past the end returns nothing with the tenant's last sequence.
func testDeviceFeedPaging(t *testing.T, s hub.Store) {
	a := tenant("Acme")
	const n = 12
	update(t, s, func(tx hub.Tx) error {
		if err := errors.Join(tx.PutTenant(a), tx.NoteTenantChanged(a.ID)); err != nil {
			return err
		}
		for i := range n {
			if err := errors.Join(tx.PutTicket(ticket(a.ID, "dev1", fmt.Sprintf("Mine %d", i))), tx.PutTicket(ticket(a.ID, "dev2", "Other's"))); err != nil {
				return err
			}
		}
		return nil
	})
	var cursor, last uint64
	seen := 0
	pages := 0
	view(t, s, func(tx hub.Tx) error {
		for pages <= n {
			entries, l, err := tx.DeviceFeed(a.ID, "dev1", cursor, 5)
			if err != nil {
				t.Fatalf("DeviceFeed(%d, 5): %v", cursor, err)
			}
			last = l
			if len(entries) > 5 {
				t.Fatalf("DeviceFeed(%d, 5) returned %d entries", cursor, len(entries))
			}
			if len(entries) == 0 {
				return nil
			}
			pages++
			for _, e := range entries {
				if e.Seq <= cursor {
					t.Errorf("DeviceFeed after %d returned seq %d", cursor, e.Seq)
				}
				cursor = e.Seq
				seen++
			}
		}
		t.Fatal("paging does not end")
		return nil
	})
	if seen != n+1 || pages != 3 {
		t.Errorf("paging saw %d entries in %d pages, want %d in 3", seen, pages, n+1)
	}
	if last != 2*n+1 {
		t.Errorf("last = %d, want %d", last, 2*n+1)
	}
}

// TenantStamp moves with every change of the tenant, holds between
// writes, is never the value of a transaction that did not commit, and is
// empty for a tenant that does not exist.
func testTenantStamp(t *testing.T, s hub.Store) {
	a, b := tenant("Acme"), tenant("Bolt")
	stamp := func(id string) string {
		t.Helper()
		var st string
		view(t, s, func(tx hub.Tx) (err error) {
			st, err = tx.TenantStamp(id)
			return err
		})
		return st
	}
	if got := stamp(a.ID); got != "" {
		t.Errorf("TenantStamp of a missing tenant = %q, want empty", got)
	}
	update(t, s, func(tx hub.Tx) error { return errors.Join(tx.PutTenant(a), tx.PutTenant(b)) })
	s1 := stamp(a.ID)
	if s1 == "" || s1 != stamp(a.ID) {
		t.Fatalf("TenantStamp after PutTenant = %q, then %q; want one non-empty stamp", s1, stamp(a.ID))
	}
	if stamp(b.ID) == s1 {
		t.Errorf("two tenants have the same stamp %q", s1)
	}
	var inside string
	failed := errors.New("fail on purpose")
	err := s.Update(context.Background(), func(tx hub.Tx) error {
		a2 := a
		a2.Name = "Acme, renamed then rolled back"
		if err := tx.PutTenant(a2); err != nil {
			return err
		}
		var err error
		if inside, err = tx.TenantStamp(a.ID); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("Update = %v, want the failure it returned", err)
	}
	if inside == s1 || inside == "" {
		t.Errorf("TenantStamp inside the transaction that put the tenant = %q, want a new stamp (was %q)", inside, s1)
	}
	if got := stamp(a.ID); got != s1 {
		t.Errorf("TenantStamp after a rolled-back PutTenant = %q, want %q", got, s1)
	}
	a.Name = "Acme Holdings"
	update(t, s, func(tx hub.Tx) error { return tx.PutTenant(a) })
	s2 := stamp(a.ID)
	if s2 == s1 || s2 == inside || s2 == "" {
		t.Errorf("TenantStamp after a second PutTenant = %q; want new, not %q nor the rolled-back %q", s2, s1, inside)
	}
}

// DueTickets holds open tickets: at once after PutTicket (or PutHistory)
// until SetTicketDue gives a time, in due order, between from and until;
// closed tickets and SetTicketDue's zero time take them out.
func testDueTickets(t *testing.T, s hub.Store) {
	a, b := tenant("Acme"), tenant("Bolt")
	t1, t2, t3 := ticket(a.ID, "dev", "One"), ticket(a.ID, "dev", "Two"), ticket(a.ID, "dev", "Three")
	closed := ticket(a.ID, "dev", "Closed")
	closed.Status, closed.ClosedAt, closed.ResolvedAt = msp.StatusClosed, t0, t0
	other := ticket(b.ID, "dev", "Bolt's")
	update(t, s, func(tx hub.Tx) error {
		return errors.Join(tx.PutTicket(t1), tx.PutTicket(t2), tx.PutTicket(t3), tx.PutTicket(closed), tx.PutTicket(other))
	})
	due := func(tn string, from, until time.Time) []string {
		t.Helper()
		var ids []string
		view(t, s, func(tx hub.Tx) error {
			return tx.DueTickets(tn, from, until, func(id string) bool { ids = append(ids, id); return true })
		})
		slices.Sort(ids)
		return ids
	}
	next := func(tn string, from time.Time) (time.Time, bool) {
		t.Helper()
		var at time.Time
		var ok bool
		view(t, s, func(tx hub.Tx) (err error) {
			at, ok, err = tx.NextDue(tn, from)
			return err
		})
		return at, ok
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	var zero time.Time
	if got, want := due(a.ID, zero, zero), sorted(t1.ID, t2.ID, t3.ID); !slices.Equal(got, want) {
		t.Errorf("DueTickets after PutTicket = %v, want the open tickets at once %v", got, want)
	}
	if at, ok := next(a.ID, zero); !ok || !at.IsZero() {
		t.Errorf("NextDue with tickets due at once = %v, %v; want the zero time, true", at, ok)
	}
	update(t, s, func(tx hub.Tx) error {
		return errors.Join(tx.SetTicketDue(a.ID, t1.ID, t0.Add(2*time.Hour)), tx.SetTicketDue(a.ID, t2.ID, t0.Add(time.Hour)),
			tx.SetTicketDue(a.ID, t3.ID, time.Time{}))
	})
	if got := due(a.ID, zero, zero); len(got) != 0 {
		t.Errorf("DueTickets at once after SetTicketDue = %v, want none", got)
	}
	if got, want := due(a.ID, zero, t0.Add(time.Hour)), []string{t2.ID}; !slices.Equal(got, want) {
		t.Errorf("DueTickets until +1h = %v, want %v (due exactly then)", got, want)
	}
	var order []string
	view(t, s, func(tx hub.Tx) error {
		return tx.DueTickets(a.ID, zero, t0.Add(3*time.Hour), func(id string) bool { order = append(order, id); return true })
	})
	if want := []string{t2.ID, t1.ID}; !slices.Equal(order, want) {
		t.Errorf("DueTickets until +3h = %v, want earliest first %v", order, want)
	}
	if got, want := due(a.ID, t0.Add(90*time.Minute), t0.Add(3*time.Hour)), []string{t1.ID}; !slices.Equal(got, want) {
		t.Errorf("DueTickets from +90 min = %v, want %v", got, want)
	}
	if at, ok := next(a.ID, zero); !ok || !at.Equal(t0.Add(time.Hour)) {
		t.Errorf("NextDue = %v, %v; want %v", at, ok, t0.Add(time.Hour))
	}
	if at, ok := next(a.ID, t0.Add(90*time.Minute)); !ok || !at.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("NextDue from +90 min = %v, %v; want %v", at, ok, t0.Add(2*time.Hour))
	}
	if got, want := due(b.ID, zero, zero), []string{other.ID}; !slices.Equal(got, want) {
		t.Errorf("DueTickets(Bolt) = %v, want only its own %v", got, want)
	}
	// A change makes a ticket due at once again; PutHistory of an open
	// ticket too; closing takes it out.
	t1b := t1.Clone()
	t1b.Title = "One, edited"
	t2b := t2.Clone()
	t2b.Status, t2b.ResolvedAt = msp.StatusResolved, t0
	update(t, s, func(tx hub.Tx) error {
		return errors.Join(tx.PutTicket(t1b), tx.PutTicket(t2b), tx.PutHistory(hub.TicketHistory{Tenant: a.ID, Ticket: t3.ID, RoutedAt: t0}))
	})
	if got, want := due(a.ID, zero, zero), sorted(t1.ID, t3.ID); !slices.Equal(got, want) {
		t.Errorf("DueTickets at once after the changes = %v, want %v", got, want)
	}
	if got := due(a.ID, t0, t0.Add(24*time.Hour)); len(got) != 0 {
		t.Errorf("DueTickets with times after the changes = %v, want none (the resolved ticket is out)", got)
	}
	update(t, s, func(tx hub.Tx) error { return tx.SetTicketDue(a.ID, t1.ID, time.Time{}) })
	update(t, s, func(tx hub.Tx) error { return tx.SetTicketDue(a.ID, t3.ID, time.Time{}) })
	if at, ok := next(a.ID, zero); ok {
		t.Errorf("NextDue with nothing due = %v, true; want false", at)
	}
}

// TicketJSON and TicketsJSON give what Ticket and Tickets decode: the
// tenant's tickets only, in id order, ErrNotFound for a missing one.
func testTicketsJSON(t *testing.T, s hub.Store) {
	a, b := tenant("Acme"), tenant("Bolt")
	var want []string
	update(t, s, func(tx hub.Tx) error {
		for i := range 3 {
			tk := ticket(a.ID, "dev", fmt.Sprintf("Ticket %d", i))
			tk.Comments = []msp.Comment{{ID: msp.NewID(), Author: "jane@dev", Role: msp.RoleEndUser, Body: "Line one\nline <two> & more", Kind: msp.CommentKindReply, CreatedAt: t0}}
			want = append(want, tk.ID)
			if err := tx.PutTicket(tk); err != nil {
				return err
			}
		}
		return tx.PutTicket(ticket(b.ID, "dev", "Bolt's"))
	})
	view(t, s, func(tx hub.Tx) error {
		var got []string
		err := tx.TicketsJSON(a.ID, func(raw []byte) bool {
			var tk msp.Ticket
			if err := json.Unmarshal(raw, &tk); err != nil {
				t.Errorf("TicketsJSON gave %q: %v", raw, err)
				return false
			}
			got = append(got, tk.ID)
			one, err := tx.TicketJSON(a.ID, tk.ID)
			if err != nil {
				t.Errorf("TicketJSON(%s): %v", tk.ID, err)
				return false
			}
			decoded, err := tx.Ticket(a.ID, tk.ID)
			var fromOne msp.Ticket
			if err != nil || json.Unmarshal(one, &fromOne) != nil || !reflect.DeepEqual(&fromOne, decoded) || !reflect.DeepEqual(&tk, decoded) {
				t.Errorf("TicketJSON(%s) = %s, Ticket = %+v, %v; want the same ticket", tk.ID, one, decoded, err)
			}
			return true
		})
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("TicketsJSON(Acme) = %v, %v; want %v in id order", got, err, want)
		}
		n := 0
		if err := tx.TicketsJSON(a.ID, func([]byte) bool { n++; return false }); err != nil || n != 1 {
			t.Errorf("TicketsJSON stopped after %d, %v; want 1", n, err)
		}
		if _, err := tx.TicketJSON(b.ID, want[0]); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("TicketJSON of Acme's ticket in Bolt: %v, want ErrNotFound", err)
		}
		return nil
	})
}
