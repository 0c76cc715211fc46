package hub_test

import (
	"context"
	"testing"
	"time"

	"tandem/msp"
	"tandem/sync/client"
	"tandem/sync/protocol"
)

// A device's pull carries its ticket with the technician's reply and
// without their internal note, whichever way the hub writes the ticket
// out; the other device of the tenant pulls neither.
func TestDevicePullLeavesInternalNotesOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startHub(t)
	tn := h.tenant(t, "Demo Accounting", msp.ModeCoManaged)
	d1, d2 := h.enroll(t, tn.ID, "pc-1"), h.enroll(t, tn.ID, "pc-2")
	noted, plain := draft("Outlook keeps asking for my password"), draft("The printer jams")
	wantResults(t, d1.push(t, createM(d1.next(), noted), createM(d1.next(), plain)), 2, protocol.Applied, protocol.Applied)
	u, err := h.admin.AddUser(ctx, tn.ID, msp.RoleTechnician, "Sam Naidoo")
	if err != nil {
		t.Fatal(err)
	}
	si, err := d1.conn.SignIn(ctx, u.Code)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := client.NewConn(h.info.URL, h.caPEM, nil, client.ConnOptions{RetryMax: 1, Token: si.Token})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var ms []protocol.Mutation
	for i, cm := range []msp.Comment{
		{ID: msp.NewID(), Body: "Probably the MFA token expired.", Internal: true},
		{ID: msp.NewID(), Body: "Please sign out of Outlook and in again."},
	} {
		c := msp.Change{ID: msp.NewID(), Kind: msp.ChangeComment, TicketID: noted.ID, At: time.Now().UTC(), Comment: &cm}
		ms = append(ms, protocol.Mutation{Seq: uint64(i + 1), Kind: protocol.KindTicket, Tenant: tn.ID, Change: &c})
	}
	resp, err := conn.Push(ctx, ms)
	if err != nil {
		t.Fatal(err)
	}
	wantResults(t, resp, 2, protocol.Applied, protocol.Applied)

	got := tickets(d1.pullAll(t, 0))
	if len(got) != 2 || got[noted.ID] == nil || got[plain.ID] == nil {
		t.Fatalf("the device pulled %d tickets, want its 2", len(got))
	}
	bodies := map[string]bool{}
	for _, c := range got[noted.ID].Comments {
		bodies[c.Body] = true
		if c.Internal {
			t.Errorf("the device pulled the internal note %q", c.Body)
		}
	}
	if !bodies["Please sign out of Outlook and in again."] {
		t.Errorf("the device's ticket lacks the technician's reply: %+v", got[noted.ID].Comments)
	}
	if len(got[plain.ID].Comments) == 0 || got[plain.ID].Title != plain.Title {
		t.Errorf("the ticket without notes came back as %+v", got[plain.ID])
	}
	if other := tickets(d2.pullAll(t, 0)); len(other) != 0 {
		t.Errorf("the other device pulled %d tickets, want none", len(other))
	}
}
