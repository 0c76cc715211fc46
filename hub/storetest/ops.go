package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"tandem/hub"
	"tandem/msp"
)

// testOpenTickets: OpenTickets lists exactly the tickets whose status is
// open, in id order, follows status changes both ways, keeps tenants
// apart and stops early.
func testOpenTickets(t *testing.T, s hub.Store) {
	a := tenant("Acme")
	var all []*msp.Ticket
	update(t, s, func(tx hub.Tx) error {
		for i, st := range []msp.Status{msp.StatusNew, msp.StatusOpen, msp.StatusProgress, msp.StatusWaiting, msp.StatusReopened, msp.StatusResolved, msp.StatusClosed} {
			tk := ticket(a.ID, "dev", "Ticket "+string(st))
			tk.Status = st
			tk.UpdatedAt = t0.Add(time.Duration(i+1) * time.Minute)
			if st == msp.StatusResolved || st == msp.StatusClosed {
				tk.ResolvedAt = tk.UpdatedAt
			}
			if st == msp.StatusClosed {
				tk.ClosedAt = tk.UpdatedAt
			}
			all = append(all, tk)
			if err := tx.PutTicket(tk); err != nil {
				return err
			}
		}
		return tx.PutTicket(ticket(a.ID+"x", "dev", "Other tenant"))
	})
	openIDs := func() []string {
		var got []string
		view(t, s, func(tx hub.Tx) error {
			return tx.OpenTickets(a.ID, func(tk *msp.Ticket) bool {
				if tk.Tenant != a.ID || !tk.Status.IsOpen() {
					t.Errorf("OpenTickets returned ticket %q of tenant %s in status %s", tk.Title, tk.Tenant, tk.Status)
				}
				got = append(got, tk.ID)
				return true
			})
		})
		return got
	}
	var want []string
	for _, tk := range all[:5] {
		want = append(want, tk.ID)
	}
	slices.Sort(want)
	if got := openIDs(); !slices.Equal(got, want) {
		t.Errorf("OpenTickets = %v\nwant %v", got, want)
	}

	// Resolving leaves the list; reopening comes back.
	first := all[0]
	update(t, s, func(tx hub.Tx) error {
		r := first.Clone()
		r.Status, r.ResolvedAt, r.UpdatedAt, r.Revision = msp.StatusResolved, t0.Add(time.Hour), t0.Add(time.Hour), 2
		return tx.PutTicket(r)
	})
	if got := openIDs(); slices.Contains(got, first.ID) || len(got) != 4 {
		t.Errorf("after resolving: OpenTickets = %v, want 4 without %s", got, first.ID)
	}
	update(t, s, func(tx hub.Tx) error {
		r := first.Clone()
		r.Status, r.UpdatedAt, r.Revision = msp.StatusReopened, t0.Add(2*time.Hour), 3
		return tx.PutTicket(r)
	})
	if got := openIDs(); !slices.Contains(got, first.ID) || len(got) != 5 {
		t.Errorf("after reopening: OpenTickets = %v, want 5 with %s", got, first.ID)
	}

	n := 0
	view(t, s, func(tx hub.Tx) error {
		return tx.OpenTickets(a.ID, func(*msp.Ticket) bool { n++; return n < 2 })
	})
	if n != 2 {
		t.Errorf("OpenTickets went on after fn returned false: %d calls, want 2", n)
	}
}

// testHistoryAndAlerts: ticket histories and device alert states round-trip,
// are missing until written, and are kept per tenant.
func testHistoryAndAlerts(t *testing.T, s hub.Store) {
	a, b := tenant("Acme"), tenant("Globex")
	tk := ticket(a.ID, "dev", "Printer")
	h := hub.TicketHistory{
		Tenant: a.ID, Ticket: tk.ID,
		Statuses:        []msp.StatusChange{{At: t0.Add(time.Minute), Status: msp.StatusOpen}, {At: t0.Add(time.Hour), Status: msp.StatusWaiting}},
		FirstResponseAt: t0.Add(2 * time.Minute), RoutedAt: t0, RouteUntil: t0.Add(8 * time.Hour),
		Done: []string{"response-at-risk"},
	}
	da := hub.DeviceAlerts{Tenant: a.ID, Device: "dev", SecurityPendingSince: t0, Open: map[string]string{msp.AlertDiskFull: tk.ID}}
	view(t, s, func(tx hub.Tx) error {
		_, err := tx.History(a.ID, tk.ID)
		wantNotFound(t, "History before any write", err)
		_, err = tx.DeviceAlerts(a.ID, "dev")
		wantNotFound(t, "DeviceAlerts before any write", err)
		return nil
	})
	update(t, s, func(tx hub.Tx) error {
		if err := tx.PutHistory(h); err != nil {
			return err
		}
		return tx.PutDeviceAlerts(da)
	})
	view(t, s, func(tx hub.Tx) error {
		got, err := tx.History(a.ID, tk.ID)
		if err != nil {
			t.Fatalf("History: %v", err)
		}
		if len(got.Statuses) != 2 || !got.Statuses[1].At.Equal(h.Statuses[1].At) || got.Statuses[1].Status != msp.StatusWaiting ||
			!got.FirstResponseAt.Equal(h.FirstResponseAt) || !got.RouteUntil.Equal(h.RouteUntil) || !got.Has("response-at-risk") {
			t.Errorf("History = %+v\nwant %+v", got, h)
		}
		gotA, err := tx.DeviceAlerts(a.ID, "dev")
		if err != nil {
			t.Fatalf("DeviceAlerts: %v", err)
		}
		if !gotA.SecurityPendingSince.Equal(t0) || !maps.Equal(gotA.Open, da.Open) {
			t.Errorf("DeviceAlerts = %+v\nwant %+v", gotA, da)
		}
		_, err = tx.History(b.ID, tk.ID)
		wantNotFound(t, "History in another tenant", err)
		_, err = tx.DeviceAlerts(b.ID, "dev")
		wantNotFound(t, "DeviceAlerts in another tenant", err)
		return nil
	})
}

// testMatrixHistory: a tenant's responsibilities history starts empty,
// keeps entries oldest first per tenant, drops the oldest beyond
// msp.MaxMatrixHistory, and sits in the feed once, at its latest change.
func testMatrixHistory(t *testing.T, s hub.Store) {
	a, b := tenant("A"), tenant("B")
	update(t, s, func(tx hub.Tx) error { return errors.Join(tx.PutTenant(a), tx.PutTenant(b)) })
	view(t, s, func(tx hub.Tx) error {
		h, err := tx.MatrixHistory(a.ID)
		if err != nil || h == nil || len(h) != 0 {
			t.Fatalf("history of a new tenant = %v, %v; want empty and no error", h, err)
		}
		return nil
	})
	ev := func(i int) msp.MatrixEvent {
		return msp.MatrixEvent{ID: msp.NewID(), Tenant: a.ID, At: t0.Add(time.Duration(i) * time.Minute), By: "u", ByName: "U",
			ModeBefore: msp.ModeCoManaged, ModeAfter: msp.ModeFullyManaged}
	}
	first := ev(0)
	update(t, s, func(tx hub.Tx) error { return tx.AddMatrixEvents(a.ID, first) })
	update(t, s, func(tx hub.Tx) error { return tx.AddMatrixEvents(a.ID) }) // nothing to add
	more := make([]msp.MatrixEvent, msp.MaxMatrixHistory)
	for i := range more {
		more[i] = ev(i + 1)
	}
	update(t, s, func(tx hub.Tx) error { return tx.AddMatrixEvents(a.ID, more...) })
	view(t, s, func(tx hub.Tx) error {
		h, err := tx.MatrixHistory(a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != msp.MaxMatrixHistory || h[0].ID != more[0].ID || h[len(h)-1].ID != more[len(more)-1].ID {
			t.Fatalf("history kept %d entries from %s; want the newest %d", len(h), h[0].ID, msp.MaxMatrixHistory)
		}
		if hb, err := tx.MatrixHistory(b.ID); err != nil || len(hb) != 0 {
			t.Fatalf("tenant B's history = %d entries, %v", len(hb), err)
		}
		entries, _, err := tx.Feed(a.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Kind == hub.FeedResponsibilities {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("the history is in the feed %d times, want once", n)
		}
		return nil
	})
}

// testEventQueue checks the event outbox: events queued in a transaction
// that fails are not kept; the rest come back oldest first, limited, and
// leave once deleted.
func testEventQueue(t *testing.T, s hub.Store) {
	tk := ticket("acme", "dev", "Printer offline")
	ids := []string{msp.NewID(), msp.NewID(), msp.NewID()}
	update(t, s, func(tx hub.Tx) error {
		for i, id := range ids {
			ev := hub.QueuedEvent{ID: id, Event: hub.TicketEvent{Kind: hub.EventCreated, Tenant: "acme", Ticket: tk, At: t0.Add(time.Duration(i) * time.Second)}}
			if err := tx.QueueEvent(ev); err != nil {
				return err
			}
		}
		return nil
	})
	failed := errors.New("the change failed")
	if err := s.Update(context.Background(), func(tx hub.Tx) error {
		if err := tx.QueueEvent(hub.QueuedEvent{ID: msp.NewID(), Event: hub.TicketEvent{Kind: hub.EventReply, Tenant: "acme", Ticket: tk, At: t0}}); err != nil {
			return err
		}
		return failed
	}); !errors.Is(err, failed) {
		t.Fatalf("Update = %v, want the function's error", err)
	}
	queued := func(limit int) []hub.QueuedEvent {
		var got []hub.QueuedEvent
		view(t, s, func(tx hub.Tx) error {
			var err error
			got, err = tx.QueuedEvents(limit)
			return err
		})
		return got
	}
	got := queued(10)
	if len(got) != 3 {
		t.Fatalf("QueuedEvents = %d events, want the 3 of the committed transaction", len(got))
	}
	for i, ev := range got {
		if ev.ID != ids[i] || ev.Event.Kind != hub.EventCreated || ev.Event.Ticket == nil || ev.Event.Ticket.Title != tk.Title || !ev.Event.At.Equal(t0.Add(time.Duration(i)*time.Second)) {
			t.Errorf("event %d = %+v, want %s with its ticket", i, ev, ids[i])
		}
	}
	if got := queued(2); len(got) != 2 || got[0].ID != ids[0] {
		t.Errorf("QueuedEvents(2) = %d events, want the 2 oldest", len(got))
	}
	update(t, s, func(tx hub.Tx) error { return tx.DeleteQueuedEvent(ids[0]) })
	if got := queued(10); len(got) != 2 || got[0].ID != ids[1] {
		t.Errorf("after deleting the oldest: %+v", got)
	}
}

// testPeople: a tenant's people round-trip, come back in id order, are
// kept per tenant, sit in the feed once at their latest change (a removal
// included), and a removal deletes them.
func testPeople(t *testing.T, s hub.Store) {
	a, b := tenant("Acme"), tenant("Globex")
	person := func(tn, name string) msp.Person {
		return msp.Person{ID: msp.NewID(), Tenant: tn, Name: name, Email: "x@example.co.za", Phone: "+27 82 555 0101",
			Accounts: []msp.PersonAccount{{Device: "pc-1", Account: "thandi"}}, CreatedAt: t0}
	}
	p1, p2, other := person(a.ID, "Thandi Nkosi"), person(a.ID, "Sipho Dlamini"), person(b.ID, "Other")
	view(t, s, func(tx hub.Tx) error {
		got, err := tx.People(a.ID)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("People of a tenant without any = %v, %v; want empty and no error", got, err)
		}
		_, err = tx.Person(a.ID, p1.ID)
		wantNotFound(t, "Person before any write", err)
		return nil
	})
	update(t, s, func(tx hub.Tx) error {
		return errors.Join(tx.PutPerson(p2), tx.PutPerson(p1), tx.PutPerson(other))
	})
	p1.Phone = "+27 82 555 0199"
	update(t, s, func(tx hub.Tx) error { return tx.PutPerson(p1) })
	view(t, s, func(tx hub.Tx) error {
		got, err := tx.Person(a.ID, p1.ID)
		if err != nil || got.Name != p1.Name || got.Phone != p1.Phone || len(got.Accounts) != 1 || got.Accounts[0] != p1.Accounts[0] || !got.CreatedAt.Equal(t0) {
			t.Errorf("Person = %+v, %v; want %+v", got, err, p1)
		}
		_, err = tx.Person(b.ID, p1.ID)
		wantNotFound(t, "Person in another tenant", err)
		people, err := tx.People(a.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{p1.ID, p2.ID}
		slices.Sort(want)
		var ids []string
		for _, p := range people {
			ids = append(ids, p.ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("People = %v, want %v (id order, tenant A's only)", ids, want)
		}
		return nil
	})
	feedOf := func() map[string]int {
		n := map[string]int{}
		view(t, s, func(tx hub.Tx) error {
			entries, _, err := tx.Feed(a.ID, 0, 100)
			for _, e := range entries {
				if e.Kind == hub.FeedPerson {
					n[e.ID]++
				}
			}
			return err
		})
		return n
	}
	if n := feedOf(); n[p1.ID] != 1 || n[p2.ID] != 1 || n[other.ID] != 0 {
		t.Errorf("person feed entries of tenant A = %v; want each of its people once", n)
	}
	update(t, s, func(tx hub.Tx) error { return tx.DeletePerson(a.ID, p1.ID) })
	update(t, s, func(tx hub.Tx) error { return tx.DeletePerson(a.ID, msp.NewID()) }) // nobody: no error
	update(t, s, func(tx hub.Tx) error { return tx.DeletePerson(b.ID, p2.ID) })       // not B's: nothing
	view(t, s, func(tx hub.Tx) error {
		_, err := tx.Person(a.ID, p1.ID)
		wantNotFound(t, "Person after DeletePerson", err)
		people, err := tx.People(a.ID)
		if err != nil || len(people) != 1 || people[0].ID != p2.ID {
			t.Errorf("People after removing one = %v, %v; want the other alone", people, err)
		}
		return nil
	})
	if n := feedOf(); n[p1.ID] != 1 {
		t.Errorf("the removed person is in the feed %d times, want once (so replicas drop them)", n[p1.ID])
	}
	var last uint64
	view(t, s, func(tx hub.Tx) (err error) { _, last, err = tx.Feed(a.ID, 0, 1); return err })
	view(t, s, func(tx hub.Tx) error {
		entries, _, err := tx.Feed(a.ID, last-1, 10)
		if err != nil || len(entries) != 1 || entries[0].Kind != hub.FeedPerson || entries[0].ID != p1.ID {
			t.Errorf("the latest feed entry = %+v, %v; want the removal of %s", entries, err, p1.ID)
		}
		return nil
	})
}

// testAlertGroups: a tenant's alert groups round-trip with their devices
// and spans, come back in problem order, and are kept per tenant.
func testAlertGroups(t *testing.T, s hub.Store) {
	a, b := tenant("Acme"), tenant("Globex")
	g := hub.AlertGroup{Tenant: a.ID, Problem: "posture/disk_encryption", Ticket: "tk1",
		Devices: map[string]hub.GroupDevice{"d1": {Hostname: "pc-1", Detail: "BitLocker on C: off", Since: t0, Ticket: "tk1"}},
		Spans:   []hub.GroupSpan{{Device: "d2", Ticket: "tk0", From: t0, To: t0.Add(time.Hour)}}}
	view(t, s, func(tx hub.Tx) error {
		_, err := tx.AlertGroup(a.ID, g.Problem)
		wantNotFound(t, "AlertGroup before any write", err)
		gs, err := tx.AlertGroups(a.ID)
		if err != nil || len(gs) != 0 {
			t.Errorf("AlertGroups of a new tenant = %v, %v", gs, err)
		}
		return nil
	})
	update(t, s, func(tx hub.Tx) error {
		return errors.Join(tx.PutAlertGroup(g), tx.PutAlertGroup(hub.AlertGroup{Tenant: a.ID, Problem: "disk-full"}),
			tx.PutAlertGroup(hub.AlertGroup{Tenant: b.ID, Problem: "disk-full", Ticket: "other"}))
	})
	view(t, s, func(tx hub.Tx) error {
		got, err := tx.AlertGroup(a.ID, g.Problem)
		if err != nil || got.Ticket != "tk1" || got.Devices["d1"].Detail != "BitLocker on C: off" || !got.Devices["d1"].Since.Equal(t0) ||
			len(got.Spans) != 1 || !got.Spans[0].To.Equal(t0.Add(time.Hour)) {
			t.Errorf("AlertGroup = %+v, %v; want %+v", got, err, g)
		}
		gs, err := tx.AlertGroups(a.ID)
		if err != nil || len(gs) != 2 || gs[0].Problem != "disk-full" || gs[1].Problem != g.Problem || gs[0].Ticket != "" {
			t.Errorf("AlertGroups = %+v, %v; want tenant A's two in problem order", gs, err)
		}
		_, err = tx.AlertGroup(b.ID, g.Problem)
		wantNotFound(t, "AlertGroup in another tenant", err)
		return nil
	})
}

// testIterCallsStore: fn of Tickets and OpenTickets may call the Tx again
// (the SLA sweep reads each open ticket's history from inside
// OpenTickets): point reads, scans and writes from inside the callback
// work, in View and in Update, on more tickets than a store might read at
// once, and every ticket is visited once, in id order.
func testIterCallsStore(t *testing.T, s hub.Store) {
	a, b := tenant("Acme"), tenant("Bolt")
	d := device(a.ID, "pc-1")
	const n = 300
	var ids []string
	update(t, s, func(tx hub.Tx) error {
		if err := errors.Join(tx.PutTenant(a), tx.PutTenant(b), tx.PutDevice(d), tx.PutTicket(ticket(b.ID, "dev", "Bolt's"))); err != nil {
			return err
		}
		for i := range n {
			tk := ticket(a.ID, d.ID, fmt.Sprintf("Ticket %d", i))
			ids = append(ids, tk.ID)
			if err := tx.PutTicket(tk); err != nil {
				return err
			}
		}
		return nil
	})
	slices.Sort(ids)

	// Reads from inside both iterators, in a View.
	for name, iter := range map[string]func(hub.Tx, string, func(*msp.Ticket) bool) error{
		"Tickets":     hub.Tx.Tickets,
		"OpenTickets": hub.Tx.OpenTickets,
	} {
		var seen []string
		view(t, s, func(tx hub.Tx) error {
			var ferr error
			err := iter(tx, a.ID, func(tk *msp.Ticket) bool {
				seen = append(seen, tk.ID)
				again, err := tx.Ticket(a.ID, tk.ID)
				if err != nil || again.ID != tk.ID {
					ferr = fmt.Errorf("Ticket from inside %s = %v, %v", name, again, err)
					return false
				}
				if _, err := tx.History(a.ID, tk.ID); !errors.Is(err, hub.ErrNotFound) {
					ferr = fmt.Errorf("History from inside %s = %v, want ErrNotFound", name, err)
					return false
				}
				if _, err := tx.Device(a.ID, d.ID); err != nil {
					ferr = fmt.Errorf("Device from inside %s: %v", name, err)
					return false
				}
				if holders, err := tx.TicketTenants(tk.ID); err != nil || len(holders) != 1 {
					ferr = fmt.Errorf("TicketTenants from inside %s = %v, %v", name, holders, err)
					return false
				}
				if len(seen) == 1 {
					// A scan of another tenant from inside the scan.
					m := 0
					if err := tx.OpenTickets(b.ID, func(*msp.Ticket) bool { m++; return true }); err != nil || m != 1 {
						ferr = fmt.Errorf("OpenTickets of another tenant from inside %s = %d tickets, %v; want 1", name, m, err)
						return false
					}
					if _, _, err := tx.Feed(a.ID, 0, 10); err != nil {
						ferr = fmt.Errorf("Feed from inside %s: %v", name, err)
						return false
					}
				}
				return true
			})
			return errors.Join(err, ferr)
		})
		if !slices.Equal(seen, ids) {
			t.Errorf("%s with calls from inside visited %d tickets, want each of the %d once in id order", name, len(seen), n)
		}
	}

	// Writes from inside OpenTickets, in an Update: resolve every other
	// ticket and keep a history of it, as the sweep would.
	var visited []string
	resolved := map[string]bool{}
	update(t, s, func(tx hub.Tx) error {
		visited, resolved = visited[:0], map[string]bool{}
		var ferr error
		i := 0
		err := tx.OpenTickets(a.ID, func(tk *msp.Ticket) bool {
			visited = append(visited, tk.ID)
			i++
			if i%2 == 0 {
				return true
			}
			r := tk.Clone()
			r.Status, r.ResolvedAt, r.UpdatedAt, r.Revision = msp.StatusResolved, t0.Add(time.Hour), t0.Add(time.Hour), tk.Revision+1
			if err := errors.Join(tx.PutTicket(r), tx.PutHistory(hub.TicketHistory{Tenant: a.ID, Ticket: tk.ID, Done: []string{"resolved-in-test"}})); err != nil {
				ferr = err
				return false
			}
			resolved[tk.ID] = true
			return true
		})
		return errors.Join(err, ferr)
	})
	if !slices.Equal(visited, ids) {
		t.Errorf("OpenTickets writing from inside visited %d tickets, want each of the %d once in id order", len(visited), n)
	}
	view(t, s, func(tx hub.Tx) error {
		open := 0
		if err := tx.OpenTickets(a.ID, func(tk *msp.Ticket) bool {
			open++
			if resolved[tk.ID] {
				t.Errorf("ticket %s resolved from inside the iterator is still open", tk.ID)
			}
			return true
		}); err != nil {
			t.Errorf("OpenTickets: %v", err)
		}
		if open != n-len(resolved) {
			t.Errorf("OpenTickets after resolving %d from inside = %d, want %d", len(resolved), open, n-len(resolved))
		}
		for id := range resolved {
			if h, err := tx.History(a.ID, id); err != nil || !h.Has("resolved-in-test") {
				t.Errorf("History written from inside the iterator = %+v, %v", h, err)
				break
			}
		}
		return nil
	})
}
