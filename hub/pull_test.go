package hub_test

import (
	"testing"

	"tandem/msp"
	"tandem/sync/protocol"
)

// pushTickets raises n tickets from d in batches of at most batch.
func pushTickets(t *testing.T, d *testDevice, n, batch int) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for n > 0 {
		var ms []protocol.Mutation
		for range min(n, batch) {
			tk := draft("Ticket")
			ids[tk.ID] = true
			ms = append(ms, createM(d.next(), tk))
		}
		resp := d.push(t, ms...)
		if resp.HighWater != d.seq {
			t.Fatalf("high water = %d, want %d", resp.HighWater, d.seq)
		}
		for _, r := range resp.Results {
			if r.Outcome != protocol.Applied {
				t.Fatalf("seq %d = %s %v", r.Seq, r.Outcome, r.Error)
			}
		}
		n -= len(ms)
	}
	return ids
}

// wantEachOnce checks that changes hold each of ids exactly once, and no
// other ticket.
func wantEachOnce(t *testing.T, changes []protocol.Change, ids map[string]bool) {
	t.Helper()
	seen := map[string]int{}
	for _, c := range changes {
		if c.Kind == protocol.ChangeTicket {
			seen[c.Ticket.ID]++
			if !ids[c.Ticket.ID] {
				t.Errorf("pulled a ticket that is not the device's: %s", c.Ticket.ID)
			}
		}
	}
	for id := range ids {
		if seen[id] != 1 {
			t.Errorf("ticket %s pulled %d times, want once", id, seen[id])
		}
	}
}

func TestPullPaging(t *testing.T) {
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	d := h.enroll(t, a.ID, "pc-1")
	ids := pushTickets(t, d, 450, 225)

	var all []protocol.Change
	var cursor uint64
	pages := 0
	for {
		resp, err := d.conn.Pull(t.Context(), cursor, 200)
		if err != nil {
			t.Fatalf("Pull(%d): %v", cursor, err)
		}
		pages++
		if len(resp.Changes) > 200 {
			t.Errorf("page %d holds %d changes, want at most 200", pages, len(resp.Changes))
		}
		for _, c := range resp.Changes {
			if c.Seq <= cursor || c.Seq > resp.Cursor {
				t.Errorf("change seq %d outside the page (%d, %d]", c.Seq, cursor, resp.Cursor)
			}
		}
		all = append(all, resp.Changes...)
		cursor = resp.Cursor
		if !resp.More {
			break
		}
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if pages != 3 { // 451 feed entries (the tenant and 450 tickets)
		t.Errorf("pages = %d, want 3", pages)
	}
	wantEachOnce(t, all, ids)

	// Nothing new after the last cursor; a change moves the ticket to the
	// end of the feed, once.
	resp, err := d.conn.Pull(t.Context(), cursor, 200)
	if err != nil || len(resp.Changes) != 0 || resp.More || resp.Cursor != cursor {
		t.Errorf("Pull at the end = %+v, %v; want nothing more at cursor %d", resp, err, cursor)
	}
	var one string
	for id := range ids {
		one = id
		break
	}
	d.push(t, commentM(d.next(), one, "an update"))
	resp, err = d.conn.Pull(t.Context(), cursor, 200)
	if err != nil || len(resp.Changes) != 1 || resp.Changes[0].Ticket.ID != one || len(resp.Changes[0].Ticket.Comments) != 2 {
		t.Errorf("Pull after a comment = %+v, %v; want the one ticket with its comment", resp, err)
	}
	wantEachOnce(t, d.pullAll(t, 500), ids)

	// A cursor ahead of the hub (a restored hub) starts the client again.
	last := cursor + 1 // the comment moved one ticket to the end of the feed
	resp, err = d.conn.Pull(t.Context(), 1<<40, 10)
	if err != nil || resp.Cursor != last || resp.More || len(resp.Changes) != 0 {
		t.Errorf("Pull far ahead = cursor %d, more %v, %d changes, %v; want cursor %d (the hub's last), nothing more",
			resp.Cursor, resp.More, len(resp.Changes), err, last)
	}
}

// TestPullPageLimitWithOtherDevices: a device in a tenant where other
// devices' tickets come first in the feed still gets pages of at most the
// limit it asked for, and every ticket once.
func TestPullPageLimitWithOtherDevices(t *testing.T) {
	h := startHub(t)
	a := h.tenant(t, "Acme", msp.ModeCoManaged)
	other := h.enroll(t, a.ID, "pc-other")
	d := h.enroll(t, a.ID, "pc-1")
	pushTickets(t, other, 100, 100)
	ids := pushTickets(t, d, 300, 150)
	wantEachOnce(t, d.pullAll(t, 200), ids) // pullAll checks each page's size
	otherIDs := map[string]bool{}
	for _, c := range other.pullAll(t, 50) {
		if c.Kind == protocol.ChangeTicket {
			otherIDs[c.Ticket.ID] = true
		}
	}
	if len(otherIDs) != 100 {
		t.Errorf("the other device pulled %d tickets, want its 100", len(otherIDs))
	}
}
